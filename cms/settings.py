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
from cms.media.ladder import DEFAULT_WIDTHS, parse_widths
from cms.media.s3 import parse_location

#: Every setting, its environment variable and its meaning. The README's table and
#: a test are checked against this, so a new setting cannot go undocumented.
DOCUMENTATION: dict[str, str] = {
    "CMS_DATABASE_URL": "SQLAlchemy URL of the content store (SQLite or PostgreSQL).",
    "CMS_MEDIA_ROOT": "Folder for uploaded originals and generated renditions.",
    "CMS_SECRET_KEY": "Secret for signing cursors' companions, preview links and media URLs.",
    "CMS_BASE_URL": "Public URL of the publisher's site; canonical article URLs start with it.",
    "CMS_REDIS_URL": "Optional Redis URL for a cache shared by several app nodes (not used yet).",
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
    "CMS_MEDIA_STORAGE": "Where originals and renditions live: `file` (the folder CMS_MEDIA_ROOT) or an "
    "`s3://bucket/prefix` URL. S3 credentials come from boto3's standard chain (AWS_ACCESS_KEY_ID ...).",
    "CMS_S3_ENDPOINT_URL": "Endpoint of an S3-compatible store other than AWS (MinIO, Ceph, R2 ...).",
    "CMS_S3_REGION": "Region of the S3 bucket; unset, boto3's configuration (AWS_DEFAULT_REGION) decides.",
    "CMS_RENDITION_WIDTHS": "Comma-separated widths renditions are made in; asked widths snap up to the next "
    "one. Default: 16 to 4000 in steps of about 1.25x.",
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
        raise ConfigError(f"CMS_MEDIA_STORAGE must be `file` or s3://bucket/prefix: {exc}") from None
    return value


def _widths(value: str | None) -> tuple[int, ...]:
    if not value:
        return ()
    try:
        return parse_widths(value)
    except ValueError as exc:
        raise ConfigError(f"CMS_RENDITION_WIDTHS: {exc}") from None


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
    media_storage: str = "file"
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    rendition_widths: tuple[int, ...] = DEFAULT_WIDTHS

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
            media_storage=_media_storage(env.get("CMS_MEDIA_STORAGE") or defaults.media_storage),
            s3_endpoint_url=env.get("CMS_S3_ENDPOINT_URL") or None,
            s3_region=env.get("CMS_S3_REGION") or None,
            rendition_widths=_widths(env.get("CMS_RENDITION_WIDTHS")) or defaults.rendition_widths,
        )
        if settings.default_page_size > settings.max_page_size:
            raise ConfigError("CMS_DEFAULT_PAGE_SIZE cannot exceed CMS_MAX_PAGE_SIZE")
        return settings


def setting_names() -> list[str]:
    return ["CMS_" + f.name.upper() for f in fields(Settings)]
