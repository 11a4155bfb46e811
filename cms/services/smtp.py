"""Handing one mail to the SMTP server (CMS_SMTP_*): STARTTLS, implicit TLS or none, with a login.

Blocking (smtplib); the worker calls it from a thread. A recipient refused with a 5xx code is a
hard bounce: not retried, and the worker puts the address on the suppression list. Anything else
(the server away, a 4xx, a failed login) is retried on the outbox's schedule.
"""

from __future__ import annotations

import smtplib
import ssl
import time
from email.message import EmailMessage

from cms.services.outbox import Outcome
from cms.settings import Settings

PORTS = {"starttls": 587, "tls": 465, "none": 25}


def port_of(settings: Settings) -> int:
    return settings.smtp_port or PORTS[settings.smtp_security]


def send(settings: Settings, message: EmailMessage) -> Outcome:
    host = settings.smtp_host
    if not host:
        return Outcome(ok=False, error="`CMS_SMTP_HOST` is not set")
    started = time.monotonic()
    timeout = settings.smtp_timeout
    try:
        server: smtplib.SMTP
        if settings.smtp_security == "tls":
            server = smtplib.SMTP_SSL(
                host, port_of(settings), timeout=timeout, context=ssl.create_default_context()
            )
        else:
            server = smtplib.SMTP(host, port_of(settings), timeout=timeout)
        with server:
            server.ehlo()
            if settings.smtp_security == "starttls":
                server.starttls(context=ssl.create_default_context())
                server.ehlo()
            if settings.smtp_user:
                server.login(settings.smtp_user, settings.smtp_password or "")
            server.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        code, reply = next(iter(exc.recipients.values()))
        return Outcome(
            ok=False, status_code=code, error=f"the SMTP server refused the recipient: {code} {_text(reply)}",
            latency_ms=_ms(started), retry=code < 500,
        )  # fmt: skip
    except smtplib.SMTPResponseException as exc:
        return Outcome(
            ok=False, status_code=exc.smtp_code, error=f"SMTP {exc.smtp_code} {_text(exc.smtp_error)}",
            latency_ms=_ms(started),
        )  # fmt: skip
    except (smtplib.SMTPException, OSError) as exc:
        return Outcome(ok=False, error=f"{type(exc).__name__}: {exc}"[:500], latency_ms=_ms(started))
    return Outcome(ok=True, status_code=250, latency_ms=_ms(started))


def bounced(outcome: Outcome) -> bool:
    """A hard bounce: the server said the recipient does not exist or will never take mail."""
    return not outcome.ok and not outcome.retry and (outcome.status_code or 0) >= 500


def _text(reply: bytes | str) -> str:
    return (reply.decode(errors="replace") if isinstance(reply, bytes) else reply)[:300]


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
