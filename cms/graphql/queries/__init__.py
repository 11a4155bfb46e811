"""The Query type, one module per area."""

from __future__ import annotations

from strawberry.tools import merge_types

from cms.graphql.queries.audience import AudienceQueries
from cms.graphql.queries.content import ArticleFilter, ContentQueries
from cms.graphql.queries.documents import DocumentQueries
from cms.graphql.queries.site import SiteQueries
from cms.graphql.queries.syndication import SyndicationQueries
from cms.graphql.queries.webhooks import WebhookQueries

Query = merge_types(
    "Query",
    (ContentQueries, SiteQueries, SyndicationQueries, WebhookQueries, DocumentQueries, AudienceQueries),
)

__all__ = ["ArticleFilter", "Query"]
