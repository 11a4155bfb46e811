"""Mails as readers get them: plain text and HTML, from the read model, with one-click unsubscribe.

Only formatting lives here: articles come from cms.services.views (title, summary, canonical URL,
the lead image's credit line), the site's name from cms.services.site, links to this CMS from
cms.services.links. Every mail carries List-Unsubscribe with List-Unsubscribe-Post (RFC 8058), so
mail programs can offer an unsubscribe button that works without opening a page, and a
Message-ID made from its idempotency key, so a mail sent twice after a crash is recognisably the
same mail.
"""

from __future__ import annotations

import email.policy
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from html import escape
from urllib.parse import quote, urlsplit

from cms.services.links import public
from cms.services.site import site
from cms.services.views import ArticleView
from cms.settings import Settings


@dataclass(frozen=True)
class Recipient:
    email: str
    list_names: tuple[str, ...]  # what they signed up for, as shown in the footer
    unsubscribe_url: str


def sender(settings: Settings) -> str:
    if settings.mail_from:
        return settings.mail_from
    host = urlsplit(settings.public_url).hostname or "localhost"
    return formataddr((settings.site_name, f"noreply@{host}"))


def _domain(settings: Settings) -> str:
    return parseaddr(sender(settings))[1].rpartition("@")[2] or "localhost"


def confirm_url(settings: Settings, token: str) -> str:
    return public(settings, f"/mail/confirm?token={quote(token)}")


def unsubscribe_url(settings: Settings, token: str) -> str:
    return public(settings, f"/mail/unsubscribe?token={quote(token)}")


# Headers fold only past 998 characters (RFC 5322's hard limit): folding at 78 would turn a long
# List-Unsubscribe URL into an RFC 2047 encoded word, which mail programs do not read as a URL.
POLICY = email.policy.SMTP.clone(max_line_length=998)


def _message(settings: Settings, to: Recipient, subject: str, *, key: str, now: datetime) -> EmailMessage:
    message = EmailMessage(policy=POLICY)
    message["From"] = sender(settings)
    message["To"] = Address(addr_spec=to.email) if to.email.isascii() else to.email
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    message["Message-ID"] = f"<{digest}@{_domain(settings)}>"
    message["List-Id"] = f"{settings.site_name} <news.{_domain(settings)}>"
    message["List-Unsubscribe"] = f"<{to.unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message


def _footer_text(settings: Settings, to: Recipient) -> str:
    lists = ", ".join(to.list_names)
    return (
        f"\n-- \nYou get this because you subscribed to {lists} at {settings.site_name}.\n"
        f"Unsubscribe: {to.unsubscribe_url}\n"
    )


def _footer_html(settings: Settings, to: Recipient) -> str:
    lists = escape(", ".join(to.list_names))
    return (
        f'<hr><p style="color:#666;font-size:13px">You get this because you subscribed to {lists} at '
        f'{escape(settings.site_name)}. <a href="{escape(to.unsubscribe_url)}">Unsubscribe</a></p>'
    )


def _page(settings: Settings, body: str) -> str:
    lang = escape(settings.site_language)
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"></head>'
        '<body style="font-family:Georgia,serif;max-width:640px;margin:auto;line-height:1.5">'
        f"{body}</body></html>"
    )


def confirmation(settings: Settings, to: Recipient, *, link: str, key: str, now: datetime) -> EmailMessage:
    name = settings.site_name
    lists = ", ".join(to.list_names)
    message = _message(settings, to, f"Confirm your subscription to {name}", key=key, now=now)
    days = settings.mail_unconfirmed_days
    message.set_content(
        f"Someone, probably you, asked to receive {lists} from {name} at this address.\n\n"
        f"To confirm, open this link (it works for {days} days):\n{link}\n\n"
        "If it was not you, ignore this mail: nothing will be sent unless the link is opened.\n"
        + _footer_text(settings, to)
    )
    message.add_alternative(
        _page(
            settings,
            f"<p>Someone, probably you, asked to receive {escape(lists)} from {escape(name)} at this "
            f'address.</p><p><a href="{escape(link)}" style="font-size:18px">Confirm my subscription</a></p>'
            f"<p>The link works for {days} days. If it was not you, ignore this mail: nothing will be sent "
            "unless the link is opened.</p>" + _footer_html(settings, to),
        ),
        subtype="html",
    )
    return message


def _published(settings: Settings, view: ArticleView) -> str:
    if view.published_at is None:
        return ""
    local = view.published_at.astimezone(site(settings).time_zone)
    return f"Published {local.strftime('%B')} {local.day}, {local.year}"


def _article_text(settings: Settings, view: ArticleView) -> str:
    lines = [view.title, _published(settings, view), "", view.summary, "", f"Read it: {view.url}"]
    if view.lead_image is not None:
        lines += ["", f"Image: {view.lead_image.credit_line}"]
    return "\n".join(lines) + "\n"


def _article_html(view: ArticleView, image_url: str | None, *, heading: str = "h1") -> str:
    parts = [f'<{heading}><a href="{escape(view.url)}">{escape(view.title)}</a></{heading}>']
    if view.lead_image is not None and image_url:
        alt = escape(view.lead_image.alt or view.lead_image.title)
        parts.append(f'<p><img src="{escape(image_url)}" alt="{alt}" width="600" style="max-width:100%"></p>')
    if view.summary:
        parts.append(f"<p>{escape(view.summary)}</p>")
    if view.lead_image is not None:
        parts.append(f'<p style="color:#666;font-size:13px">Image: {escape(view.lead_image.credit_line)}</p>')
    parts.append(f'<p><a href="{escape(view.url)}">Read it on {escape(view.url.split("/")[2])}</a></p>')
    return "".join(parts)


def article(
    settings: Settings, to: Recipient, view: ArticleView, *, image_url: str | None, key: str, now: datetime
) -> EmailMessage:
    message = _message(settings, to, view.title, key=key, now=now)
    published = _published(settings, view)
    message.set_content(_article_text(settings, view) + _footer_text(settings, to))
    body = _article_html(view, image_url)
    if published:
        body = body.replace("</h1>", f'</h1><p style="color:#666">{escape(published)}</p>', 1)
    message.add_alternative(_page(settings, body + _footer_html(settings, to)), subtype="html")
    return message


def digest(
    settings: Settings,
    to: Recipient,
    views: Sequence[ArticleView],
    *,
    image_urls: dict[int, str | None],
    day: str,
    key: str,
    now: datetime,
) -> EmailMessage:
    name = settings.site_name
    count = len(views)
    subject = f"{name}: {views[0].title}" if count == 1 else f"{name}: {count} new articles"
    message = _message(settings, to, subject, key=key, now=now)
    text = f"{name}, {day}\n\n" + "\n\n".join(_article_text(settings, v) for v in views)
    message.set_content(text + _footer_text(settings, to))
    html = f"<h1>{escape(name)}</h1><p>{escape(day)}</p>" + "<hr>".join(
        _article_html(v, image_urls.get(v.id), heading="h2") for v in views
    )
    message.add_alternative(_page(settings, html + _footer_html(settings, to)), subtype="html")
    return message
