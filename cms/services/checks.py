"""Checks on values people type, shared by every write path (API, import, command line)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from cms.errors import Invalid

_CONTROL = re.compile(r"[\x00-\x20\x7f]")
WEB_SCHEMES = ("http", "https")


def web_url(value: str | None, *, field: str, allow_mailto: bool = False, max_length: int = 500) -> str:
    """A link a frontend can put in ``<a href>`` safely: http(s) with a host, or mailto: where
    it makes sense. ``javascript:``, ``data:``, ``vbscript:``, ``file:`` and anything else are
    refused, because every frontend that renders the credit would become an XSS sink."""
    url = (value or "").strip()
    if not url:
        return ""
    if len(url) > max_length:
        raise Invalid(f"the URL is longer than {max_length} characters", field=field)
    if _CONTROL.search(url):
        raise Invalid("the URL contains spaces or control characters", field=field)
    try:
        parts = urlsplit(url)
    except ValueError:
        raise Invalid("this is not a valid URL", field=field) from None
    scheme = parts.scheme.lower()
    if allow_mailto and scheme == "mailto":
        if "@" not in parts.path:
            raise Invalid("a mailto: link needs an address", field=field)
        return url
    if scheme not in WEB_SCHEMES:
        allowed = "http:// or https://" + (" (or mailto:)" if allow_mailto else "")
        raise Invalid(f"the URL must start with {allowed}", field=field)
    if not parts.hostname:
        raise Invalid("the URL needs a host name", field=field)
    return url


def is_safe_url(value: str | None, *, allow_mailto: bool = False) -> bool:
    try:
        web_url(value, field="url", allow_mailto=allow_mailto)
    except Invalid:
        return False
    return True
