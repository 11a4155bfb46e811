"""The JSON Lines corpus format shared by `cms import`, `cms export` and `cms demo`.

Five files, one object per line (see the README). Records are checked in full
before anything is written, so a bad line stops the import with its file and
line number and leaves the database as it was.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sized
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import orjson

from cms.errors import BadInput, Invalid
from cms.media.licenses import resolve_license
from cms.models import Article, Author, Category, Image, Section
from cms.services.checks import web_url

FILES = ("sections", "categories", "authors", "images", "articles")
STATUSES = {"published", "draft", "archived", "trashed"}


@dataclass
class Corpus:
    """Sections, categories, authors and images are small and held in full; ``articles`` may be
    a stream (``read`` gives one) that checks each record as it is consumed."""

    sections: list[dict[str, Any]] = field(default_factory=list)
    categories: list[dict[str, Any]] = field(default_factory=list)
    authors: list[dict[str, Any]] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)
    articles: Iterable[dict[str, Any]] = field(default_factory=list)
    folder: Path | None = None  # where it was read from (a helper process may read the articles again)

    @cached_property
    def articles_hint(self) -> int:
        """How many articles it holds, counted (once) without reading them; 0 if unknown."""
        if isinstance(self.articles, Sized):
            return len(self.articles)
        return count_lines(self.folder / "articles.jsonl") if self.folder is not None else 0


def parse_time(value: Any, where: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadInput(f"{where}: `published_at` must be an ISO 8601 string or null")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(f"{where}: `published_at` {value!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise BadInput(f"{where}: `published_at` {value!r} has no time zone")
    return parsed.astimezone(UTC)


def format_time(value: datetime | None) -> str | None:
    if value is None:
        return None
    text = value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return text


def _lines(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    # Bytes to orjson: a third of the time of text lines to json, and bad UTF-8 is bad JSON.
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path.name}:{number}"
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise BadInput(f"{where}: not valid JSON ({exc.msg})") from None
            if not isinstance(record, dict):
                raise BadInput(f"{where}: each line must be a JSON object")
            yield where, record


def _need(
    record: dict[str, Any], where: str, name: str, kind: type | tuple[type, ...], *, empty: bool = False
) -> Any:
    if name not in record:
        raise BadInput(f"{where}: missing field `{name}`")
    value = record[name]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise BadInput(f"{where}: field `{name}` has the wrong type")
    if isinstance(value, str) and not empty and not value.strip():
        raise BadInput(f"{where}: field `{name}` is empty")
    return value


def read(folder: Path) -> Corpus:
    """Open a corpus folder: the small files are read and checked now; articles are read, and
    checked (references to the other files included), one line at a time as they are consumed,
    so memory stays flat however large the corpus. A bad line raises ``BadInput`` naming it."""
    if not folder.is_dir():
        raise BadInput(f"{folder} is not a folder")
    missing = [name for name in FILES if not (folder / f"{name}.jsonl").is_file()]
    if missing:
        raise BadInput(f"{folder} lacks {', '.join(f'{m}.jsonl' for m in missing)}")
    checker = Checker()
    corpus = Corpus(folder=folder)
    for name in FILES[:-1]:
        records: list[dict[str, Any]] = getattr(corpus, name)
        records.extend(
            checker.check(name, record, where) for where, record in _lines(folder / f"{name}.jsonl")
        )
        checker.close(name)
    corpus.articles = (
        checker.check("articles", record, where) for where, record in _lines(folder / "articles.jsonl")
    )
    return corpus


class Checker:
    """Checks records file by file, in FILES order, remembering ids and slugs for references."""

    def __init__(self) -> None:
        self.ids: dict[str, set[int]] = {}
        self._seen: set[int] = set()
        self._slugs: set[str] = set()

    def check(self, name: str, record: dict[str, Any], where: str) -> dict[str, Any]:
        record_id = _need(record, where, "id", int)
        if record_id in self._seen:
            raise BadInput(f"{where}: `id` {record_id} appears twice")
        self._seen.add(record_id)
        _check(name, record, where, self.ids)
        if "slug" in record:
            if record["slug"] in self._slugs:
                raise BadInput(f"{where}: slug {record['slug']!r} appears twice")
            self._slugs.add(record["slug"])
        return record

    def close(self, name: str) -> None:
        self.ids[name], self._seen, self._slugs = self._seen, set(), set()


def validate(corpus: Corpus) -> None:
    """Check every record of a corpus held in memory and normalise licences and times in place."""
    checker = Checker()
    for name in FILES:
        for index, record in enumerate(getattr(corpus, name), start=1):
            checker.check(name, record, f"{name} record {index}")
        checker.close(name)


_TABLES: dict[str, Any] = {
    "sections": Section,
    "categories": Category,
    "authors": Author,
    "images": Image,
    "articles": Article,
}


def _check_lengths(name: str, record: dict[str, Any], where: str) -> None:
    """Text must fit its column: PostgreSQL would fail mid-import, SQLite would not notice."""
    columns = _TABLES[name].__table__.c
    for field_name, value in record.items():
        column = columns.get(field_name)
        limit = getattr(column.type, "length", None) if column is not None else None
        if limit and isinstance(value, str) and len(value) > limit:
            raise BadInput(f"{where}: field `{field_name}` is longer than {limit} characters")


def _url(record: dict[str, Any], where: str, name: str, *, allow_mailto: bool = False) -> None:
    """Links are checked as the API checks them: a credit link must be safe in ``<a href>``."""
    value = record.get(name)
    if value is None:
        return
    if not isinstance(value, str):
        raise BadInput(f"{where}: field `{name}` has the wrong type")
    try:
        record[name] = web_url(value, field=name, allow_mailto=allow_mailto)
    except Invalid as exc:
        raise BadInput(f"{where}: `{name}` {value!r}: {exc.message}") from None


def _check(name: str, record: dict[str, Any], where: str, ids: dict[str, set[int]]) -> None:
    _check_lengths(name, record, where)
    if name in {"sections", "categories", "authors"}:
        _need(record, where, "name", str)
        _need(record, where, "slug", str)
        for optional in ("description", "bio", "affiliation"):
            if record.get(optional) is not None and not isinstance(record[optional], str):
                raise BadInput(f"{where}: field `{optional}` has the wrong type")
    elif name == "images":
        _need(record, where, "title", str, empty=True)
        for text in ("creator", "source_name", "source_url", "filename"):
            _need(record, where, text, str, empty=True)
        for number in ("width", "height"):
            if _need(record, where, number, int) <= 0:
                raise BadInput(f"{where}: `{number}` must be positive")
        license_ref = _need(record, where, "license", (str, int))
        try:
            record["license"] = resolve_license(license_ref)
        except BadInput as exc:
            raise BadInput(f"{where}: {exc.message}") from None
        _url(record, where, "source_url")
        _url(record, where, "creator_url", allow_mailto=True)
        focal = record.get("focal_point")
        if focal is not None and not (
            isinstance(focal, list)
            and len(focal) == 2
            and all(isinstance(v, (int, float)) and 0 <= v <= 1 for v in focal)
        ):
            raise BadInput(f"{where}: `focal_point` must be [x, y] with both between 0 and 1")
    elif name == "articles":
        _need(record, where, "title", str)
        _need(record, where, "slug", str)
        _need(record, where, "summary", str, empty=True)
        _need(record, where, "body", str, empty=True)
        status = _need(record, where, "status", str)
        if status not in STATUSES:
            raise BadInput(f"{where}: `status` must be one of {', '.join(sorted(STATUSES))}")
        if not isinstance(record.get("published_at"), datetime):
            record["published_at"] = parse_time(record.get("published_at"), where)
        if status == "published" and record["published_at"] is None:
            raise BadInput(f"{where}: a published article needs `published_at`")
        for ref, target in (
            ("section_id", "sections"),
            ("category_id", "categories"),
            ("lead_image_id", "images"),
        ):
            value = record.get(ref)
            if value is not None and value not in ids[target]:
                raise BadInput(f"{where}: `{ref}` {value} is not in {target}.jsonl")
        authors = _need(record, where, "author_ids", list)
        for author_id in authors:
            if author_id not in ids["authors"]:
                raise BadInput(f"{where}: author {author_id} is not in authors.jsonl")
        if len(set(authors)) != len(authors):
            raise BadInput(f"{where}: an author appears twice in `author_ids`")


def count_lines(path: Path) -> int:
    """Records in a JSON Lines file (for a progress bar), without parsing it."""
    count = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            count += chunk.count(b"\n")
    return count


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
