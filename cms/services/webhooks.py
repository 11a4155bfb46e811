"""Webhooks: URLs subscribed to events, signed per Standard Webhooks, delivered from the outbox.

A subscription has a ``whsec_`` secret shown once (at creation and at each rotation); after a
rotation the previous secret signs too until the overlap ends, so receivers can switch without
losing a delivery. A webhook may belong to a partner: its bodies then follow that partner's
sections and licence terms. Receivers on private, loopback or link-local addresses are refused
unless CMS_WEBHOOK_ALLOW_PRIVATE is set, at subscription and again before every delivery.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import secrets
import socket
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, Row, delete, func, insert, select, update
from sqlalchemy.orm import Session

from cms.errors import Invalid, NotFound, Problem, Refused
from cms.models import Article, OutboxMessage, Webhook
from cms.services import audit, outbox, partners
from cms.services.articles import rows_by_ids
from cms.services.checks import web_url
from cms.services.events import EVENTS
from cms.services.ids import global_id
from cms.services.payloads import article_payload, image_payload
from cms.services.permissions import Action
from cms.services.snapshot import ContentSnapshot
from cms.services.tokens import Caller
from cms.services.views import Reader
from cms.settings import Settings

_webhook = Webhook.__table__  # type: ignore[attr-defined]
_outbox = OutboxMessage.__table__  # type: ignore[attr-defined]
_article = Article.__table__  # type: ignore[attr-defined]
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def resolve_public(url: str, *, allow_private: bool) -> str | None:
    """Why ``url`` may not receive webhooks, or None. Every address the host resolves to counts."""
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return f"the host {host!r} does not resolve"
    if not allow_private and any(_private(str(info[4][0])) for info in infos):
        return (
            f"{host!r} is a private, loopback or link-local address; webhooks go to public receivers only "
            "(set CMS_WEBHOOK_ALLOW_PRIVATE for intranets and tests)"
        )
    return None


async def resolve_public_async(url: str, *, allow_private: bool) -> str | None:
    return await asyncio.to_thread(resolve_public, url, allow_private=allow_private)


def _checked(
    session: Session, values: dict[str, Any], settings: Settings, *, creating: bool
) -> dict[str, Any]:
    problems: list[Problem] = []
    out: dict[str, Any] = {}
    if creating or values.get("url") is not None:
        try:
            url = web_url(values.get("url"), field="url")
        except Invalid as exc:
            problems.append(Problem("url", exc.message, "INVALID"))
        else:
            if not url:
                problems.append(Problem("url", "a webhook needs a URL", "INVALID"))
            elif reason := resolve_public(url, allow_private=settings.webhook_allow_private):
                problems.append(Problem("url", reason, "INVALID"))
            out["url"] = url
    if creating or values.get("events") is not None:
        events = list(dict.fromkeys(values.get("events") or []))
        unknown = [e for e in events if e not in EVENTS]
        if not events:
            problems.append(
                Problem("events", f"subscribe to at least one of: {', '.join(EVENTS)}", "INVALID")
            )
        elif unknown:
            problems.append(
                Problem(
                    "events",
                    f"unknown event {', '.join(map(repr, unknown))}; known: {', '.join(EVENTS)}",
                    "INVALID",
                )
            )
        out["events"] = events
    if creating and values.get("partner_id") is not None:
        if not partners.exists(session.connection(), values["partner_id"]):
            problems.append(Problem("partnerId", "no such partner", "NOT_FOUND"))
        out["partner_id"] = values["partner_id"]
    if values.get("active") is not None:
        out["active"] = bool(values["active"])
    if problems:
        raise Refused(*problems)
    return out


def create(
    session: Session, caller: Caller, values: dict[str, Any], *, settings: Settings, now: datetime
) -> tuple[int, str]:
    """A new subscription; returns its id and its secret (shown this once)."""
    caller.require(Action.WEBHOOK_MANAGE)
    clean = _checked(session, values, settings, creating=True)
    secret = new_secret()
    pk = int(
        session.execute(
            insert(_webhook).returning(_webhook.c.id),
            [{**clean, "active": True, "secret": secret, "consecutive_failures": 0, "disabled_reason": "",
              "created_at": now, "updated_at": now}],
        ).scalar_one()
    )  # fmt: skip
    audit.record(session, caller, "webhook.create", entity="webhook", entity_id=pk, url=clean["url"])
    return pk, secret


def _row(session: Session | Connection, pk: int) -> Row[Any]:
    row = session.execute(select(_webhook).where(_webhook.c.id == pk)).first()
    if row is None:
        raise Refused(Problem("id", "no such webhook", "NOT_FOUND"))
    return row


def update_one(
    session: Session, caller: Caller, pk: int, values: dict[str, Any], *, settings: Settings, now: datetime
) -> None:
    """Change the URL, the events or whether it is active; switching it on again forgets past failures."""
    caller.require(Action.WEBHOOK_MANAGE)
    row = _row(session, pk)
    clean = _checked(session, values, settings, creating=False)
    if clean.get("active") and not row.active:
        clean.update(consecutive_failures=0, disabled_reason="")
    if clean:
        session.execute(update(_webhook).where(_webhook.c.id == pk).values(**clean, updated_at=now))
    audit.record(
        session,
        caller,
        "webhook.update",
        entity="webhook",
        entity_id=pk,
        **{k: str(v) for k, v in clean.items()},
    )


def delete_one(session: Session, caller: Caller, pk: int) -> None:
    caller.require(Action.WEBHOOK_MANAGE)
    row = _row(session, pk)
    audit.record(session, caller, "webhook.delete", entity="webhook", entity_id=pk, url=row.url)
    session.execute(delete(_outbox).where(_outbox.c.topic == "webhook", _outbox.c.target_id == pk))
    session.execute(delete(_webhook).where(_webhook.c.id == pk))


def rotate_secret(session: Session, caller: Caller, pk: int, *, settings: Settings, now: datetime) -> str:
    """A new secret; the old one signs too until the overlap ends. Returns the new one (shown once)."""
    caller.require(Action.WEBHOOK_MANAGE)
    row = _row(session, pk)
    secret = new_secret()
    session.execute(
        update(_webhook)
        .where(_webhook.c.id == pk)
        .values(
            secret=secret, previous_secret=row.secret,
            previous_expires_at=now + timedelta(seconds=settings.webhook_secret_overlap), updated_at=now,
        )
    )  # fmt: skip
    audit.record(session, caller, "webhook.rotate_secret", entity="webhook", entity_id=pk)
    return secret


def ping(session: Session, caller: Caller, pk: int, *, now: datetime) -> None:
    """Queue a test delivery to the webhook."""
    caller.require(Action.WEBHOOK_MANAGE)
    _row(session, pk)
    body = {"type": "ping", "timestamp": now.isoformat(), "data": {"webhook": global_id("Webhook", pk)}}
    outbox.emit(session, topic="webhook", event="ping", payload=body, now=now, target_id=pk)


def redeliver(session: Session, caller: Caller, delivery_id: int, *, now: datetime) -> None:
    caller.require(Action.WEBHOOK_MANAGE)
    found = session.execute(
        select(_outbox.c.id).where(_outbox.c.id == delivery_id, _outbox.c.topic == "webhook")
    ).first()
    if found is None:
        raise NotFound("no such webhook delivery", field="deliveryId")
    outbox.redeliver(session, delivery_id, now=now)
    audit.record(session, caller, "webhook.redeliver", entity="delivery", entity_id=delivery_id)


def listing(conn: Connection) -> list[Row[Any]]:
    return list(conn.execute(select(_webhook).order_by(_webhook.c.id)))


def deliveries(
    conn: Connection, *, webhook_id: int | None, status: str | None, limit: int, before_id: int | None
) -> tuple[list[Row[Any]], bool, int]:
    """Newest first: a page of deliveries, whether more remain, and how many there are."""
    conditions = [_outbox.c.topic == "webhook"]
    if webhook_id is not None:
        conditions.append(_outbox.c.target_id == webhook_id)
    if status is not None:
        conditions.append(_outbox.c.status == status)
    stmt = select(_outbox).where(*conditions)
    if before_id is not None:
        stmt = stmt.where(_outbox.c.id < before_id)
    rows = list(conn.execute(stmt.order_by(_outbox.c.id.desc()).limit(limit + 1)))
    total = int(conn.execute(select(func.count()).select_from(_outbox).where(*conditions)).scalar_one())
    return rows[:limit], len(rows) > limit, total


# --- Fan-out: from one domain event to one delivery per subscribed webhook ---------------------


def fan_out(session: Session, event: Row[Any], *, settings: Settings, now: datetime) -> int:
    """Queue a delivery of ``event`` to every active webhook subscribed to it; returns how many."""
    subscribed = [w for w in listing(session.connection()) if w.active and event.event in (w.events or [])]
    if not subscribed:
        return 0
    queued = 0
    bodies: dict[int | None, dict[str, Any] | None] = {}
    for webhook in subscribed:
        if webhook.partner_id not in bodies:
            bodies[webhook.partner_id] = _body(
                session, event, settings=settings, now=now, partner_id=webhook.partner_id
            )
        body = bodies[webhook.partner_id]
        if body is None:
            continue  # not for this partner (another section)
        queued += outbox.emit(
            session, topic="webhook", event=event.event, payload=body, now=now,
            key=f"wh:{webhook.id}:{event.id}", target_id=webhook.id,
        )  # fmt: skip
    return queued


def _body(
    session: Session, event: Row[Any], *, settings: Settings, now: datetime, partner_id: int | None
) -> dict[str, Any] | None:
    data = event.payload
    conn = session.connection()
    scope = partners.scope_of(conn, partner_id) if partner_id is not None else None
    reader = Reader(
        conn, settings=settings, now=now, taxonomy=ContentSnapshot().taxonomy(conn, -1), partner=scope
    )
    out: dict[str, Any]
    if event.event == "article.deleted":
        out = {
            "article": {
                "id": global_id("Article", data["article_id"]),
                "slug": data.get("slug"),
                "title": data.get("title"),
            }
        }
    elif event.event.startswith("article."):
        rows = rows_by_ids(conn, [data["article_id"]], with_body=True)
        row = rows.get(data["article_id"])
        if row is None:
            out = {"article": {"id": global_id("Article", data["article_id"])}}
        else:
            if scope is not None and not scope.takes_section(row.section_id):
                return None
            out = {"article": article_payload(reader.articles([row])[0])}
    elif event.event == "image.updated":
        images = reader.images([data["image_id"]], public=False)
        image = images.get(data["image_id"])
        out = {
            "image": image_payload(image) if image else None,
            "articleIds": [global_id("Article", a) for a in data.get("article_ids", [])],
        }
    else:
        out = dict(data)
    return {"type": event.event, "timestamp": event.created_at.isoformat(), "data": out}


def note_outcome(
    session: Session, webhook_id: int, *, delivered: bool, gone: bool, settings: Settings, now: datetime
) -> str | None:
    """Keep count of failures in a row; returns why the webhook was switched off, if it was."""
    row = session.execute(select(_webhook).where(_webhook.c.id == webhook_id)).first()
    if row is None:
        return None
    if delivered:
        if row.consecutive_failures:
            session.execute(
                update(_webhook).where(_webhook.c.id == webhook_id).values(consecutive_failures=0)
            )
        return None
    failures = row.consecutive_failures + 1
    values: dict[str, Any] = {"consecutive_failures": failures}
    reason = None
    if gone:
        reason = "the receiver answered 410 Gone"
    elif failures >= settings.webhook_disable_after:
        reason = f"switched off after {failures} failed deliveries in a row"
    if reason and row.active:
        values.update(active=False, disabled_reason=reason, updated_at=now)
    session.execute(update(_webhook).where(_webhook.c.id == webhook_id).values(**values))
    return reason if reason and row.active else None
