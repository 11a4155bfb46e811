"""Tables only. Every table is created and changed through the Alembic migrations."""

from sqlmodel import SQLModel

from cms.models.article import Article, ArticleAuthor, ArticleSlug, State
from cms.models.author import Author
from cms.models.change import Change
from cms.models.image import Image
from cms.models.license import License
from cms.models.revision import Revision
from cms.models.taxonomy import Category, Section
from cms.models.token import ApiToken, Role
from cms.models.types import UTCDateTime, utcnow

metadata = SQLModel.metadata

__all__ = [
    "ApiToken",
    "Article",
    "ArticleAuthor",
    "ArticleSlug",
    "Author",
    "Category",
    "Change",
    "Image",
    "License",
    "Revision",
    "Role",
    "Section",
    "State",
    "UTCDateTime",
    "metadata",
    "utcnow",
]
