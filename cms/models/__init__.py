"""Tables only. Every table is created and changed through the Alembic migrations."""

from sqlmodel import SQLModel

from cms.models.article import Article, ArticleAuthor, ArticleImage, ArticleSlug, State
from cms.models.audit import AuditEntry
from cms.models.author import Author
from cms.models.change import Change
from cms.models.documents import FollowCursor, PersistedDocument
from cms.models.image import Image
from cms.models.license import License
from cms.models.mail import MailingList, MailSent, Subscriber, Subscription, Suppression
from cms.models.outbox import DeliveryAttempt, OutboxMessage
from cms.models.partner import Partner, PartnerSection
from cms.models.revision import Revision
from cms.models.taxonomy import Category, Section
from cms.models.token import ApiToken, Role
from cms.models.types import UTCDateTime, utcnow
from cms.models.webhook import Webhook

metadata = SQLModel.metadata

__all__ = [
    "ApiToken",
    "Article",
    "ArticleAuthor",
    "ArticleImage",
    "ArticleSlug",
    "AuditEntry",
    "Author",
    "Category",
    "Change",
    "DeliveryAttempt",
    "FollowCursor",
    "Image",
    "License",
    "MailSent",
    "MailingList",
    "OutboxMessage",
    "Partner",
    "PartnerSection",
    "PersistedDocument",
    "Revision",
    "Role",
    "Section",
    "State",
    "Subscriber",
    "Subscription",
    "Suppression",
    "UTCDateTime",
    "Webhook",
    "metadata",
    "utcnow",
]
