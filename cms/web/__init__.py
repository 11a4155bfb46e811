"""HTTP that is not GraphQL: health, media, feeds, the admin page."""
