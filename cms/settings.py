"""Settings, read from ``CMS_*`` environment variables.

This is the only module that reads the environment; everything else receives a
``Settings`` instance, so tests can build apps with other settings side by side.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from cms.errors import ConfigError

#: Every setting, its environment variable and its meaning. The README's table and
#: a test are checked against this, so a new setting cannot go undocumented.
DOCUMENTATION: dict[str, str] = {
    "CMS_DATABASE_URL": "SQLAlchemy URL of the content store (SQLite or PostgreSQL).",
    "CMS_MEDIA_ROOT": "Folder for uploaded originals and generated renditions.",
    "CMS_SECRET_KEY": "Secret for signing cursors' companions, preview links and media URLs.",
    "CMS_BASE_URL": "Public URL of the publisher's site; canonical article URLs start with it.",
    "CMS_REDIS_URL": "Optional Redis URL shared by several app nodes; holds the rate limiter's counts.",
    "CMS_DEBUG": "Starlette debug mode: tracebacks on non-GraphQL error pages (development only).",
    "CMS_MAX_PAGE_SIZE": "Largest `first`/`last` a client may ask for; more is BAD_USER_INPUT.",
    "CMS_DEFAULT_PAGE_SIZE": "Page size when a client gives neither `first` nor `last`.",
    "CMS_MAX_QUERY_DEPTH": "Deepest selection a public query may nest.",
    "CMS_MAX_ALIASES": "Most aliases one public query may use.",
    "CMS_MAX_TOKENS": "Most lexical tokens one GraphQL document may contain.",
    "CMS_MAX_BODY_BYTES": "Largest JSON request body accepted by /graphql (413 above).",
    "CMS_MAX_UPLOAD_BYTES": "Largest image file accepted for upload.",
    "CMS_MAX_IMAGE_PIXELS": "Largest canvas (width x height) an uploaded image may declare; read from the "
    "header before decoding, so decompression bombs are refused cheaply.",
    "CMS_MAX_RENDITION_SIZE": "Longest side, in pixels, of any rendition a URL may ask for.",
    "CMS_TRUSTED_PROXIES": "Comma-separated IPs or CIDRs of the proxies whose X-Forwarded-For is believed.",
    "CMS_RATE_LIMIT_ANONYMOUS": "Requests per client IP without a token, e.g. `6000/minute`; `off` disables.",
    "CMS_RATE_LIMIT_TOKEN": "Requests per staff token (author, editor, admin); `off` disables.",
    "CMS_RATE_LIMIT_PARTNER": "Requests per partner, all its tokens together; `off` disables.",
    "CMS_MAX_COST_ANONYMOUS": "Largest query cost (see Query cost) a caller without a token may send.",
    "CMS_MAX_COST_PARTNER": "Largest query cost a partner's token may send.",
    "CMS_MAX_COST_STAFF": "Largest query cost an author's, editor's or admin's token may send.",
    "CMS_EXECUTION_TIMEOUT": "Seconds a query may run (checked between fields and inside SQL statements).",
    "CMS_EXECUTION_THREADS": "Threads that execute operations off the event loop (per worker process).",
    "CMS_BODY_TIMEOUT": "Seconds a JSON request body may take to arrive (408 after).",
    "CMS_UPLOAD_TIMEOUT": "Seconds a multipart upload body may take to arrive (408 after).",
    "CMS_HEADER_TIMEOUT": "`cms serve`: seconds a connection may take to send a request's headers.",
    "CMS_KEEP_ALIVE_TIMEOUT": "`cms serve`: seconds an idle keep-alive connection stays open.",
    "CMS_FAST_PATH": "Plain data fields take a short path through the engine; `off` runs stock graphql-core.",
}


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be positive, got {value}")
    return value


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not value > 0 or value == float("inf"):
        raise ConfigError(f"{name} must be a positive number of seconds, got {raw!r}")
    return value


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be on or off, got {raw!r}")


def _rate(env: Mapping[str, str], name: str, default: str) -> str:
    """A rate such as ``6000/minute`` or ``100 per 10 seconds``, or ``off``."""
    raw = (env.get(name) or "").strip() or default
    if raw.lower() == "off":
        return "off"
    from limits import parse  # only here: settings stay cheap to import

    try:
        parse(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a rate such as 6000/minute, or off; got {raw!r}") from None
    return raw


def _networks(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    import ipaddress

    found = []
    for part in (env.get(name) or "").split(","):
        if part.strip():
            try:
                found.append(str(ipaddress.ip_network(part.strip(), strict=False)))
            except ValueError:
                raise ConfigError(f"{name} lists {part.strip()!r}, which is not an IP or CIDR") from None
    return tuple(found)


def _normalise_database_url(url: str) -> str:
    # Users paste the URLs their hosting gives them; point PostgreSQL at psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///./cms.db"
    media_root: Path = Path("./media")
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    base_url: str = "http://127.0.0.1:8000"
    redis_url: str | None = None
    debug: bool = False
    max_page_size: int = 100
    default_page_size: int = 20
    max_query_depth: int = 10
    max_aliases: int = 15
    max_tokens: int = 1000
    max_body_bytes: int = 64 * 1024
    max_upload_bytes: int = 25 * 1024 * 1024
    max_image_pixels: int = 50_000_000
    max_rendition_size: int = 4000
    trusted_proxies: tuple[str, ...] = ()
    rate_limit_anonymous: str = "6000/minute"
    rate_limit_token: str = "12000/minute"
    rate_limit_partner: str = "12000/minute"
    max_cost_anonymous: int = 10_000
    max_cost_partner: int = 100_000
    max_cost_staff: int = 200_000
    execution_timeout: float = 10.0
    execution_threads: int = 4
    body_timeout: float = 10.0
    upload_timeout: float = 120.0
    header_timeout: float = 10.0
    keep_alive_timeout: int = 5
    fast_path: bool = True

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        defaults = cls()
        secret = env.get("CMS_SECRET_KEY") or defaults.secret_key
        settings = cls(
            database_url=_normalise_database_url(env.get("CMS_DATABASE_URL") or defaults.database_url),
            media_root=Path(env.get("CMS_MEDIA_ROOT") or defaults.media_root),
            secret_key=secret,
            base_url=(env.get("CMS_BASE_URL") or defaults.base_url).rstrip("/"),
            redis_url=env.get("CMS_REDIS_URL") or None,
            debug=(env.get("CMS_DEBUG") or "").lower() in {"1", "true", "yes", "on"},
            max_page_size=_int(env, "CMS_MAX_PAGE_SIZE", defaults.max_page_size),
            default_page_size=_int(env, "CMS_DEFAULT_PAGE_SIZE", defaults.default_page_size),
            max_query_depth=_int(env, "CMS_MAX_QUERY_DEPTH", defaults.max_query_depth),
            max_aliases=_int(env, "CMS_MAX_ALIASES", defaults.max_aliases),
            max_tokens=_int(env, "CMS_MAX_TOKENS", defaults.max_tokens),
            max_body_bytes=_int(env, "CMS_MAX_BODY_BYTES", defaults.max_body_bytes),
            max_upload_bytes=_int(env, "CMS_MAX_UPLOAD_BYTES", defaults.max_upload_bytes),
            max_image_pixels=_int(env, "CMS_MAX_IMAGE_PIXELS", defaults.max_image_pixels),
            max_rendition_size=_int(env, "CMS_MAX_RENDITION_SIZE", defaults.max_rendition_size),
            trusted_proxies=_networks(env, "CMS_TRUSTED_PROXIES"),
            rate_limit_anonymous=_rate(env, "CMS_RATE_LIMIT_ANONYMOUS", defaults.rate_limit_anonymous),
            rate_limit_token=_rate(env, "CMS_RATE_LIMIT_TOKEN", defaults.rate_limit_token),
            rate_limit_partner=_rate(env, "CMS_RATE_LIMIT_PARTNER", defaults.rate_limit_partner),
            max_cost_anonymous=_int(env, "CMS_MAX_COST_ANONYMOUS", defaults.max_cost_anonymous),
            max_cost_partner=_int(env, "CMS_MAX_COST_PARTNER", defaults.max_cost_partner),
            max_cost_staff=_int(env, "CMS_MAX_COST_STAFF", defaults.max_cost_staff),
            execution_timeout=_seconds(env, "CMS_EXECUTION_TIMEOUT", defaults.execution_timeout),
            execution_threads=_int(env, "CMS_EXECUTION_THREADS", defaults.execution_threads),
            body_timeout=_seconds(env, "CMS_BODY_TIMEOUT", defaults.body_timeout),
            upload_timeout=_seconds(env, "CMS_UPLOAD_TIMEOUT", defaults.upload_timeout),
            header_timeout=_seconds(env, "CMS_HEADER_TIMEOUT", defaults.header_timeout),
            keep_alive_timeout=_int(env, "CMS_KEEP_ALIVE_TIMEOUT", defaults.keep_alive_timeout),
            fast_path=_flag(env, "CMS_FAST_PATH", defaults.fast_path),
        )
        if settings.default_page_size > settings.max_page_size:
            raise ConfigError("CMS_DEFAULT_PAGE_SIZE cannot exceed CMS_MAX_PAGE_SIZE")
        return settings


def setting_names() -> list[str]:
    return ["CMS_" + f.name.upper() for f in fields(Settings)]
