"""The Query type, one module per area."""

from __future__ import annotations

import strawberry

from cms.graphql.arguments import default
from cms.graphql.queries.audience import AudienceQueries
from cms.graphql.queries.audit import AuditQueries
from cms.graphql.queries.content import ArticleFilter, ContentQueries
from cms.graphql.queries.documents import DocumentQueries
from cms.graphql.queries.editing import EditingQueries
from cms.graphql.queries.site import SiteQueries
from cms.graphql.queries.syndication import SyndicationQueries
from cms.graphql.queries.webhooks import WebhookQueries


@strawberry.type(
    description="Reading. Without a token you see published content; a token (Authorization: Bearer) "
    "sees what its role allows. A query's cost (the most objects its answer can hold) is checked before "
    f"it runs: at most CMS_MAX_COST_ANONYMOUS (default {default('max_cost_anonymous')}) without a token, "
    f"CMS_MAX_COST_PARTNER ({default('max_cost_partner')}) for partners, CMS_MAX_COST_STAFF "
    f"({default('max_cost_staff')}) for staff; more is QUERY_TOO_COMPLEX."
)
class Query(
    ContentQueries,
    EditingQueries,
    SiteQueries,
    SyndicationQueries,
    WebhookQueries,
    DocumentQueries,
    AudienceQueries,
    AuditQueries,
):
    """The areas' fields in one type (what strawberry's merge_types makes, with a description)."""


__all__ = ["ArticleFilter", "Query"]
