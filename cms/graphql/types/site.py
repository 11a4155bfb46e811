from __future__ import annotations

import strawberry

from cms.services.site import Site as SiteIdentity


@strawberry.type(description="Where the publication's feeds are, in each format.")
class FeedUrls:
    atom: str = strawberry.field(description="Atom 1.0 (application/atom+xml).")
    rss: str = strawberry.field(description="RSS 2.0 (application/rss+xml).")
    json: str = strawberry.field(description="JSON Feed 1.1 (application/feed+json).")


@strawberry.type(
    description="Who publishes: the site identity that feeds, JSON-LD, the News sitemap and mails "
    "also use (configuration: CMS_SITE_*, CMS_BASE_URL, CMS_PUBLIC_URL)."
)
class Site:
    name: str = strawberry.field(description="The publication's name (CMS_SITE_NAME).")
    description: str = strawberry.field(
        description="One line about the publication (CMS_SITE_DESCRIPTION); may be empty."
    )
    language: str = strawberry.field(description="BCP 47 language tag of the content, e.g. `en-GB`.")
    time_zone: str = strawberry.field(
        description="IANA time zone in which to write dates for readers, e.g. `America/New_York` "
        "(every DateTime in the API is UTC)."
    )
    logo_url: str | None = strawberry.field(description="The publication's logo, when one is configured.")
    publisher: str = strawberry.field(
        description="The organisation that publishes the site (CMS_SITE_PUBLISHER, else the name)."
    )
    home_url: str = strawberry.field(
        description="The publisher's site (CMS_BASE_URL), or this CMS's example frontend when there is none."
    )
    public_url: str = strawberry.field(
        description="Where this CMS answers (CMS_PUBLIC_URL): the API, media, feeds and sitemaps."
    )
    feeds: FeedUrls = strawberry.field(
        description="The whole site's feeds; a section's, category's or author's are at "
        "`{publicUrl}/feeds/{section|category|author}/{slug}/{atom|rss|json}`."
    )
    sitemap_url: str = strawberry.field(description="The sitemap index, for the publisher's robots.txt.")

    @classmethod
    def of(cls, identity: SiteIdentity) -> Site:
        feeds = identity.public_url + "/feeds/"
        return cls(
            name=identity.name, description=identity.description, language=identity.language,
            time_zone=identity.time_zone.key, logo_url=identity.logo_url, publisher=identity.publisher,
            home_url=identity.home_url, public_url=identity.public_url,
            feeds=FeedUrls(atom=feeds + "atom", rss=feeds + "rss", json=feeds + "json"),
            sitemap_url=identity.public_url + "/sitemap.xml",
        )  # fmt: skip
