"""Sending one webhook delivery: signed per Standard Webhooks, bounded in time, never redirected."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime
from typing import Any

import httpx2 as httpx
from standardwebhooks.webhooks import Webhook as Signer

from cms.services.outbox import Outcome
from cms.services.webhooks import resolve_public_async
from cms.settings import Settings

USER_AGENT = "cms-webhooks/1 (+https://www.standardwebhooks.com)"


def message_id(outbox_id: int) -> str:
    """The webhook-id header: the same on every retry and redelivery, so receivers deduplicate."""
    return f"msg_{outbox_id}"


def signature(webhook: Any, msg_id: str, at: datetime, body: str) -> str:
    """v1 signatures, space-separated: the current secret's and, during a rotation, the previous one's."""
    secrets = [webhook.secret]
    if webhook.previous_secret and webhook.previous_expires_at and webhook.previous_expires_at > at:
        secrets.append(webhook.previous_secret)
    return " ".join(Signer(s).sign(msg_id, at, body) for s in secrets)


async def deliver(
    client: httpx.AsyncClient, message: Any, webhook: Any, *, settings: Settings, now: datetime
) -> Outcome:
    if webhook is None or not webhook.active:
        return Outcome(ok=False, error="the webhook is switched off or gone", retry=False)
    if reason := await resolve_public_async(webhook.url, allow_private=settings.webhook_allow_private):
        # A name that stops resolving may come back; one that now points inside the network may not.
        return Outcome(ok=False, error=reason, retry="does not resolve" in reason)
    body = json.dumps(message.payload, separators=(",", ":"), ensure_ascii=False)
    msg_id = message_id(message.id)
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature(webhook, msg_id, now, body),
    }
    started = time.monotonic()
    try:
        response = await asyncio.wait_for(
            client.post(webhook.url, content=body.encode(), headers=headers), timeout=settings.webhook_timeout
        )
    except TimeoutError:
        return Outcome(
            ok=False, error=f"no answer within {settings.webhook_timeout:g} s", latency_ms=_ms(started)
        )
    except httpx.HTTPError as exc:
        return Outcome(ok=False, error=f"{type(exc).__name__}: {exc}"[:500], latency_ms=_ms(started))
    ok = 200 <= response.status_code < 300
    return Outcome(
        ok=ok,
        status_code=response.status_code,
        error="" if ok else f"the receiver answered {response.status_code}",
        snippet=response.text[:500],
        latency_ms=_ms(started),
        retry=response.status_code != 410,
    )


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
