"""The editorial API: token-only writes, one module per area. Validation problems come back as
``userErrors`` in each payload; missing or insufficient tokens as GraphQL errors."""

from __future__ import annotations

import strawberry

from cms.graphql.cost import MUTATION_COST
from cms.graphql.mutations.articles import ArticleMutations
from cms.graphql.mutations.audience import AudienceMutations
from cms.graphql.mutations.documents import DocumentMutations
from cms.graphql.mutations.images import ImageMutations
from cms.graphql.mutations.partners import PartnerMutations
from cms.graphql.mutations.taxonomy import TaxonomyMutations
from cms.graphql.mutations.webhooks import WebhookMutations


@strawberry.type(
    description="Writing: a token (Authorization: Bearer) is needed unless a field says otherwise. Each "
    f"call costs {MUTATION_COST} on top of its payload; validation problems come back as userErrors, "
    "writing nothing."
)
class Mutation(
    ArticleMutations,
    TaxonomyMutations,
    ImageMutations,
    PartnerMutations,
    WebhookMutations,
    DocumentMutations,
    AudienceMutations,
):
    """The areas' mutations in one type (what strawberry's merge_types makes, with a description)."""


__all__ = ["Mutation"]
