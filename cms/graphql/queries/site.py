"""The site identity, for frontends: name, language, time zone, logo, and where things are."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from cms.graphql.types.site import Site
from cms.services.site import site


@strawberry.type
class SiteQueries:
    @strawberry.field(description="Who publishes, and where the site, this CMS and its feeds are.")
    def site(self, info: Info) -> Site:
        return Site.of(site(info.context.settings))
