"""Media on an S3-compatible object store (AWS S3, MinIO, Ceph, R2, ...), behind the Storage interface.

CMS_MEDIA_STORAGE=s3://bucket/prefix selects it; CMS_S3_ENDPOINT_URL points at a store
other than AWS and CMS_S3_REGION names the region. Credentials never pass through our
settings: boto3 finds them by its standard chain (AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY, AWS_PROFILE and ~/.aws, or an instance or container role).

Atomicity comes with the API: a PUT becomes visible whole, and a GET streams the one
version it started on, so a reader never sees half an object. Objects are served
through the app, not from the bucket: rendition URLs are signed by us, and the
bucket can stay private.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cms.errors import StorageUnavailable
from cms.media.storage import CHUNK, Blob, Entry, check_key

if TYPE_CHECKING:
    from types_boto3_s3 import S3Client

# Bucket names as S3 allows them (3-63 characters, lower case, digits, dots, hyphens).
_URL = re.compile(r"^s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(?P<prefix>[A-Za-z0-9._/-]*))?$")
_MISSING = {"404", "NoSuchKey", "NotFound"}


@dataclass(frozen=True)
class Location:
    bucket: str
    prefix: str  # "" or ends with "/"

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")


def parse_location(url: str) -> Location:
    """``s3://bucket/some/prefix`` as a Location; a ValueError says what is wrong."""
    match = _URL.match(url)
    if not match:
        raise ValueError(f"expected s3://bucket/prefix with a valid bucket name, got {url!r}")
    parts = [part for part in (match["prefix"] or "").split("/") if part]
    if any(part in {".", ".."} for part in parts):
        raise ValueError(f"the prefix may not contain . or .. segments: {url!r}")
    return Location(match["bucket"], "".join(f"{part}/" for part in parts))


def _code(exc: Exception) -> str:
    response: dict[str, Any] = getattr(exc, "response", {}) or {}
    return str(response.get("Error", {}).get("Code", ""))


@contextlib.contextmanager
def _failures(where: Location, action: str) -> Iterator[None]:
    """The store's errors as StorageUnavailable, so callers handle one exception for any store."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as exc:
        raise StorageUnavailable(f"{where}: {action} failed: {_code(exc) or exc}") from exc
    except BotoCoreError as exc:
        raise StorageUnavailable(f"{where}: {action} failed: {exc}") from exc


class _S3Blob:
    def __init__(self, response: Any, where: Location, key: str) -> None:
        self.size: int = response["ContentLength"]
        self._body = response["Body"]
        self._what = (where, f"reading {key}")

    def chunks(self) -> Iterator[bytes]:
        # boto3 checks the object's checksum as the last chunk arrives: a body that does not
        # match what was stored (a torn read, a store's bug) fails here instead of being served whole.
        with _failures(*self._what):
            yield from self._body.iter_chunks(CHUNK)

    def close(self) -> None:
        self._body.close()


class S3Storage:
    def __init__(
        self, location: Location, *, endpoint_url: str | None = None, region: str | None = None
    ) -> None:
        self.location = location
        self.endpoint_url = endpoint_url
        self.region = region
        self._client = self._make_client(attempts=3, connect_timeout=5, read_timeout=30)
        self._probe: S3Client | None = None

    def _make_client(self, *, attempts: int, connect_timeout: float, read_timeout: float) -> S3Client:
        import boto3
        from botocore.config import Config

        config = Config(
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries={"max_attempts": attempts, "mode": "standard"},
            max_pool_connections=50,  # one per thread of the pool serving and rendering
            # Stores other than AWS (MinIO, moto) commonly want bucket names in the path.
            s3={"addressing_style": "path" if self.endpoint_url else "auto"},
        )
        session = boto3.session.Session()  # a client is thread-safe; the default session is not
        return session.client("s3", endpoint_url=self.endpoint_url, region_name=self.region, config=config)

    def describe(self) -> str:
        return str(self.location)

    def _key(self, key: str) -> str:
        return self.location.prefix + check_key(key)

    def check(self) -> None:
        """Whether the bucket is there and ours: one quick HEAD, no retries, for start-up and /readyz."""
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        where = f"{self.location} at {self.endpoint_url or 'AWS'}"
        try:
            if self._probe is None:
                self._probe = self._make_client(attempts=1, connect_timeout=2, read_timeout=5)
            self._probe.head_bucket(Bucket=self.location.bucket)
        except NoCredentialsError:
            raise StorageUnavailable(
                f"no credentials for {where}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                "(or AWS_PROFILE, or give the machine a role)"
            ) from None
        except ClientError as exc:
            code = _code(exc)
            if code in _MISSING | {"NoSuchBucket"}:
                raise StorageUnavailable(
                    f"the bucket {self.location.bucket!r} does not exist ({where})"
                ) from None
            if code in {"403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"}:
                raise StorageUnavailable(
                    f"access to {where} is denied: check the credentials ({code})"
                ) from None
            raise StorageUnavailable(f"{where} answered {code or exc}") from None
        except (BotoCoreError, ValueError) as exc:
            raise StorageUnavailable(f"cannot reach {where} (CMS_S3_ENDPOINT_URL): {exc}") from None

    def put(self, key: str, data: bytes) -> None:
        with _failures(self.location, f"storing {key}"):
            self._client.put_object(Bucket=self.location.bucket, Key=self._key(key), Body=data)

    def read(self, key: str) -> bytes:
        blob = self.open(key)
        if blob is None:
            raise FileNotFoundError(key)
        try:
            return b"".join(blob.chunks())
        finally:
            blob.close()

    def open(self, key: str) -> Blob | None:
        from botocore.exceptions import ClientError

        with _failures(self.location, f"reading {key}"):
            try:
                response = self._client.get_object(Bucket=self.location.bucket, Key=self._key(key))
            except ClientError as exc:
                if _code(exc) in _MISSING:
                    return None
                raise
        return _S3Blob(response, self.location, key)

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        with _failures(self.location, f"looking for {key}"):
            try:
                self._client.head_object(Bucket=self.location.bucket, Key=self._key(key))
            except ClientError as exc:
                if _code(exc) in _MISSING:
                    return False
                raise
        return True

    def delete(self, key: str) -> None:
        with _failures(self.location, f"deleting {key}"):
            self._client.delete_object(Bucket=self.location.bucket, Key=self._key(key))

    def delete_many(self, keys: Iterable[str]) -> None:
        batch: list[str] = []
        for key in keys:
            batch.append(self._key(key))
            if len(batch) == 1000:  # the most one DeleteObjects request takes
                self._delete_batch(batch)
                batch = []
        if batch:
            self._delete_batch(batch)

    def _delete_batch(self, keys: list[str]) -> None:
        with _failures(self.location, "deleting objects"):
            response = self._client.delete_objects(
                Bucket=self.location.bucket, Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True}
            )
        if errors := response.get("Errors"):
            first = errors[0]
            raise StorageUnavailable(
                f"{len(errors)} object(s) could not be deleted from {self.location}, "
                f"the first {first.get('Key')!r}: {first.get('Code')} {first.get('Message')}"
            )

    def entries(self, prefix: str) -> Iterator[Entry]:
        strip = len(self.location.prefix)
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.location.bucket, Prefix=self.location.prefix + prefix
        )
        with _failures(self.location, f"listing {prefix}"):
            for page in pages:
                for item in page.get("Contents", []):
                    modified = item["LastModified"].astimezone(UTC)
                    yield Entry(item["Key"][strip:], item["Size"], modified)

    def path(self, key: str) -> Path | None:
        return None
