"""Partners: sites that syndicate our content, with their licence terms and sections.

What a partner may take is its scope: the sections it has (none listed: every section) and
whether it uses content commercially. Licences decide the rest, wherever a partner reads (the
change feed, GraphQL with its token, webhook bodies): an image whose licence forbids commercial
use never reaches a commercial partner, and an "all rights reserved, used with permission" image
never reaches any partner, since the permission was given to the publisher.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update
from sqlalchemy.orm import Session

from cms.errors import NotFound, Problem, Refused
from cms.models import ApiToken, Partner, PartnerSection, Section
from cms.services import audit
from cms.services.permissions import Action
from cms.services.scope import UNKNOWN, Scope
from cms.services.tokens import Caller

_partner = Partner.__table__  # type: ignore[attr-defined]
_partner_section = PartnerSection.__table__  # type: ignore[attr-defined]
_section = Section.__table__  # type: ignore[attr-defined]
_token = ApiToken.__table__  # type: ignore[attr-defined]


def scope_of(conn: Connection, partner_id: int | None) -> Scope:
    if partner_id is None:
        return UNKNOWN
    row = conn.execute(select(_partner).where(_partner.c.id == partner_id)).first()
    if row is None:
        return UNKNOWN
    sections = frozenset(
        conn.execute(
            select(_partner_section.c.section_id).where(_partner_section.c.partner_id == partner_id)
        ).scalars()
    )
    return Scope(row.id, row.commercial_use, sections or None, row.scope_version, row.requests_per_minute)


def _section_ids(session: Session, slugs: list[str]) -> list[int]:
    found: dict[str, int] = dict(
        session.execute(select(_section.c.slug, _section.c.id).where(_section.c.slug.in_(slugs))).all()
    )
    missing = [s for s in slugs if s not in found]
    if missing:
        raise Refused(Problem("sectionSlugs", f"no section has the slug {', '.join(missing)}", "NOT_FOUND"))
    return [found[s] for s in slugs]


def _checked(
    session: Session, values: dict[str, Any], *, creating: bool, pk: int | None = None
) -> dict[str, Any]:
    problems = []
    out: dict[str, Any] = {}
    if creating or "name" in values:
        name = (values.get("name") or "").strip()
        if not name:
            problems.append(Problem("name", "a partner needs a name", "INVALID"))
        elif len(name) > 200:
            problems.append(Problem("name", "the name is longer than 200 characters", "INVALID"))
        else:
            clash = select(_partner.c.id).where(func.lower(_partner.c.name) == name.lower())
            if pk is not None:
                clash = clash.where(_partner.c.id != pk)
            if session.execute(clash).first() is not None:
                problems.append(Problem("name", f"a partner is already called {name!r}", "DUPLICATE"))
            out["name"] = name
    if values.get("commercial_use") is not None:
        out["commercial_use"] = bool(values["commercial_use"])
    if "contact" in values:
        contact = (values.get("contact") or "").strip()
        if len(contact) > 300:
            problems.append(Problem("contact", "the contact is longer than 300 characters", "INVALID"))
        out["contact"] = contact
    if "requests_per_minute" in values:
        limit = values["requests_per_minute"]
        if limit is not None and not 1 <= limit <= 1_000_000:
            problems.append(
                Problem("requestsPerMinute", "give between 1 and 1,000,000 requests a minute", "INVALID")
            )
        out["requests_per_minute"] = limit
    if problems:
        raise Refused(*problems)
    return out


def create(session: Session, caller: Caller, values: dict[str, Any], *, now: datetime) -> int:
    caller.require(Action.PARTNER_MANAGE)
    clean = _checked(session, values, creating=True)
    sections = _section_ids(session, list(values.get("section_slugs") or []))
    pk = int(
        session.execute(
            insert(_partner).returning(_partner.c.id),
            [
                {
                    "commercial_use": False,
                    "contact": "",
                    **clean,
                    "scope_version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        ).scalar_one()
    )
    if sections:
        session.execute(insert(_partner_section), [{"partner_id": pk, "section_id": s} for s in sections])
    audit.record(session, caller, "partner.create", entity="partner", entity_id=pk, name=clean["name"])
    return pk


def update_one(session: Session, caller: Caller, pk: int, values: dict[str, Any], *, now: datetime) -> None:
    """Change a partner. A change to what it may take bumps its scope: its sync restarts."""
    caller.require(Action.PARTNER_MANAGE)
    row = session.execute(select(_partner).where(_partner.c.id == pk).with_for_update()).first()
    if row is None:
        raise Refused(Problem("id", "no such partner", "NOT_FOUND"))
    clean = _checked(session, values, creating=False, pk=pk)
    scope_changed = "commercial_use" in clean and clean["commercial_use"] != row.commercial_use
    if values.get("section_slugs") is not None:
        sections = _section_ids(session, list(values["section_slugs"]))
        before = set(
            session.execute(
                select(_partner_section.c.section_id).where(_partner_section.c.partner_id == pk)
            ).scalars()
        )
        if set(sections) != before:
            scope_changed = True
            session.execute(delete(_partner_section).where(_partner_section.c.partner_id == pk))
            if sections:
                session.execute(
                    insert(_partner_section), [{"partner_id": pk, "section_id": s} for s in sections]
                )
    if scope_changed:
        clean["scope_version"] = row.scope_version + 1
    if clean or scope_changed:
        session.execute(update(_partner).where(_partner.c.id == pk).values(**clean, updated_at=now))
    audit.record(
        session, caller, "partner.update", entity="partner", entity_id=pk, scope_changed=scope_changed
    )


def delete_one(session: Session, caller: Caller, pk: int, *, now: datetime) -> None:
    """Delete a partner; its tokens are revoked at once and its webhooks go with it."""
    caller.require(Action.PARTNER_MANAGE)
    row = session.execute(select(_partner).where(_partner.c.id == pk)).first()
    if row is None:
        raise NotFound("no such partner", field="id")
    session.execute(
        update(_token).where(_token.c.partner_id == pk, _token.c.revoked_at.is_(None)).values(revoked_at=now)
    )
    audit.record(session, caller, "partner.delete", entity="partner", entity_id=pk, name=row.name)
    session.execute(delete(_partner).where(_partner.c.id == pk))


def listing(conn: Connection) -> list[Row[Any]]:
    return list(conn.execute(select(_partner).order_by(func.lower(_partner.c.name))))


def sections_of(conn: Connection, partner_ids: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {pk: [] for pk in partner_ids}
    if partner_ids:
        stmt = select(_partner_section).where(_partner_section.c.partner_id.in_(partner_ids))
        for row in conn.execute(stmt):
            found[row.partner_id].append(row.section_id)
    return found


def exists(conn: Connection, pk: int) -> bool:
    return conn.execute(select(_partner.c.id).where(_partner.c.id == pk)).first() is not None
