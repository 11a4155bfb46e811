"""The worker: keeps the clock, fans domain events out, queues CDN purges, and delivers the outbox.

It runs inside `cms serve` (one per process; leases keep them from sending a message twice) or on
its own as `cms worker` with CMS_WORKER=off for the servers. Database work runs in threads, so an
in-process worker never holds the server's event loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx2 as httpx
from sqlalchemy import select

from cms.cache import purge
from cms.db import Database
from cms.models import Subscriber, Webhook, utcnow
from cms.observability import metrics
from cms.services import audience, clock, newsletters, outbox, smtp, subscribers, webhooks
from cms.services.delivery import deliver
from cms.services.outbox import Outcome
from cms.services.snapshot import ContentSnapshot
from cms.settings import Settings

log = logging.getLogger("cms.worker")
_webhook = Webhook.__table__  # type: ignore[attr-defined]
BATCH = 20
HOUSEKEEPING_EVERY = 60.0  # seconds between looks for due digests and stale sign-ups

Handler = Callable[[httpx.AsyncClient, Any], Awaitable[Outcome | None]]


class Worker:
    def __init__(self, settings: Settings, db: Database, snapshot: ContentSnapshot | None = None) -> None:
        self.settings = settings
        self.db = db
        self.snapshot = snapshot or ContentSnapshot()
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        # A lease outlives the slowest attempt, so only a dead worker loses one.
        self.lease = timedelta(seconds=max(5.0, settings.webhook_timeout * 3))
        # Mail has its own lease, from its own timeout: a slow SMTP server must not make a webhook
        # interrupted by a crash wait longer for its retry.
        self.mail_lease = timedelta(seconds=max(5.0, settings.smtp_timeout * 3))
        self.handlers: dict[str, Handler] = {
            "event": self._fan_out,
            "webhook": self._webhook,
            purge.TOPIC: lambda client, message: purge.send(client, message, self.settings),
        }
        if settings.smtp_host:
            self.handlers["mail"] = self._mail
        self._housekept = 0.0
        self.wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def nudge(self) -> None:
        """Look at the outbox now (a write just queued something); safe from any thread."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self.wake.set)

    async def run(self, stop: asyncio.Event) -> None:
        self._loop = asyncio.get_running_loop()
        log.info("worker %s started", self.owner)
        if "mail" not in self.handlers:
            log.warning("CMS_SMTP_HOST is not set: mailing-list mail waits in the outbox until it is")
        async with httpx.AsyncClient(follow_redirects=False, trust_env=False) as client:
            while not stop.is_set():
                try:
                    handled = await self.tick(client)
                except Exception:  # a bad moment (database restarting) must not end the worker
                    log.exception("worker tick failed; trying again shortly")
                    handled = 0
                if handled:
                    continue
                self.wake.clear()
                waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.wake.wait())]
                await asyncio.wait(
                    waiters, timeout=self.settings.worker_interval, return_when=asyncio.FIRST_COMPLETED
                )
                for waiter in waiters:
                    waiter.cancel()
        log.info("worker %s stopped", self.owner)

    async def tick(self, client: httpx.AsyncClient) -> int:
        """One round: catch up with the clock, then handle a batch of due messages."""
        await asyncio.to_thread(self._keep_time)
        now = utcnow()
        batch = await asyncio.to_thread(
            outbox.claim,
            self.db,
            owner=self.owner,
            now=now,
            lease=self.lease,
            limit=BATCH,
            topics=[t for t in self.handlers if t != "mail"],
        )
        if "mail" in self.handlers:
            batch += await asyncio.to_thread(
                outbox.claim, self.db, owner=self.owner, now=now, lease=self.mail_lease, limit=BATCH,
                topics=["mail"],
            )  # fmt: skip
        await asyncio.gather(*(self._handle(client, message) for message in batch))
        return len(batch)

    def _keep_time(self) -> None:
        conn, _, _ = clock.open_reading(self.db, self.snapshot, utcnow())
        conn.close()
        if self.settings.purge_url:
            purge.queue(self.db)
        if time.monotonic() - self._housekept >= HOUSEKEEPING_EVERY:
            self._housekept = time.monotonic()
            self.housekeeping()

    def housekeeping(self) -> None:
        """Daily digests once their time has come, and sign-ups never confirmed forgotten."""
        now = utcnow()
        with self.db.connect() as conn:
            due = newsletters.digests_due(conn, settings=self.settings, now=now)
        if due:
            with self.db.write() as session:
                queued = newsletters.queue_digests(session, settings=self.settings, now=now)
            log.info("queued %d daily digest mails", queued)
        with self.db.write() as session:
            purged = subscribers.purge_unconfirmed(session, settings=self.settings, now=now)
        if purged:
            log.info(
                "deleted %d sign-ups not confirmed within %d days",
                purged,
                self.settings.mail_unconfirmed_days,
            )

    async def _handle(self, client: httpx.AsyncClient, message: Any) -> None:
        try:
            outcome = await self.handlers[message.topic](client, message)
        except Exception as exc:
            log.exception("outbox message %s (%s) failed unexpectedly", message.id, message.event)
            outcome = Outcome(ok=False, error=f"internal error: {type(exc).__name__}")
        if outcome is None:
            return  # the handler finished the message itself
        status = await asyncio.to_thread(
            outbox.finish, self.db, message.id, outcome, owner=self.owner, now=utcnow(),
            schedule=self.settings.webhook_retry_schedule,
        )  # fmt: skip
        metrics.outbox_attempt(message.topic, status)
        if message.topic == "webhook" and status in ("delivered", "failed"):
            await asyncio.to_thread(self._after_delivery, message, outcome, status)

    async def _fan_out(self, client: httpx.AsyncClient, message: Any) -> None:
        """One event to its deliveries, and the event marked done, in one transaction."""

        def work() -> None:
            now = utcnow()
            with self.db.write() as session:
                queued = webhooks.fan_out(session, message, settings=self.settings, now=now)
                queued += newsletters.fan_out(session, message, settings=self.settings, now=now)
                outbox.complete(session, message.id, now=now)
            if queued:
                self.wake.set()

        await asyncio.to_thread(work)

    async def _webhook(self, client: httpx.AsyncClient, message: Any) -> Outcome:
        def load() -> Any:
            with self.db.connect() as conn:
                return conn.execute(select(_webhook).where(_webhook.c.id == message.target_id)).first()

        webhook = await asyncio.to_thread(load)
        outcome = await deliver(client, message, webhook, settings=self.settings, now=utcnow())
        if not outcome.ok:
            log.warning(
                "webhook delivery %s (%s) to %s failed: %s", message.id, message.event,
                webhook.url if webhook else "-", outcome.error,
            )  # fmt: skip
        return outcome

    async def _mail(self, client: httpx.AsyncClient, message: Any) -> Outcome:
        """Write the mail now (the reader may have left, the article gone), send it, record it."""

        def compose() -> Any:
            with self.db.connect() as conn:
                return newsletters.compose(conn, message, settings=self.settings, now=utcnow())

        mail, reason = await asyncio.to_thread(compose)
        if mail is None:
            return Outcome(ok=True, snippet=f"not sent: {reason}")
        outcome = await asyncio.to_thread(smtp.send, self.settings, mail)
        if outcome.ok:
            await asyncio.to_thread(self._mark_sent, message)
        else:
            log.warning("mail %s (%s) not sent: %s", message.id, message.event, outcome.error)
            if smtp.bounced(outcome):
                await asyncio.to_thread(self._bounced, message)
        return outcome

    def _mark_sent(self, message: Any) -> None:
        with self.db.write() as session:
            newsletters.mark_sent(session, message, now=utcnow())

    def _bounced(self, message: Any) -> None:
        with self.db.write() as session:
            row = session.execute(
                select(Subscriber.__table__).where(Subscriber.__table__.c.id == message.target_id)  # type: ignore[attr-defined]
            ).first()
            if row is not None:
                audience.suppress(
                    session, None, row.email, reason="bounce", note="refused by the SMTP server", now=utcnow()
                )

    def _after_delivery(self, message: Any, outcome: Outcome, status: str) -> None:
        with self.db.write() as session:
            reason = webhooks.note_outcome(
                session, message.target_id, delivered=status == "delivered", gone=outcome.status_code == 410,
                settings=self.settings, now=utcnow(),
            )  # fmt: skip
        if reason:
            metrics.webhook_disabled()
            log.warning("webhook %s switched off: %s", message.target_id, reason)
