"""Mailing lists: who asked for mail, about what, what was sent, and who must never be mailed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from cms.models.types import UTCDateTime, utcnow


class MailingList(SQLModel, table=True):
    """The site-wide list (``key`` "site") or one section's (``key`` "section:<id>").

    A section's list is named by the section's slug wherever it is shown, so renaming a section
    keeps its subscribers; the row only holds what an admin sets (the mode).
    """

    __tablename__ = "mailing_list"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=40, unique=True)
    section_id: int | None = Field(default=None, foreign_key="section.id", ondelete="CASCADE")
    mode: str = Field(default="immediate", max_length=10)  # immediate, digest
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Subscriber(SQLModel, table=True):
    """One address, with the record of its consent (double opt-in)."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320)  # as normalised by email-validator; mail goes to this
    # The address folded to lower case: what makes two sign-ups the same person.
    address_key: str = Field(max_length=320, unique=True)
    status: str = Field(default="pending", max_length=12)  # pending, active, unsubscribed
    consent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)  # the latest sign-up
    consent_source: str = Field(default="", max_length=200)  # the form or app that asked
    consent_ip: str = Field(default="", max_length=64)
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Subscription(SQLModel, table=True):
    """One address on one list: pending until confirmed, active, or unsubscribed."""

    __table_args__ = (Index("ix_subscription_list", "list_id", "status"),)

    subscriber_id: int = Field(foreign_key="subscriber.id", ondelete="CASCADE", primary_key=True)
    list_id: int = Field(foreign_key="mailing_list.id", ondelete="CASCADE", primary_key=True)
    status: str = Field(default="pending", max_length=12)  # pending, active, unsubscribed
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)  # asked for at
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    unsubscribed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Suppression(SQLModel, table=True):
    """An address never to be mailed: it bounced, complained, or an admin said so."""

    id: int | None = Field(default=None, primary_key=True)
    address_key: str = Field(max_length=320, unique=True)
    reason: str = Field(max_length=20)  # bounce, complaint, manual
    note: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MailSent(SQLModel, table=True):
    """The idempotency record: one row per (subscriber, article), so an article is mailed once.

    Written when the article is fanned out to its lists, whatever happens to the outbox message
    later (a retry, a redelivery, a second ``article.published`` after an unpublish); ``sent_at``
    is set once the SMTP server took the mail, and a message that finds it set sends nothing.
    """

    __tablename__ = "mail_sent"
    __table_args__ = (
        UniqueConstraint("subscriber_id", "article_id", name="uq_mail_sent_subscriber_article"),
        Index("ix_mail_sent_digest", "kind", "digest_key", "queued_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int = Field(foreign_key="subscriber.id", ondelete="CASCADE")
    article_id: int = Field(foreign_key="article.id", ondelete="CASCADE")
    kind: str = Field(max_length=10)  # immediate, digest
    queued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # A digest row waits for the next digest; this names the digest mail that took it.
    digest_key: str | None = Field(default=None, max_length=80)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
