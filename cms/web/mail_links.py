"""The links in mails, answered for a mail program and a browser (no frontend needed).

- ``GET /mail/confirm?token=`` confirms a sign-up and says so.
- ``GET /mail/unsubscribe?token=`` shows one button; pressing it POSTs to the same URL. A GET alone
  never unsubscribes: mail scanners and link previews fetch every URL in a mail, and RFC 8058
  exists because they used to unsubscribe people that way.
- ``POST /mail/unsubscribe?token=`` unsubscribes: the page's button, or a mail program's one-click
  (``List-Unsubscribe=One-Click`` in the body, RFC 8058). No redirect, no cookie, no login.

Pages send no referrer (the token is in the URL) and are never cached.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from cms.errors import UserError
from cms.graphql.context import AppState
from cms.models import utcnow
from cms.services import mail_tokens, subscribers

_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)


def _page(state: AppState, title: str, body: str, status: int = 200) -> Response:
    name = escape(state.settings.site_name)
    html = (
        f'<!doctype html><html lang="{escape(state.settings.site_language)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · {name}</title></head>"
        '<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem">'
        f"<p>{name}</p><h1>{escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(
        html,
        status_code=status,
        headers={
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "Content-Security-Policy": _CSP,
            "X-Content-Type-Options": "nosniff",
            "X-Robots-Tag": "noindex",
        },
    )


def _names(state: AppState, list_ids: list[int]) -> str:
    with state.db.connect() as conn:
        names = [ref.name for ref in subscribers.all_lists(conn) if ref.id in list_ids]
    return ", ".join(names)


class MailLinks:
    def __init__(self, state: AppState) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        return [
            Route("/mail/confirm", self.confirm, methods=["GET"]),
            Route("/mail/unsubscribe", self.unsubscribe, methods=["GET", "POST"]),
        ]

    def _write(self, work: str, token: str) -> list[int]:
        state = self.state
        with state.db.write() as session:
            action = subscribers.confirm if work == "confirm" else subscribers.unsubscribe
            done = action(session, token, settings=state.settings, now=utcnow())
        if state.worker is not None:
            state.worker.nudge()
        return done

    async def confirm(self, request: Request) -> Response:
        token = request.query_params.get("token", "")
        try:
            confirmed = await run_in_threadpool(self._write, "confirm", token)
        except UserError as exc:
            return self._refused(exc)
        names = await run_in_threadpool(_names, self.state, confirmed)
        what = f" to {escape(names)}" if names else ""
        return _page(self.state, "Subscription confirmed", f"<p>Thank you: you are subscribed{what}.</p>")

    async def unsubscribe(self, request: Request) -> Response:
        token = request.query_params.get("token", "")
        if request.method == "GET":
            try:
                mail_tokens.parse(token, "u")
            except UserError as exc:
                return self._refused(exc)
            action = escape(f"/mail/unsubscribe?token={quote(token)}")
            return _page(
                self.state,
                "Unsubscribe",
                f'<form method="post" action="{action}"><p>Stop these mails?</p>'
                '<button type="submit" name="List-Unsubscribe" value="One-Click">Unsubscribe</button></form>',
            )
        # The body says only "List-Unsubscribe=One-Click" (or the button's same pair): the token in
        # the URL is what counts, so the body is not read.
        try:
            await run_in_threadpool(self._write, "unsubscribe", token)
        except UserError as exc:
            return self._refused(exc)
        return _page(self.state, "Unsubscribed", "<p>You will get no more of these mails.</p>")

    def _refused(self, exc: UserError) -> Response:
        return _page(self.state, "This link does not work", f"<p>{escape(exc.message)}.</p>", status=400)
