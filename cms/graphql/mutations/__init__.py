"""The editorial API: token-only writes, one module per area. Validation problems come back as
``userErrors`` in each payload; missing or insufficient tokens as GraphQL errors."""

from __future__ import annotations

from strawberry.tools import merge_types

from cms.graphql.mutations.articles import ArticleMutations
from cms.graphql.mutations.audience import AudienceMutations
from cms.graphql.mutations.documents import DocumentMutations
from cms.graphql.mutations.images import ImageMutations
from cms.graphql.mutations.partners import PartnerMutations
from cms.graphql.mutations.taxonomy import TaxonomyMutations
from cms.graphql.mutations.webhooks import WebhookMutations

Mutation = merge_types(
    "Mutation",
    (
        ArticleMutations,
        TaxonomyMutations,
        ImageMutations,
        PartnerMutations,
        WebhookMutations,
        DocumentMutations,
        AudienceMutations,
    ),
)

__all__ = ["Mutation"]
