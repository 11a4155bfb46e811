"""Settings, read from ``CMS_*`` environment variables.

This is the only module that reads the environment; everything else receives a
``Settings`` instance, so tests can build apps with other settings side by side.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cms.errors import ConfigError
from cms.media.ladder import DEFAULT_WIDTHS, parse_widths
from cms.media.s3 import parse_location

#: Every setting, its environment variable and its meaning. The README's table and
#: a test are checked against this, so a new setting cannot go undocumented.
DOCUMENTATION: dict[str, str] = {
    "CMS_DATABASE_URL": "SQLAlchemy URL of the content store (SQLite or PostgreSQL).",
    "CMS_DATABASE_REPLICA_URL": "Optional URL of a PostgreSQL read replica: public reads go there while it "
    "has applied the newest change; writes, staff reads, `changes` and reads after a write use the primary.",
    "CMS_MEDIA_ROOT": "Folder for uploaded originals and generated renditions.",
    "CMS_SECRET_KEY": "Secret for signing preview links, media URLs, sync tokens and mail links. Unset: "
    "read from CMS_SECRET_KEY_FILE, which `cms serve` creates on first run for a single machine.",
    "CMS_SECRET_KEY_FILE": "Where a machine-local secret key is kept when CMS_SECRET_KEY is unset "
    "(git-ignored).",
    "CMS_PUBLIC_URL": "Where this CMS answers (media, feeds, API, links in mails and webhooks); `cms serve` "
    "derives it from --host/--port when unset.",
    "CMS_BASE_URL": "The publisher's site; canonical article URLs start with it. Unset: articles link to the "
    "example frontend served by this CMS.",
    "CMS_ARTICLE_URL": "Template of canonical article URLs: {base}, {public}, {section} (slug, or "
    "'articles') "
    "and {slug}.",
    "CMS_SITE_NAME": "The publication's name, as feeds, JSON-LD, the News sitemap, mails and the example "
    "frontend show it.",
    "CMS_SITE_DESCRIPTION": "One line about the publication (feed subtitles, mail footers).",
    "CMS_SITE_LANGUAGE": "BCP 47 language tag of the content (feeds, sitemaps, JSON-LD), e.g. `en-GB`.",
    "CMS_SITE_TIME_ZONE": "IANA time zone in which dates are written for readers (mails, the example "
    "frontend), e.g. `America/New_York`; stored times are UTC.",
    "CMS_SITE_LOGO_URL": "http(s) URL of the publication's logo (JSON-LD publisher, feed icon).",
    "CMS_SITE_PUBLISHER": "Name of the organisation that publishes the site (JSON-LD publisher); defaults "
    "to CMS_SITE_NAME.",
    "CMS_FEED_FULL_CONTENT": "`on`: feed items carry the whole article body (Atom content, RSS "
    "content:encoded, JSON Feed content_html); `off` (default): the summary only.",
    "CMS_FEED_TAG_AUTHORITY": "The `authority,date` of feed entry ids (`tag:news.example,2026:article:42`); "
    "set it once and keep it. Unset: the host of CMS_BASE_URL (else CMS_PUBLIC_URL) with 2026.",
    "CMS_FEED_MAX_AGE": "Seconds feeds, sitemaps, robots.txt and JSON-LD documents may be cached "
    "(Cache-Control max-age); never past the next scheduled go-live.",
    "CMS_SITEMAP_PAGE_SIZE": "Article URLs per sitemap page, at most 50,000 (the protocol's limit).",
    "CMS_REDIS_URL": "Optional Redis URL shared by several app nodes (render locks, rate limits, cache "
    "invalidation).",
    "CMS_WORKERS": "Worker processes `cms serve` starts (its --workers); more than one needs CMS_SECRET_KEY.",
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
    "CMS_WORKER": "`on` (default): `cms serve` also delivers webhooks and mail and runs the clock; `off` "
    "when "
    "`cms worker` runs apart.",
    "CMS_WORKER_INTERVAL": "Seconds the worker waits between looks at the outbox when it is idle.",
    "CMS_WEBHOOK_ALLOW_PRIVATE": "Allow webhook URLs on private, loopback and link-local addresses (tests, "
    "intranets); refused otherwise, so a webhook cannot probe the network.",
    "CMS_WEBHOOK_RETRY_SCHEDULE": "Waits between delivery attempts, comma-separated (s, m, h); after the "
    "last, "
    "a delivery is failed.",
    "CMS_WEBHOOK_TIMEOUT": "Seconds one delivery attempt may take.",
    "CMS_WEBHOOK_DISABLE_AFTER": "Failed deliveries in a row after which a webhook is switched off.",
    "CMS_WEBHOOK_SECRET_OVERLAP": "How long (s, m, h) the previous secret also signs after a rotation.",
    "CMS_RESPONSE_CACHE": "`on` (default): public and partner query answers are kept in memory until what "
    "they show changes; `off` computes every answer.",
    "CMS_RESPONSE_CACHE_BYTES": "Most memory the response cache of one process may hold, in bytes.",
    "CMS_CACHE_MAX_AGE": "Seconds browsers may keep a public GET answer (Cache-Control max-age).",
    "CMS_CACHE_S_MAXAGE": "Seconds shared caches (a CDN) may keep a public GET answer (s-maxage); purged on "
    "change when CMS_PURGE_URL is set.",
    "CMS_CACHE_STALE_WHILE_REVALIDATE": "Seconds a cache may serve a stale answer while it fetches a fresh "
    "one.",
    "CMS_CACHE_POLL": "How often (s, ms) a process looks at the change log for other processes' writes when "
    "CMS_REDIS_URL does not push them.",
    "CMS_COMPRESS_MIN_BYTES": "Answers at least this big are compressed (br, gzip) for clients that accept "
    "it.",
    "CMS_PURGE_URL": "A CDN or Varnish endpoint called with the surrogate keys of every change (through the "
    "outbox, so no purge is lost).",
    "CMS_PURGE_METHOD": "HTTP method of purge requests (POST for Fastly, PURGE or BAN for Varnish).",
    "CMS_PURGE_KEY_HEADER": "Header that carries the space-separated keys (Surrogate-Key; xkey-purge for "
    "Varnish xkey).",
    "CMS_PURGE_AUTH": "One header sent with purges, as `Name: value` (e.g. `Fastly-Key: ...`); never logged.",
    "CMS_PERSISTED_QUERIES": "`on` (default): Apollo automatic persisted queries (register by hash, then "
    "send the hash alone).",
    "CMS_PERSISTED_QUERIES_MAX": "Most automatic persisted queries one process remembers (Redis holds them "
    "for all when configured).",
    "CMS_TRUSTED_DOCUMENTS": "`on`: callers without a token may run only documents an admin registered "
    "(partners also those registered for them); off by default.",
    "CMS_MAX_RENDITION_SIZE": "Longest side, in pixels, of any rendition a URL may ask for.",
    "CMS_CORS_ORIGINS": "Comma-separated origins whose pages may call the API from a browser "
    "(`https://site.example`, `http://localhost:*` for any port, or `*` for all, then without credentials); "
    "`none` turns CORS off. Unset: the origin of CMS_BASE_URL, http://localhost:* and http://127.0.0.1:*.",
    "CMS_MEDIA_STORAGE": "Where originals and renditions live: `file` (the folder CMS_MEDIA_ROOT) or an "
    "`s3://bucket/prefix` URL. S3 credentials come from boto3's standard chain (AWS_ACCESS_KEY_ID ...).",
    "CMS_S3_ENDPOINT_URL": "Endpoint of an S3-compatible store other than AWS (MinIO, Ceph, R2 ...).",
    "CMS_S3_REGION": "Region of the S3 bucket; unset, boto3's configuration (AWS_DEFAULT_REGION) decides.",
    "CMS_RENDITION_WIDTHS": "Comma-separated widths renditions are made in; asked widths snap up to the next "
    "one. Default: 16 to 4000 in steps of about 1.25x.",
    "CMS_TRUSTED_PROXIES": "Comma-separated IPs or CIDRs of the proxies whose X-Forwarded-For is believed.",
    "CMS_RATE_LIMIT_ANONYMOUS": "Requests per client IP without a token, e.g. `6000/minute`; `off` disables.",
    "CMS_RATE_LIMIT_TOKEN": "Requests per staff token (author, editor, admin); `off` disables.",
    "CMS_RATE_LIMIT_RENDERS": "Render units a client (address) may spend per window making renditions not "
    "stored yet (about one 1,200-px JPEG each); stored ones are free; `off` disables.",
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
    "CMS_SMTP_HOST": "SMTP server that mailing-list mail goes through; unset, mail waits in the outbox.",
    "CMS_SMTP_PORT": "Its port; default 587 with starttls, 465 with tls, 25 with none.",
    "CMS_SMTP_USER": "User name to log in to the SMTP server with; unset, no login.",
    "CMS_SMTP_PASSWORD": "Password for CMS_SMTP_USER.",
    "CMS_SMTP_SECURITY": "`starttls` (default), `tls` (implicit TLS, port 465) or `none` (a local relay).",
    "CMS_SMTP_TIMEOUT": "Seconds one SMTP conversation may take.",
    "CMS_MAIL_FROM": "The From of every mail, e.g. `News <news@example.org>`; default: the site name at "
    "noreply@ the host of CMS_PUBLIC_URL.",
    "CMS_MAIL_DIGEST_TIME": "Time of day (HH:MM, in CMS_SITE_TIME_ZONE) when daily digests go out.",
    "CMS_MAIL_UNCONFIRMED_DAYS": "Days a confirmation link stays valid; sign-ups not confirmed by then are "
    "deleted.",
    "CMS_RATE_LIMIT_SUBSCRIBE": "`subscribe` calls per client IP, e.g. `10/hour`; `off` disables.",
    "CMS_RATE_LIMIT_SUBSCRIBE_ADDRESS": "`subscribe` calls per target address (whoever asks), e.g. `3/hour`; "
    "`off` disables.",
    "CMS_LOG_FORMAT": "`json` (one object per line, with `request_id`), `console` (text), or `auto` "
    "(default): json unless stderr is a terminal.",
    "CMS_LOG_LEVEL": "Least severe log records written: `debug`, `info` (default), `warning` or `error`.",
    "CMS_ACCESS_LOG": "`on`: one log line per request (method, path, status, duration, route, GraphQL "
    "operation, SQL statements, request id); `off` (default) leaves that to the reverse proxy.",
}


def _int(env: Mapping[str, str], name: str, default: int, *, zero: bool = False) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"`{name}` must be a whole number, got {raw!r}") from None
    if value < 0 or (value == 0 and not zero):
        raise ConfigError(f"`{name}` must be {'zero or more' if zero else 'positive'}, got {value}")
    return value


def _header_line(env: Mapping[str, str], name: str) -> str | None:
    raw = (env.get(name) or "").strip()
    if not raw:
        return None
    header, sep, value = raw.partition(":")
    if not sep or not re.fullmatch(r"[A-Za-z0-9-]+", header.strip()) or not value.strip():
        raise ConfigError(f"`{name}` must be one header as `Name: value`")
    return f"{header.strip()}: {value.strip()}"


_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$")


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw not in _TRUE | _FALSE:
        raise ConfigError(f"{name} must be on or off, got {raw!r}")
    return raw in _TRUE


def _seconds(name: str, raw: str) -> float:
    match = _DURATION.match(raw.strip().lower())
    if match is None or float(match.group(1)) <= 0:
        raise ConfigError(f"{name}: {raw!r} is not a duration such as 500ms, 5s, 5m, 2h")
    return float(match.group(1)) * _UNITS[match.group(2) or "s"]


def _duration(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    return default if raw is None or not raw.strip() else _seconds(name, raw)


def _durations(env: Mapping[str, str], name: str, default: tuple[float, ...]) -> tuple[float, ...]:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    return tuple(_seconds(name, part) for part in raw.split(",") if part.strip())


def _url(env: Mapping[str, str], name: str, default: str | None) -> Any:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{name} must be an http:// or https:// URL, got {raw!r}")
    return raw.rstrip("/")


def _text(env: Mapping[str, str], name: str, default: str, *, empty: bool = False) -> str:
    """One line of text: control characters refused, since feeds and mail headers carry it."""
    raw = env.get(name)
    if raw is None or (not raw.strip() and not empty):
        return default
    value = " ".join(raw.split())
    if any(ord(char) < 32 or 0x7F <= ord(char) < 0xA0 for char in value) or len(value) > 200:
        raise ConfigError(f"`{name}` must be one line of at most 200 characters, got {raw[:60]!r}")
    return value


_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*")


def _language(raw: str) -> str:
    if not _LANGUAGE.fullmatch(raw.strip()):
        raise ConfigError(f"`CMS_SITE_LANGUAGE` must be a language tag such as 'en' or 'en-GB', got {raw!r}")
    return raw.strip()


def _time_zone(raw: str) -> str:
    try:
        ZoneInfo(raw.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"`CMS_SITE_TIME_ZONE` must be an IANA time zone such as 'Europe/London', got {raw!r}"
        ) from None
    return raw.strip()


# RFC 4151: a DNS name or e-mail address, a comma, and a date (YYYY, YYYY-MM or YYYY-MM-DD).
_TAG_AUTHORITY = re.compile(r"[a-z0-9.@-]+,\d{4}(-\d{2}(-\d{2})?)?")


def _tag_authority(raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    value = raw.strip().lower()
    if not _TAG_AUTHORITY.fullmatch(value):
        raise ConfigError(
            f"`CMS_FEED_TAG_AUTHORITY` must be a domain, a comma and a date, such as 'news.example,2026', "
            f"got {raw!r}"
        )
    return value


_ORIGIN = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.-]*)://(?P<host>\[[0-9a-f:.]+\]|[^/:\[\]@?#\s*]+)(?::(?P<port>\d{1,5}|\*))?/?"
)
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def normalise_origin(value: str) -> str | None:
    """``value`` as a browser serialises an origin (``scheme://host[:port]``, lower case,
    no default port), keeping a ``:*`` port wildcard; None if it is not one."""
    match = _ORIGIN.fullmatch(value.strip().lower())
    if match is None:
        return None
    scheme, host, port = match["scheme"], match["host"], match["port"]
    if port not in (None, "*") and not 0 < int(port) < 65536:
        return None
    if port is None or port == _DEFAULT_PORTS.get(scheme):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def _origins(raw: str | None) -> tuple[str, ...] | None:
    """CMS_CORS_ORIGINS: None (unset: the default), () for ``none``, else the origins."""
    if raw is None or not raw.strip():
        return None
    if raw.strip().lower() == "none":
        return ()
    origins: list[str] = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        origin = "*" if item == "*" else normalise_origin(item)
        if origin is None:
            raise ConfigError(
                f"`CMS_CORS_ORIGINS`: {item!r} is not an origin; give scheme://host[:port] (no path), "
                "scheme://host:* for any port, or *"
            )
        origins.append(origin)
    return tuple(origins)


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


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw not in choices:
        raise ConfigError(f"`{name}` must be one of {', '.join(choices)}; got {raw!r}")
    return raw


_TIME_OF_DAY = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?")


def _time_of_day(raw: str) -> str:
    if not _TIME_OF_DAY.fullmatch(raw.strip()):
        raise ConfigError(f"`CMS_MAIL_DIGEST_TIME` must be a time of day such as '07:00', got {raw!r}")
    return raw.strip()


def _mail_from(raw: str | None) -> str | None:
    """A From header value: one address, with or without a display name; no header injection."""
    if raw is None or not raw.strip():
        return None
    from email.utils import parseaddr

    value = raw.strip()
    _, address = parseaddr(value)
    if any(ord(c) < 32 for c in value) or "@" not in address:
        raise ConfigError(
            f"`CMS_MAIL_FROM` must be an address such as 'News <news@example.org>', got {raw!r}"
        )
    return value


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


def _media_storage(value: str) -> str:
    if value == "file":
        return value
    try:
        parse_location(value)
    except ValueError as exc:
        raise ConfigError(f"`CMS_MEDIA_STORAGE` must be `file` or s3://bucket/prefix: {exc}") from None
    return value


def _widths(value: str | None) -> tuple[int, ...]:
    if not value:
        return ()
    try:
        return parse_widths(value)
    except ValueError as exc:
        raise ConfigError(f"`CMS_RENDITION_WIDTHS`: {exc}") from None


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///./cms.db"
    database_replica_url: str | None = None
    media_root: Path = Path("./media")
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    # Where the key came from: "env" (CMS_SECRET_KEY), "file" (CMS_SECRET_KEY_FILE) or "random"
    # (this process only). Only "env" is safe for several workers or nodes.
    secret_key_source: str = field(default="random", metadata={"derived": True})
    secret_key_file: Path = Path("./.cms-secret-key")
    public_url: str = "http://127.0.0.1:8000"
    base_url: str | None = None
    article_url: str | None = None
    site_name: str = "Publications"
    site_description: str = ""
    site_language: str = "en"
    site_time_zone: str = "UTC"
    site_logo_url: str | None = None
    site_publisher: str | None = None
    feed_full_content: bool = False
    feed_tag_authority: str | None = None
    feed_max_age: int = 60
    sitemap_page_size: int = 50_000
    redis_url: str | None = None
    debug: bool = False
    workers: int = 1
    max_page_size: int = 100
    default_page_size: int = 20
    max_query_depth: int = 10
    max_aliases: int = 15
    max_tokens: int = 1000
    max_body_bytes: int = 64 * 1024
    max_upload_bytes: int = 25 * 1024 * 1024
    max_image_pixels: int = 50_000_000
    max_rendition_size: int = 4000
    #: None: the default (see cms.web.cors.allowed_origins); (): CORS off.
    cors_origins: tuple[str, ...] | None = None
    worker: bool = True
    worker_interval: float = 1.0
    response_cache: bool = True
    response_cache_bytes: int = 64 * 1024 * 1024
    cache_max_age: int = 60
    cache_s_maxage: int = 300
    cache_stale_while_revalidate: int = 60
    cache_poll: float = 1.0
    compress_min_bytes: int = 1024
    purge_url: str | None = None
    purge_method: str = "POST"
    purge_key_header: str = "Surrogate-Key"
    purge_auth: str | None = field(default=None, repr=False)
    persisted_queries: bool = True
    persisted_queries_max: int = 10_000
    trusted_documents: bool = False
    webhook_allow_private: bool = False
    webhook_retry_schedule: tuple[float, ...] = (5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0)
    webhook_timeout: float = 10.0
    webhook_disable_after: int = 20
    webhook_secret_overlap: float = 86400.0
    media_storage: str = "file"
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    rendition_widths: tuple[int, ...] = DEFAULT_WIDTHS
    trusted_proxies: tuple[str, ...] = ()
    rate_limit_anonymous: str = "6000/minute"
    rate_limit_token: str = "12000/minute"
    rate_limit_partner: str = "12000/minute"
    rate_limit_renders: str = "120/minute"
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
    smtp_host: str | None = None
    smtp_port: int | None = None  # None: the usual port for smtp_security
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_security: str = "starttls"
    smtp_timeout: float = 30.0
    mail_from: str | None = None
    mail_digest_time: str = "07:00"
    mail_unconfirmed_days: int = 7
    rate_limit_subscribe: str = "10/hour"
    rate_limit_subscribe_address: str = "3/hour"
    log_format: str = "auto"
    log_level: str = "info"
    access_log: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        defaults = cls()
        key_file = Path(env.get("CMS_SECRET_KEY_FILE") or defaults.secret_key_file)
        secret, source = env.get("CMS_SECRET_KEY") or "", "env"
        if not secret and key_file.is_file():
            secret, source = key_file.read_text(encoding="utf-8").strip(), "file"
        if not secret:
            secret, source = defaults.secret_key, "random"
        settings = cls(
            database_url=_normalise_database_url(env.get("CMS_DATABASE_URL") or defaults.database_url),
            database_replica_url=(
                _normalise_database_url(replica) if (replica := env.get("CMS_DATABASE_REPLICA_URL")) else None
            ),
            media_root=Path(env.get("CMS_MEDIA_ROOT") or defaults.media_root),
            secret_key=secret,
            secret_key_source=source,
            secret_key_file=key_file,
            public_url=_url(env, "CMS_PUBLIC_URL", defaults.public_url),
            base_url=_url(env, "CMS_BASE_URL", None),
            site_name=_text(env, "CMS_SITE_NAME", defaults.site_name),
            site_description=_text(env, "CMS_SITE_DESCRIPTION", defaults.site_description, empty=True),
            site_language=_language(env.get("CMS_SITE_LANGUAGE") or defaults.site_language),
            site_time_zone=_time_zone(env.get("CMS_SITE_TIME_ZONE") or defaults.site_time_zone),
            site_logo_url=_url(env, "CMS_SITE_LOGO_URL", None),
            site_publisher=_text(env, "CMS_SITE_PUBLISHER", "", empty=True) or None,
            feed_full_content=_bool(env, "CMS_FEED_FULL_CONTENT", defaults.feed_full_content),
            feed_tag_authority=_tag_authority(env.get("CMS_FEED_TAG_AUTHORITY")),
            feed_max_age=_int(env, "CMS_FEED_MAX_AGE", defaults.feed_max_age),
            sitemap_page_size=_int(env, "CMS_SITEMAP_PAGE_SIZE", defaults.sitemap_page_size),
            article_url=env.get("CMS_ARTICLE_URL") or None,
            redis_url=env.get("CMS_REDIS_URL") or None,
            debug=(env.get("CMS_DEBUG") or "").lower() in {"1", "true", "yes", "on"},
            workers=_int(env, "CMS_WORKERS", defaults.workers),
            max_page_size=_int(env, "CMS_MAX_PAGE_SIZE", defaults.max_page_size),
            default_page_size=_int(env, "CMS_DEFAULT_PAGE_SIZE", defaults.default_page_size),
            max_query_depth=_int(env, "CMS_MAX_QUERY_DEPTH", defaults.max_query_depth),
            max_aliases=_int(env, "CMS_MAX_ALIASES", defaults.max_aliases),
            max_tokens=_int(env, "CMS_MAX_TOKENS", defaults.max_tokens),
            max_body_bytes=_int(env, "CMS_MAX_BODY_BYTES", defaults.max_body_bytes),
            max_upload_bytes=_int(env, "CMS_MAX_UPLOAD_BYTES", defaults.max_upload_bytes),
            max_image_pixels=_int(env, "CMS_MAX_IMAGE_PIXELS", defaults.max_image_pixels),
            max_rendition_size=_int(env, "CMS_MAX_RENDITION_SIZE", defaults.max_rendition_size),
            cors_origins=_origins(env.get("CMS_CORS_ORIGINS")),
            worker=_bool(env, "CMS_WORKER", defaults.worker),
            response_cache=_bool(env, "CMS_RESPONSE_CACHE", defaults.response_cache),
            response_cache_bytes=_int(env, "CMS_RESPONSE_CACHE_BYTES", defaults.response_cache_bytes),
            cache_max_age=_int(env, "CMS_CACHE_MAX_AGE", defaults.cache_max_age, zero=True),
            cache_s_maxage=_int(env, "CMS_CACHE_S_MAXAGE", defaults.cache_s_maxage, zero=True),
            cache_stale_while_revalidate=_int(
                env, "CMS_CACHE_STALE_WHILE_REVALIDATE", defaults.cache_stale_while_revalidate, zero=True
            ),
            cache_poll=_duration(env, "CMS_CACHE_POLL", defaults.cache_poll),
            compress_min_bytes=_int(env, "CMS_COMPRESS_MIN_BYTES", defaults.compress_min_bytes),
            purge_url=_url(env, "CMS_PURGE_URL", None),
            purge_method=(env.get("CMS_PURGE_METHOD") or defaults.purge_method).strip().upper(),
            purge_key_header=(env.get("CMS_PURGE_KEY_HEADER") or defaults.purge_key_header).strip(),
            purge_auth=_header_line(env, "CMS_PURGE_AUTH"),
            persisted_queries=_bool(env, "CMS_PERSISTED_QUERIES", defaults.persisted_queries),
            persisted_queries_max=_int(env, "CMS_PERSISTED_QUERIES_MAX", defaults.persisted_queries_max),
            trusted_documents=_bool(env, "CMS_TRUSTED_DOCUMENTS", defaults.trusted_documents),
            worker_interval=_duration(env, "CMS_WORKER_INTERVAL", defaults.worker_interval),
            webhook_allow_private=_bool(env, "CMS_WEBHOOK_ALLOW_PRIVATE", defaults.webhook_allow_private),
            webhook_retry_schedule=_durations(
                env, "CMS_WEBHOOK_RETRY_SCHEDULE", defaults.webhook_retry_schedule
            ),
            webhook_timeout=_duration(env, "CMS_WEBHOOK_TIMEOUT", defaults.webhook_timeout),
            webhook_disable_after=_int(env, "CMS_WEBHOOK_DISABLE_AFTER", defaults.webhook_disable_after),
            webhook_secret_overlap=_duration(
                env, "CMS_WEBHOOK_SECRET_OVERLAP", defaults.webhook_secret_overlap
            ),
            media_storage=_media_storage(env.get("CMS_MEDIA_STORAGE") or defaults.media_storage),
            s3_endpoint_url=env.get("CMS_S3_ENDPOINT_URL") or None,
            s3_region=env.get("CMS_S3_REGION") or None,
            rendition_widths=_widths(env.get("CMS_RENDITION_WIDTHS")) or defaults.rendition_widths,
            trusted_proxies=_networks(env, "CMS_TRUSTED_PROXIES"),
            rate_limit_anonymous=_rate(env, "CMS_RATE_LIMIT_ANONYMOUS", defaults.rate_limit_anonymous),
            rate_limit_token=_rate(env, "CMS_RATE_LIMIT_TOKEN", defaults.rate_limit_token),
            rate_limit_partner=_rate(env, "CMS_RATE_LIMIT_PARTNER", defaults.rate_limit_partner),
            rate_limit_renders=_rate(env, "CMS_RATE_LIMIT_RENDERS", defaults.rate_limit_renders),
            max_cost_anonymous=_int(env, "CMS_MAX_COST_ANONYMOUS", defaults.max_cost_anonymous),
            max_cost_partner=_int(env, "CMS_MAX_COST_PARTNER", defaults.max_cost_partner),
            max_cost_staff=_int(env, "CMS_MAX_COST_STAFF", defaults.max_cost_staff),
            execution_timeout=_duration(env, "CMS_EXECUTION_TIMEOUT", defaults.execution_timeout),
            execution_threads=_int(env, "CMS_EXECUTION_THREADS", defaults.execution_threads),
            body_timeout=_duration(env, "CMS_BODY_TIMEOUT", defaults.body_timeout),
            upload_timeout=_duration(env, "CMS_UPLOAD_TIMEOUT", defaults.upload_timeout),
            header_timeout=_duration(env, "CMS_HEADER_TIMEOUT", defaults.header_timeout),
            keep_alive_timeout=_int(env, "CMS_KEEP_ALIVE_TIMEOUT", defaults.keep_alive_timeout),
            fast_path=_bool(env, "CMS_FAST_PATH", defaults.fast_path),
            smtp_host=(env.get("CMS_SMTP_HOST") or "").strip() or None,
            smtp_port=_int(env, "CMS_SMTP_PORT", 0) or None,
            smtp_user=env.get("CMS_SMTP_USER") or None,
            smtp_password=env.get("CMS_SMTP_PASSWORD") or None,
            smtp_security=_choice(
                env, "CMS_SMTP_SECURITY", ("starttls", "tls", "none"), defaults.smtp_security
            ),
            smtp_timeout=_duration(env, "CMS_SMTP_TIMEOUT", defaults.smtp_timeout),
            mail_from=_mail_from(env.get("CMS_MAIL_FROM")),
            mail_digest_time=_time_of_day(env.get("CMS_MAIL_DIGEST_TIME") or defaults.mail_digest_time),
            mail_unconfirmed_days=_int(env, "CMS_MAIL_UNCONFIRMED_DAYS", defaults.mail_unconfirmed_days),
            rate_limit_subscribe=_rate(env, "CMS_RATE_LIMIT_SUBSCRIBE", defaults.rate_limit_subscribe),
            rate_limit_subscribe_address=_rate(
                env, "CMS_RATE_LIMIT_SUBSCRIBE_ADDRESS", defaults.rate_limit_subscribe_address
            ),
            log_format=_choice(env, "CMS_LOG_FORMAT", ("auto", "json", "console"), defaults.log_format),
            log_level=_choice(
                env, "CMS_LOG_LEVEL", ("debug", "info", "warning", "error"), defaults.log_level
            ),
            access_log=_bool(env, "CMS_ACCESS_LOG", defaults.access_log),
        )
        if settings.default_page_size > settings.max_page_size:
            raise ConfigError("`CMS_DEFAULT_PAGE_SIZE` cannot exceed `CMS_MAX_PAGE_SIZE`")
        if settings.sitemap_page_size > 50_000:
            raise ConfigError(
                f"`CMS_SITEMAP_PAGE_SIZE` may be at most 50000 (the sitemap protocol's limit), "
                f"got {settings.sitemap_page_size}"
            )
        if settings.article_url is not None:
            try:
                settings.article_url.format(base="", public="", section="", slug="")
            except (KeyError, IndexError, ValueError):
                raise ConfigError(
                    "`CMS_ARTICLE_URL` may use only {base}, {public}, {section} and {slug}, "
                    f"got {settings.article_url!r}"
                ) from None
        return settings


def shared_secret_problem(settings: Settings) -> str | None:
    """Why this process's secret key would break signed links across processes, if it would."""
    if settings.secret_key_source == "env":
        return None
    several = [
        reason
        for reason, applies in (
            ("CMS_REDIS_URL is set", settings.redis_url is not None),
            ("CMS_DATABASE_REPLICA_URL is set", settings.database_replica_url is not None),
            (f"{settings.workers} workers run", settings.workers > 1),
        )
        if applies
    ]
    if several:
        return f"{' and '.join(several)}, so every process must sign with the same key: set CMS_SECRET_KEY"
    return None


def setting_names() -> list[str]:
    return ["CMS_" + f.name.upper() for f in fields(Settings) if not f.metadata.get("derived")]
