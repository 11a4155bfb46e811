"""Where image bytes live: a small interface, with the local filesystem as the default.

Callers speak in keys ("originals/ab/cd/<sha256>.jpg"), never in paths, so an
S3-compatible store can be added without touching them. Keys are made by this
package, never from a client's filename.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

_KEY = re.compile(r"^(?:originals|renditions)(?:/[A-Za-z0-9._-]+)+$")


class Storage(Protocol):
    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` atomically: readers see all of it or nothing."""

    def read(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove ``key``; removing a missing key is not an error."""

    def path(self, key: str) -> Path | None:
        """A local file to serve ``key`` from, if this store has one (else serve ``read()``)."""


def original_key(sha256: str, extension: str) -> str:
    """Content-addressed: the same bytes always get the same key, so uploads de-duplicate."""
    return f"originals/{sha256[:2]}/{sha256[2:4]}/{sha256}.{extension}"


def rendition_key(source: str, name: str) -> str:
    return f"renditions/{source[:2]}/{source[2:4]}/{source}/{name}"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class LocalStorage:
    """Files under one root folder, written through a temp file and a rename."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def _file(self, key: str) -> Path:
        # Keys come from this package, but a bug must not become a path traversal.
        if not _KEY.match(key) or ".." in key.split("/"):
            raise ValueError(f"not a storage key: {key!r}")
        return self.root / key

    def put(self, key: str, data: bytes) -> None:
        target = self._file(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        # The temp file sits in the target's folder so the rename stays on one
        # filesystem (atomic); a crash leaves at worst a ".tmp" file, never half a key.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
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

    def exists(self, key: str) -> bool:
        return self._file(key).is_file()

    def delete(self, key: str) -> None:
        self._file(key).unlink(missing_ok=True)

    def path(self, key: str) -> Path | None:
        return self._file(key)
