"""A headless CMS for publishers: content store, GraphQL API and Creative Commons-aware images."""

__version__ = "0.1.0"
