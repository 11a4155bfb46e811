"""Where image bytes live: a small interface, with the local filesystem as the default.

Callers speak in keys ("originals/ab/cd/<sha256>.jpg"), never in paths, so the same
code runs on a folder (LocalStorage, here) or an S3-compatible bucket (cms.media.s3).
Keys are made by this package, never from a client's filename.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from cms.errors import StorageUnavailable

_KEY = re.compile(r"^(?:originals|renditions)(?:/[A-Za-z0-9._-]+)+$")
CHUNK = 256 * 1024


@dataclass(frozen=True, order=True)
class Entry:
    """One stored object, as a listing gives it."""

    key: str
    size: int
    modified: datetime  # aware, UTC


class Blob(Protocol):
    """An open stored object: its length, then its bytes in chunks. Close it when done."""

    size: int

    def chunks(self) -> Iterator[bytes]: ...

    def close(self) -> None: ...


class Storage(Protocol):
    def describe(self) -> str:
        """Where the bytes live (a folder or s3://bucket/prefix), for messages and lock names."""

    def check(self) -> None:
        """Raise ``StorageUnavailable`` with a fix-it message if the store cannot be used."""

    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` atomically: readers see all of it or nothing."""

    def read(self, key: str) -> bytes:
        """The whole object; ``FileNotFoundError`` if there is none."""

    def open(self, key: str) -> Blob | None:
        """The object to stream, or None if there is none."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove ``key``; removing a missing key is not an error."""

    def delete_many(self, keys: Iterable[str]) -> None: ...

    def entries(self, prefix: str) -> Iterator[Entry]:
        """Every object whose key starts with ``prefix`` ("originals/", "renditions/")."""

    def path(self, key: str) -> Path | None:
        """A local file to serve ``key`` from, if this store has one (else serve ``open()``)."""


def original_key(sha256: str, extension: str) -> str:
    """Content-addressed: the same bytes always get the same key, so uploads de-duplicate."""
    return f"originals/{sha256[:2]}/{sha256[2:4]}/{sha256}.{extension}"


def rendition_key(source: str, name: str) -> str:
    return f"renditions/{source[:2]}/{source[2:4]}/{source}/{name}"


def rendition_source(key: str) -> str | None:
    """The source (original's SHA-256) a rendition key belongs to."""
    parts = key.split("/")
    return parts[3] if len(parts) == 5 and parts[0] == "renditions" else None


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_key(key: str) -> str:
    # Keys come from this package, but a bug must not become a path traversal.
    if not _KEY.match(key) or ".." in key.split("/"):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class _FileBlob:
    def __init__(self, path: Path) -> None:
        self._handle = path.open("rb")
        self.size = os.fstat(self._handle.fileno()).st_size

    def chunks(self) -> Iterator[bytes]:
        while chunk := self._handle.read(CHUNK):
            yield chunk

    def close(self) -> None:
        self._handle.close()


class LocalStorage:
    """Files under one root folder, written through a temp file and a rename."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def describe(self) -> str:
        return str(self.root.resolve())

    def check(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageUnavailable(
                f"cannot create the media folder {self.root} (CMS_MEDIA_ROOT): {exc}"
            ) from None
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise StorageUnavailable(f"the media folder {self.root} (CMS_MEDIA_ROOT) is not writable")

    def _file(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes) -> None:
        target = self._file(key)
        for attempt in range(2):
            target.parent.mkdir(parents=True, exist_ok=True)
            # The temp file sits in the target's folder so the rename stays on one
            # filesystem (atomic); a crash leaves at worst a ".tmp" file, never half a key.
            try:
                fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
            except FileNotFoundError:
                if attempt:
                    raise
                continue  # `cms media gc` removed the emptied folder just now: make it again
            break
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    def read(self, key: str) -> bytes:
        return self._file(key).read_bytes()

    def open(self, key: str) -> Blob | None:
        try:
            return _FileBlob(self._file(key))
        except (FileNotFoundError, IsADirectoryError):
            return None

    def exists(self, key: str) -> bool:
        return self._file(key).is_file()

    def delete(self, key: str) -> None:
        self.delete_many([key])

    def delete_many(self, keys: Iterable[str]) -> None:
        for key in keys:
            target = self._file(key)
            target.unlink(missing_ok=True)
            # Leave no empty folders behind; stop at the first one still in use.
            for folder in target.parents:
                if folder == self.root or not folder.is_relative_to(self.root):
                    break
                try:
                    folder.rmdir()
                except OSError:
                    break

    def entries(self, prefix: str) -> Iterator[Entry]:
        top = prefix.split("/", 1)[0]
        base = self.root / top
        if not _KEY.match(top + "/x") or not base.is_dir():
            return
        for folder, _dirs, files in os.walk(base):
            for name in files:
                path = Path(folder, name)
                key = path.relative_to(self.root).as_posix()
                if name.startswith(".") or not key.startswith(prefix):
                    continue  # a temp file of a write in progress, or outside the prefix
                with contextlib.suppress(FileNotFoundError):
                    stat = path.stat()
                    yield Entry(key, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))

    def path(self, key: str) -> Path | None:
        return self._file(key)
