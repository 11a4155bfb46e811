"""Who may do what: one table, role x action x own/other x article state, for every write path.

Every check in the code goes through ``require`` (or ``allowed``), and the test suite walks the
whole table, so a rule that holds for one path holds for all. "Own" means created by a token
of the same person (tokens are named after the person or system that uses them, and a person's
new token keeps their articles). States are an article's status: draft, scheduled, published,
archived, trashed; actions that are not about one article ignore both.

Business preconditions (restore only from the trash, publish needs a byline) are not here:
they are INVALID userErrors. This table answers only UNAUTHENTICATED or FORBIDDEN.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cms.errors import Forbidden, Unauthenticated
from cms.models import Role


class Action(StrEnum):
    ARTICLE_CREATE = "article.create"
    ARTICLE_READ_DRAFT = "article.read_draft"  # unpublished content: drafts, pending changes, previews
    ARTICLE_EDIT = "article.edit"  # on a published article, edits become pending changes
    ARTICLE_REVERT = "article.revert"  # bring back an old revision's content (an edit)
    ARTICLE_PUBLISH = "article.publish"  # publish, schedule, publish pending changes
    ARTICLE_UNPUBLISH = "article.unpublish"  # take down, or cancel a schedule
    ARTICLE_ARCHIVE = "article.archive"
    ARTICLE_TRASH = "article.trash"
    ARTICLE_RESTORE = "article.restore"
    ARTICLE_DELETE = "article.delete"  # for good, from the trash
    ARTICLE_READ_REVISIONS = "article.read_revisions"
    ARTICLE_PREVIEW_LINK = "article.preview_link"  # create and revoke preview links
    TAXONOMY_MANAGE = "taxonomy.manage"  # sections, categories, authors
    IMAGE_MANAGE = "image.manage"  # upload, edit credits, delete, mark public
    IMAGE_READ_PRIVATE = "image.read_private"  # images no published article uses yet
    TOKEN_MANAGE = "token.manage"
    PARTNER_MANAGE = "partner.manage"
    WEBHOOK_MANAGE = "webhook.manage"
    SUBSCRIBER_READ = "subscriber.read"  # subscriber counts per mailing list
    SUBSCRIBER_EXPORT = "subscriber.export"  # CSV export, one address's data (GDPR access)
    SUBSCRIBER_DELETE = "subscriber.delete"  # forget an address on request (GDPR erasure)
    SUBSCRIBER_SUPPRESS = "subscriber.suppress"  # bounces and complaints: never mail an address
    MAILING_LIST_MANAGE = "mailing_list.manage"  # a list's mode: immediate or daily digest
    AUDIT_READ = "audit.read"
    CHANGES_READ = "changes.read"  # incremental sync
    METRICS_READ = "metrics.read"
    QUERY_REGISTER = "query.register"  # persisted (trusted) documents


ARTICLE_STATES = ("draft", "scheduled", "published", "archived", "trashed")
_NOT_TRASHED = frozenset(ARTICLE_STATES) - {"trashed"}
_ALL = frozenset(ARTICLE_STATES)


@dataclass(frozen=True)
class Rule:
    """Allowed for whose articles (``any`` or ``own``) and in which states."""

    whose: str = "any"
    states: frozenset[str] = _ALL

    def allows(self, *, own: bool, state: str | None) -> bool:
        if self.whose == "own" and not own:
            return False
        return state is None or state in self.states


ANY = Rule()
OWN = Rule("own")
OWN_NOT_TRASHED = Rule("own", _NOT_TRASHED)

_EDITOR: dict[Action, Rule] = {
    Action.ARTICLE_CREATE: ANY,
    Action.ARTICLE_READ_DRAFT: ANY,
    Action.ARTICLE_EDIT: ANY,
    Action.ARTICLE_REVERT: ANY,
    Action.ARTICLE_PUBLISH: ANY,
    Action.ARTICLE_UNPUBLISH: ANY,
    Action.ARTICLE_ARCHIVE: ANY,
    Action.ARTICLE_TRASH: ANY,
    Action.ARTICLE_RESTORE: ANY,
    Action.ARTICLE_DELETE: ANY,
    Action.ARTICLE_READ_REVISIONS: ANY,
    Action.ARTICLE_PREVIEW_LINK: ANY,
    Action.TAXONOMY_MANAGE: ANY,
    Action.IMAGE_MANAGE: ANY,
    Action.IMAGE_READ_PRIVATE: ANY,
}

#: The table. A (role, action) pair that is not listed is refused.
TABLE: dict[Role, dict[Action, Rule]] = {
    Role.AUTHOR: {
        Action.ARTICLE_CREATE: ANY,
        Action.ARTICLE_READ_DRAFT: OWN,
        Action.ARTICLE_EDIT: OWN_NOT_TRASHED,
        Action.ARTICLE_REVERT: OWN_NOT_TRASHED,
        Action.ARTICLE_READ_REVISIONS: OWN,  # the conflict merge needs the revision they started from
        Action.ARTICLE_PREVIEW_LINK: OWN_NOT_TRASHED,
        # Lead images come from the library: authors see it, but only editors change it.
        Action.IMAGE_READ_PRIVATE: ANY,
    },
    Role.EDITOR: _EDITOR,
    Role.ADMIN: {
        **_EDITOR,
        Action.TOKEN_MANAGE: ANY,
        Action.PARTNER_MANAGE: ANY,
        Action.WEBHOOK_MANAGE: ANY,
        Action.SUBSCRIBER_READ: ANY,
        Action.SUBSCRIBER_EXPORT: ANY,
        Action.SUBSCRIBER_DELETE: ANY,
        Action.SUBSCRIBER_SUPPRESS: ANY,
        Action.MAILING_LIST_MANAGE: ANY,
        Action.AUDIT_READ: ANY,
        Action.CHANGES_READ: ANY,
        Action.METRICS_READ: ANY,
        Action.QUERY_REGISTER: ANY,
    },
    Role.PARTNER: {
        Action.CHANGES_READ: ANY,
    },
}

_WHAT = {
    Action.ARTICLE_CREATE: "create articles",
    Action.ARTICLE_READ_DRAFT: "read unpublished articles",
    Action.ARTICLE_EDIT: "edit articles",
    Action.ARTICLE_REVERT: "revert articles",
    Action.ARTICLE_PUBLISH: "publish articles",
    Action.ARTICLE_UNPUBLISH: "unpublish articles",
    Action.ARTICLE_ARCHIVE: "archive articles",
    Action.ARTICLE_TRASH: "move articles to the trash",
    Action.ARTICLE_RESTORE: "restore articles from the trash",
    Action.ARTICLE_DELETE: "delete articles",
    Action.ARTICLE_READ_REVISIONS: "read revisions",
    Action.ARTICLE_PREVIEW_LINK: "manage preview links",
    Action.TAXONOMY_MANAGE: "manage sections, categories and authors",
    Action.IMAGE_MANAGE: "manage images",
    Action.IMAGE_READ_PRIVATE: "see images that are not public",
    Action.TOKEN_MANAGE: "manage tokens",
    Action.PARTNER_MANAGE: "manage partners",
    Action.WEBHOOK_MANAGE: "manage webhooks",
    Action.SUBSCRIBER_READ: "see subscriber counts",
    Action.SUBSCRIBER_EXPORT: "export subscribers",
    Action.SUBSCRIBER_DELETE: "delete subscribers",
    Action.SUBSCRIBER_SUPPRESS: "suppress addresses",
    Action.MAILING_LIST_MANAGE: "manage mailing lists",
    Action.AUDIT_READ: "read the audit log",
    Action.CHANGES_READ: "read the change feed",
    Action.METRICS_READ: "read metrics",
    Action.QUERY_REGISTER: "register persisted queries",
}


def describe(action: Action) -> str:
    return _WHAT[action]


def allowed(role: Role | None, action: Action, *, own: bool = False, state: str | None = None) -> bool:
    if role is None:
        return False
    rule = TABLE[role].get(action)
    return rule is not None and rule.allows(own=own, state=state)


def require(role: Role | None, action: Action, *, own: bool = False, state: str | None = None) -> None:
    """Raise UNAUTHENTICATED without a token, FORBIDDEN when the table says no."""
    what = _WHAT[action]
    if role is None:
        raise Unauthenticated(f"to {what} you need a token: send Authorization: Bearer <token>")
    rule = TABLE[role].get(action)
    if rule is None:
        raise Forbidden(f"the {role.value} role cannot {what}")
    if rule.whose == "own" and not own:
        raise Forbidden(f"the {role.value} role can {what} only for articles of their own")
    if state is not None and state not in rule.states:
        raise Forbidden(f"the {role.value} role cannot {what} while the article is {state}")
