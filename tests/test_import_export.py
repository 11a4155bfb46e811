"""`cms import`, `cms export` and `cms demo` as an operator runs them, checked through the public API."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner, Result

from cms.cli import app
from cms.db import Database
from tests.conftest import GraphQLClient

FILES = ("sections", "categories", "authors", "images", "articles")

SECTIONS = [
    {"id": 1, "name": "The Peninsula", "slug": "the-peninsula", "description": "Commentary on the region."},
    {"id": 2, "name": "Policy Briefs", "slug": "policy-briefs", "description": ""},
]
CATEGORIES = [
    {"id": 1, "name": "Security", "slug": "security"},
    {"id": 2, "name": "Trade", "slug": "trade"},
    {"id": 3, "name": "Energy and Climate", "slug": "energy-climate"},
]
AUTHORS = [
    {"id": 1, "name": "Min-jun Park", "slug": "min-jun-park", "bio": "Senior fellow.",
     "affiliation": "Institute for Peninsula Studies"},
    {"id": 2, "name": "Sarah Whitfield", "slug": "sarah-whitfield", "bio": "", "affiliation": ""},
    {"id": 3, "name": "Élodie Martin", "slug": "elodie-martin", "bio": "Edits the blog.", "affiliation": ""},
    {"id": 4, "name": "Tomás Rivera", "slug": "tomas-rivera", "bio": "Data journalist.",
     "affiliation": "Seoul Policy Lab"},
]  # fmt: skip
IMAGES = [
    {"id": 1, "title": "Container ships at Busan", "creator": "Mariusz Kluzniak", "source_name": "Flickr",
     "source_url": "https://www.flickr.com/photos/kluzniak/1", "license": "CC-BY-2.0", "width": 1600,
     "height": 1067, "filename": "busan.jpg"},
    {"id": 2, "title": "Seoul skyline", "creator": "Jane Example", "source_name": "Wikimedia Commons",
     "source_url": "https://commons.wikimedia.org/wiki/File:Seoul.jpg", "license": "CC-BY-SA-4.0",
     "width": 1200, "height": 800, "filename": "seoul.jpg", "alt": "Towers over the Han river at dusk",
     "creator_url": "https://commons.wikimedia.org/wiki/User:JaneExample", "focal_point": [0.25, 0.75]},
    {"id": 3, "title": "Wind farm off Jeju", "creator": "Unknown photographer", "source_name": "Unsplash",
     "source_url": "https://unsplash.com/photos/wind", "license": "CC0-1.0", "width": 2000, "height": 1000,
     "filename": "wind.jpg", "alt": "Turbines at sea"},
    {"id": 4, "title": "Market in Daegu", "creator": "Lee Photo Agency", "source_name": "Lee Photo Agency",
     "source_url": "https://example.org/agency/daegu", "license": "ARR", "width": 800, "height": 600,
     "filename": "daegu.jpg"},
    {"id": 5, "title": "Summit portrait", "creator": "Presidential Office", "source_name": "Flickr",
     "source_url": "https://www.flickr.com/photos/president/5", "license": "CC-BY-NC-ND-2.0", "width": 900,
     "height": 1200, "filename": "summit.jpg", "focal_point": [0.5, 0.1]},
]  # fmt: skip


def _article(
    pk: int, title: str, published_at: str | None, status: str = "published", **extra: Any
) -> dict[str, Any]:
    record = {
        "id": pk, "title": title, "slug": f"article-{pk}", "summary": f"Summary of {title.lower()}.",
        "body": f"<p>Body of article {pk}.</p>", "published_at": published_at, "status": status,
        "section_id": 1, "category_id": 1, "author_ids": [1], "lead_image_id": None,
    }  # fmt: skip
    record.update(extra)
    return record


ARTICLES = [
    _article(1, "Sanctions bite", "2024-05-01T09:30:00Z", lead_image_id=1),
    _article(2, "Two voices on trade", "2024-05-02T10:00:00Z", section_id=2, category_id=2, author_ids=[2, 1],
             lead_image_id=2),
    _article(3, "Three authors on energy", "2024-04-15T08:00:00Z", category_id=3, author_ids=[3, 4, 1],
             lead_image_id=3),
    _article(4, "A draft never published", None, status="draft", author_ids=[2]),
    _article(5, "Scheduled for the future", "2099-01-01T00:00:00Z", author_ids=[4], lead_image_id=1),
    _article(6, "Pulled back to draft", "2023-12-01T12:00:00Z", status="draft", author_ids=[1]),
    _article(7, "Market day in Daegu", "2023-11-20T07:45:00Z", section_id=2, category_id=2, author_ids=[4],
             lead_image_id=4),
    _article(8, "At the summit", "2023-10-05T16:00:00Z", author_ids=[1, 3], lead_image_id=5),
    _article(9, "No category, no picture", "2023-09-01T00:00:00Z", category_id=None, author_ids=[]),
    _article(10, "Ports and tariffs", "2023-08-08T08:08:08Z", section_id=2, category_id=2, author_ids=[2],
             lead_image_id=1),
    _article(11, "Wind at sea", "2022-02-02T02:02:02Z", category_id=3, author_ids=[3], lead_image_id=3),
    _article(12, "Skyline at dusk", "2021-12-31T23:59:59Z", section_id=None, author_ids=[4, 2],
             lead_image_id=2),
]  # fmt: skip
PUBLIC_SLUGS = {f"article-{n}" for n in (1, 2, 3, 7, 8, 9, 10, 11, 12)}


def sample() -> dict[str, list[dict[str, Any]]]:
    """A fresh copy of the small corpus, to change freely in one test."""
    return copy.deepcopy(
        {
            "sections": SECTIONS,
            "categories": CATEGORIES,
            "authors": AUTHORS,
            "images": IMAGES,
            "articles": ARTICLES,
        }
    )


def write_corpus(folder: Path, corpus: dict[str, list[dict[str, Any]]] | None = None) -> Path:
    """Write the five .jsonl files of FORMAT.md: compact JSON, one record a line."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, records in (corpus or sample()).items():
        lines = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in records]
        (folder / f"{name}.jsonl").write_text("".join(lines), encoding="utf-8")
    return folder


@pytest.fixture
def cms(database_url: str, tmp_path: Path) -> Any:
    """Runs the `cms` command against the test database, as an operator would."""
    runner = CliRunner()
    env = {"CMS_DATABASE_URL": database_url, "CMS_MEDIA_ROOT": str(tmp_path / "media")}

    def run(*args: str) -> Result:
        return runner.invoke(app, list(args), env=env)

    return run


def says(result: Result, text: str) -> bool:
    """Whether the command printed ``text``, however the console wrapped it (it folds long paths too)."""
    return "".join(text.split()) in "".join(result.output.split())


def report(result: Result) -> dict[str, tuple[int, int]]:
    """`cms import`'s summary: entity -> (created, updated)."""
    found = re.findall(r"^(\w+)\s+(\d+) created\s+(\d+) updated", result.stdout, flags=re.MULTILINE)
    return {name: (int(created), int(updated)) for name, created, updated in found}


def refused(result: Result) -> None:
    """The command said no on purpose: a non-zero exit, not a crash with an exception."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)


def imported(cms: Any, folder: Path) -> Result:
    result = cms("import", str(folder))
    assert result.exit_code == 0, result.output
    return result


ARTICLE = """
query One($slug: String!) {
  article(slug: $slug) {
    title slug status version publishedAt bodyHtml
    section { slug } category { slug } authors { slug name }
    leadImage { alt width height focalPoint { x y }
                credit { line creator creatorUrl sourceName license { code } } }
  }
}
"""
COUNTS = """
{ articles(first: 100) { totalCount edges { node { slug } } }
  sections { slug } categories { slug } authors(first: 100) { totalCount } }
"""


def article(gql: GraphQLClient, slug: str) -> dict[str, Any] | None:
    return gql.data(ARTICLE, {"slug": slug})["article"]  # type: ignore[no-any-return]


def counts(gql: GraphQLClient) -> dict[str, int]:
    data = gql.data(COUNTS)
    return {
        "articles": data["articles"]["totalCount"],
        "sections": len(data["sections"]),
        "categories": len(data["categories"]),
        "authors": data["authors"]["totalCount"],
    }


def public_slugs(gql: GraphQLClient) -> set[str]:
    return {edge["node"]["slug"] for edge in gql.data(COUNTS)["articles"]["edges"]}


# Importing


def test_import_loads_the_whole_corpus(cms: Any, gql: GraphQLClient, tmp_path: Path) -> None:
    result = imported(cms, write_corpus(tmp_path / "corpus"))
    assert report(result) == {
        "section": (2, 0), "category": (3, 0), "author": (4, 0), "image": (5, 0), "article": (12, 0)
    }  # fmt: skip
    assert counts(gql) == {"articles": len(PUBLIC_SLUGS), "sections": 2, "categories": 3, "authors": 4}
    assert public_slugs(gql) == PUBLIC_SLUGS


def test_imported_article_reads_as_in_the_corpus(cms: Any, gql: GraphQLClient, tmp_path: Path) -> None:
    imported(cms, write_corpus(tmp_path / "corpus"))
    first = article(gql, "article-1")
    assert first is not None
    assert first["title"] == "Sanctions bite"
    assert first["status"] == "PUBLISHED"
    assert first["version"] == 1
    assert first["publishedAt"].startswith("2024-05-01T09:30:00")
    assert first["publishedAt"].endswith(("Z", "+00:00"))
    assert first["bodyHtml"] == "<p>Body of article 1.</p>"
    assert first["section"] == {"slug": "the-peninsula"}
    assert first["category"] == {"slug": "security"}


def test_import_keeps_byline_order(cms: Any, gql: GraphQLClient, tmp_path: Path) -> None:
    imported(cms, write_corpus(tmp_path / "corpus"))
    bylines = {slug: [a["slug"] for a in article(gql, slug)["authors"]] for slug in PUBLIC_SLUGS}  # type: ignore[index]
    assert bylines["article-2"] == ["sarah-whitfield", "min-jun-park"]
    assert bylines["article-3"] == ["elodie-martin", "tomas-rivera", "min-jun-park"]
    assert bylines["article-12"] == ["tomas-rivera", "sarah-whitfield"]
    assert bylines["article-9"] == []
    assert article(gql, "article-3")["authors"][0]["name"] == "Élodie Martin"  # type: ignore[index]


def test_imported_images_carry_their_credits(cms: Any, gql: GraphQLClient, tmp_path: Path) -> None:
    imported(cms, write_corpus(tmp_path / "corpus"))
    slugs = ("article-1", "article-2", "article-3", "article-7", "article-8", "article-9")
    credits = {slug: article(gql, slug)["leadImage"] for slug in slugs}  # type: ignore[index]
    assert credits["article-9"] is None
    flickr = credits["article-1"]
    assert flickr["credit"]["line"] == "Image from Mariusz Kluzniak's photostream on Flickr (CC BY 2.0)"
    assert flickr["credit"]["license"] == {"code": "CC-BY-2.0"}
    assert flickr["alt"] == ""
    assert flickr["focalPoint"] is None
    assert (flickr["width"], flickr["height"]) == (1600, 1067)
    commons = credits["article-2"]
    assert commons["credit"]["license"] == {"code": "CC-BY-SA-4.0"}
    assert commons["credit"]["line"] == "Image by Jane Example via Wikimedia Commons (CC BY-SA 4.0)"
    assert commons["credit"]["creatorUrl"] == "https://commons.wikimedia.org/wiki/User:JaneExample"
    assert commons["alt"] == "Towers over the Han river at dusk"
    assert commons["focalPoint"] == {"x": 0.25, "y": 0.75}
    assert credits["article-3"]["credit"]["license"] == {"code": "CC0-1.0"}
    assert credits["article-7"]["credit"]["license"] == {"code": "ARR"}
    assert "all rights reserved" in credits["article-7"]["credit"]["line"]
    assert credits["article-8"]["credit"]["license"] == {"code": "CC-BY-NC-ND-2.0"}
    assert credits["article-8"]["credit"]["line"].endswith("(CC BY-NC-ND 2.0)")


def test_scheduled_and_draft_articles_are_not_public(cms: Any, gql: GraphQLClient, tmp_path: Path) -> None:
    imported(cms, write_corpus(tmp_path / "corpus"))
    for slug in ("article-4", "article-5", "article-6"):
        assert article(gql, slug) is None, slug
    assert not {"article-4", "article-5", "article-6"} & public_slugs(gql)
    found = gql.data('{ search(query: "draft OR scheduled OR pulled") { totalCount } }')
    assert found["search"]["totalCount"] == 0


def test_imported_articles_are_searchable(cms: Any, gql: GraphQLClient, tmp_path: Path) -> None:
    imported(cms, write_corpus(tmp_path / "corpus"))
    data = gql.data('{ search(query: "sanctions") { totalCount edges { node { slug } } } }')
    assert data["search"]["totalCount"] == 1
    assert data["search"]["edges"][0]["node"]["slug"] == "article-1"


def test_long_bodies_are_stored_with_lz4_on_postgresql_and_read_back_whole(
    cms: Any, db: Database, gql: GraphQLClient, tmp_path: Path
) -> None:
    corpus = sample()
    paragraphs = "".join(f"<p>Paragraph {n} of a long report on tariffs and trade.</p>" for n in range(400))
    corpus["articles"][0]["body"] = paragraphs
    imported(cms, write_corpus(tmp_path / "corpus", corpus))
    found = article(gql, "article-1")
    assert found is not None
    assert found["bodyHtml"] == paragraphs
    if db.engine.dialect.name == "postgresql":
        with db.connect() as conn:
            methods = conn.execute(
                text(
                    "SELECT pg_column_compression(body_html), pg_column_compression(body_text) "
                    "FROM article WHERE slug = 'article-1'"
                )
            ).one()
        assert tuple(methods) == ("lz4", "lz4")


# Importing again


def test_importing_twice_changes_nothing(cms: Any, gql: GraphQLClient, tmp_path: Path) -> None:
    folder = write_corpus(tmp_path / "corpus")
    imported(cms, folder)
    before = counts(gql)
    again = imported(cms, folder)
    assert report(again) == {name: (0, 0) for name in ("section", "category", "author", "image", "article")}
    assert counts(gql) == before
    assert public_slugs(gql) == PUBLIC_SLUGS
    assert article(gql, "article-2")["version"] == 1  # type: ignore[index]


def test_reimport_with_a_new_title_updates_that_article(cms: Any, gql: GraphQLClient, tmp_path: Path) -> None:
    corpus = sample()
    imported(cms, write_corpus(tmp_path / "v1", corpus))
    corpus["articles"][1]["title"] = "Two voices on tariffs"
    again = imported(cms, write_corpus(tmp_path / "v2", corpus))
    assert report(again)["article"] == (0, 1)
    changed = article(gql, "article-2")
    assert changed is not None
    assert changed["title"] == "Two voices on tariffs"
    assert changed["version"] == 2
    assert article(gql, "article-1")["version"] == 1  # type: ignore[index]
    assert counts(gql)["articles"] == len(PUBLIC_SLUGS)
    found = gql.data('{ search(query: "tariffs") { edges { node { slug } } } }')["search"]["edges"]
    assert {edge["node"]["slug"] for edge in found} == {"article-2", "article-10"}


def test_reimport_with_a_new_byline_updates_the_authors(cms: Any, gql: GraphQLClient, tmp_path: Path) -> None:
    corpus = sample()
    imported(cms, write_corpus(tmp_path / "v1", corpus))
    corpus["articles"][1]["author_ids"] = [1, 2]
    imported(cms, write_corpus(tmp_path / "v2", corpus))
    changed = article(gql, "article-2")
    assert changed is not None
    assert [a["slug"] for a in changed["authors"]] == ["min-jun-park", "sarah-whitfield"]
    assert changed["version"] == 2


def test_reimport_that_publishes_a_draft_makes_it_public(
    cms: Any, gql: GraphQLClient, tmp_path: Path
) -> None:
    corpus = sample()
    imported(cms, write_corpus(tmp_path / "v1", corpus))
    corpus["articles"][3].update(status="published", published_at="2024-06-01T00:00:00Z")
    imported(cms, write_corpus(tmp_path / "v2", corpus))
    assert article(gql, "article-4") is not None
    assert counts(gql)["articles"] == len(PUBLIC_SLUGS) + 1


def test_reimport_with_a_new_image_licence_updates_the_credit(
    cms: Any, gql: GraphQLClient, tmp_path: Path
) -> None:
    corpus = sample()
    imported(cms, write_corpus(tmp_path / "v1", corpus))
    corpus["images"][0]["license"] = "CC-BY-4.0"
    again = imported(cms, write_corpus(tmp_path / "v2", corpus))
    assert report(again)["image"] == (0, 1)
    credit = article(gql, "article-1")["leadImage"]["credit"]  # type: ignore[index]
    assert credit["license"] == {"code": "CC-BY-4.0"}
    assert credit["line"] == "Image from Mariusz Kluzniak's photostream on Flickr (CC BY 4.0)"


# Exporting


def test_export_of_an_import_gives_back_the_same_files(cms: Any, tmp_path: Path) -> None:
    source = write_corpus(tmp_path / "corpus")
    imported(cms, source)
    out = tmp_path / "out"
    result = cms("export", "--format", "corpus", str(out))
    assert result.exit_code == 0, result.output
    for name in FILES:
        assert (out / f"{name}.jsonl").read_bytes() == (source / f"{name}.jsonl").read_bytes(), name


def test_export_can_be_imported_into_another_database_unchanged(cms: Any, tmp_path: Path) -> None:
    source = write_corpus(tmp_path / "corpus")
    imported(cms, source)
    out = tmp_path / "out"
    assert cms("export", "--format", "corpus", str(out)).exit_code == 0
    again = imported(cms, out)
    assert report(again) == {name: (0, 0) for name in ("section", "category", "author", "image", "article")}


# Licence references


@pytest.mark.parametrize(
    ("reference", "code"),
    [
        (4, "CC-BY-2.0"),
        (11, "CC-BY-4.0"),
        (1, "CC-BY-NC-SA-2.0"),
        (9, "CC0-1.0"),
        ("4", "CC-BY-2.0"),
        ("http://creativecommons.org/licenses/by-sa/2.0", "CC-BY-SA-2.0"),
        ("https://creativecommons.org/licenses/by-nc/4.0/", "CC-BY-NC-4.0"),
        ("https://creativecommons.org/publicdomain/zero/1.0/", "CC0-1.0"),
        ("cc-by-nd-4.0", "CC-BY-ND-4.0"),
        ("NKCR", "NKCR"),
        ("US-GOV", "US-GOV"),
    ],
)
def test_image_licence_may_be_a_flickr_id_or_a_deed_url(
    cms: Any, gql: GraphQLClient, tmp_path: Path, reference: str | int, code: str
) -> None:
    corpus = sample()
    corpus["images"][0]["license"] = reference
    imported(cms, write_corpus(tmp_path / "corpus", corpus))
    assert article(gql, "article-1")["leadImage"]["credit"]["license"] == {"code": code}  # type: ignore[index]


@pytest.mark.parametrize(
    "reference",
    [0, "0", 99, -4, "CC-BY-5.0", "GPL-3.0", "Creative Commons", "https://creativecommons.org/licenses/by/5.0/",
     "https://example.org/licenses/by/4.0/", "", True, 4.0, None],
)  # fmt: skip
def test_unusable_image_licence_is_refused(
    cms: Any, gql: GraphQLClient, tmp_path: Path, reference: str | int | None
) -> None:
    corpus = sample()
    corpus["images"][2]["license"] = reference
    result = cms("import", str(write_corpus(tmp_path / "corpus", corpus)))
    refused(result)
    assert says(result, "images.jsonl:3")
    assert counts(gql) == {"articles": 0, "sections": 0, "categories": 0, "authors": 0}


# Refusing a bad corpus


def _edit(corpus: dict[str, list[dict[str, Any]]], name: str, index: int, **changes: Any) -> None:
    corpus[name][index].update(changes)


def _drop(corpus: dict[str, list[dict[str, Any]]], name: str, index: int, field: str) -> None:
    del corpus[name][index][field]


BAD = {
    "missing-field": (lambda c: _drop(c, "articles", 2, "summary"), "articles.jsonl:3", "summary"),
    "missing-author-name": (lambda c: _drop(c, "authors", 1, "name"), "authors.jsonl:2", "name"),
    "unknown-section": (lambda c: _edit(c, "articles", 1, section_id=99), "articles.jsonl:2", "section_id"),
    "unknown-category": (lambda c: _edit(c, "articles", 6, category_id=7), "articles.jsonl:7", "category_id"),
    "unknown-author": (lambda c: _edit(c, "articles", 7, author_ids=[1, 42]), "articles.jsonl:8", "42"),
    "unknown-lead-image": (lambda c: _edit(c, "articles", 0, lead_image_id=6), "articles.jsonl:1",
                           "lead_image_id"),
    "duplicate-slug": (lambda c: _edit(c, "articles", 6, slug="article-1"), "articles.jsonl:7", "article-1"),
    "duplicate-section-slug": (lambda c: _edit(c, "sections", 1, slug="the-peninsula"), "sections.jsonl:2",
                               "the-peninsula"),
    "duplicate-id": (lambda c: _edit(c, "categories", 2, id=1), "categories.jsonl:3", "id"),
    "published-without-date": (lambda c: _edit(c, "articles", 9, published_at=None), "articles.jsonl:10",
                               "published_at"),
    "naive-published-at": (lambda c: _edit(c, "articles", 10, published_at="2022-02-02T02:02:02"),
                           "articles.jsonl:11", "published_at"),
    "unparseable-published-at": (lambda c: _edit(c, "articles", 10, published_at="last Tuesday"),
                                 "articles.jsonl:11", "published_at"),
    "unknown-status": (lambda c: _edit(c, "articles", 11, status="live"), "articles.jsonl:12", "status"),
    "wrong-type": (lambda c: _edit(c, "images", 3, width="800"), "images.jsonl:4", "width"),
    "focal-point-outside-image": (lambda c: _edit(c, "images", 1, focal_point=[1.5, 0.5]), "images.jsonl:2",
                                  "focal_point"),
}  # fmt: skip


@pytest.mark.parametrize(("spoil", "where", "mentions"), list(BAD.values()), ids=list(BAD))
def test_bad_record_is_refused_naming_its_file_and_line(
    cms: Any, gql: GraphQLClient, tmp_path: Path, spoil: Any, where: str, mentions: str
) -> None:
    corpus = sample()
    spoil(corpus)
    result = cms("import", str(write_corpus(tmp_path / "corpus", corpus)))
    refused(result)
    assert says(result, where), result.output
    assert says(result, mentions), result.output
    assert counts(gql) == {"articles": 0, "sections": 0, "categories": 0, "authors": 0}


@pytest.mark.parametrize(
    ("line", "where"),
    [
        ("{not json", "articles.jsonl:13"),
        ('["a", "list"]', "articles.jsonl:13"),
        ('{"id": 13', "articles.jsonl:13"),
    ],
    ids=["invalid-json", "not-an-object", "truncated"],
)
def test_line_that_is_not_a_json_object_is_refused(
    cms: Any, gql: GraphQLClient, tmp_path: Path, line: str, where: str
) -> None:
    folder = write_corpus(tmp_path / "corpus")
    with (folder / "articles.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
    result = cms("import", str(folder))
    refused(result)
    assert says(result, where)
    assert counts(gql) == {"articles": 0, "sections": 0, "categories": 0, "authors": 0}


def test_corpus_missing_a_file_is_refused(cms: Any, gql: GraphQLClient, tmp_path: Path) -> None:
    folder = write_corpus(tmp_path / "corpus")
    (folder / "images.jsonl").unlink()
    result = cms("import", str(folder))
    refused(result)
    assert says(result, "images.jsonl")
    assert counts(gql) == {"articles": 0, "sections": 0, "categories": 0, "authors": 0}


def test_path_that_is_not_a_folder_is_refused(cms: Any, gql: GraphQLClient, tmp_path: Path) -> None:
    folder = write_corpus(tmp_path / "corpus")
    for path in (folder / "articles.jsonl", tmp_path / "nowhere"):
        result = cms("import", str(path))
        refused(result)
        assert says(result, "not a folder")
        assert says(result, path.name)
    assert counts(gql) == {"articles": 0, "sections": 0, "categories": 0, "authors": 0}


def test_bad_corpus_leaves_earlier_content_untouched(cms: Any, gql: GraphQLClient, tmp_path: Path) -> None:
    corpus = sample()
    imported(cms, write_corpus(tmp_path / "v1", corpus))
    corpus["articles"][0]["title"] = "Renamed"
    corpus["sections"][0]["name"] = "Renamed section"
    corpus["articles"][11]["published_at"] = "2021-12-31 23:59:59"  # no time zone: the last line is bad
    result = cms("import", str(write_corpus(tmp_path / "v2", corpus)))
    refused(result)
    assert says(result, "articles.jsonl:12")
    assert article(gql, "article-1")["title"] == "Sanctions bite"  # type: ignore[index]
    assert gql.data('{ section(slug: "the-peninsula") { name } }')["section"]["name"] == "The Peninsula"


def test_record_too_long_for_the_database_is_refused_naming_its_line(
    cms: Any, gql: GraphQLClient, tmp_path: Path
) -> None:
    corpus = sample()
    corpus["articles"][4]["slug"] = "s" * 300
    result = cms("import", str(write_corpus(tmp_path / "corpus", corpus)))
    refused(result)
    assert says(result, "articles.jsonl:5")
    assert counts(gql) == {"articles": 0, "sections": 0, "categories": 0, "authors": 0}


# Untrusted bodies

HOSTILE_BODY = (
    "<p>Safe text.</p>"
    "<script>alert('script')</script>"
    '<img src="x" onerror="alert(1)">'
    '<a href="javascript:alert(2)">click</a>'
    '<a href="JaVaScRiPt:alert(3)">again</a>'
    '<p onclick="alert(4)" style="color:red">Styled.</p>'
    '<iframe src="https://evil.example/"></iframe>'
    "<style>body{display:none}</style>"
    '<svg onload="alert(5)"></svg>'
    '<a href="https://example.org/ok">fine link</a>'
)


def test_imported_bodies_are_sanitised(cms: Any, gql: GraphQLClient, tmp_path: Path) -> None:
    corpus = sample()
    corpus["articles"][0]["body"] = HOSTILE_BODY
    imported(cms, write_corpus(tmp_path / "corpus", corpus))
    body = article(gql, "article-1")["bodyHtml"]  # type: ignore[index]
    lowered = body.lower()
    for bad in (
        "<script",
        "onerror",
        "javascript:",
        "onclick",
        "<iframe",
        "<style",
        "<svg",
        "onload",
        "style=",
    ):
        assert bad not in lowered, (bad, body)
    assert "<p>Safe text.</p>" in body
    assert 'href="https://example.org/ok"' in body
    exported = tmp_path / "out"
    assert cms("export", "--format", "corpus", str(exported)).exit_code == 0
    assert "<script" not in (exported / "articles.jsonl").read_text(encoding="utf-8").lower()


# The demo


def _lead_licences(gql: GraphQLClient) -> set[str]:
    data = gql.data(
        "{ articles(first: 100) { edges { node { leadImage { credit { license { code } } } } } } }"
    )
    return {
        edge["node"]["leadImage"]["credit"]["license"]["code"]
        for edge in data["articles"]["edges"]
        if edge["node"]["leadImage"] is not None
    }


def test_demo_loads_a_varied_publication(cms: Any, gql: GraphQLClient) -> None:
    result = cms("demo")
    assert result.exit_code == 0, result.output
    found = counts(gql)
    assert found["sections"] >= 2
    assert found["categories"] >= 2
    assert found["authors"] >= 2
    assert found["articles"] >= 10
    assert len(_lead_licences(gql)) >= 5
    assert (
        gql.data('{ search(query: "sanctions OR tariffs OR semiconductors") { totalCount } }')["search"][
            "totalCount"
        ]
        > 0
    )


def test_demo_twice_does_not_duplicate(cms: Any, gql: GraphQLClient) -> None:
    assert cms("demo").exit_code == 0
    before = counts(gql)
    slugs = public_slugs(gql)
    again = cms("demo")
    assert again.exit_code == 0, again.output
    assert says(again, "already")
    assert counts(gql) == before
    assert public_slugs(gql) == slugs


def test_demo_forced_again_does_not_duplicate(cms: Any, gql: GraphQLClient) -> None:
    assert cms("demo").exit_code == 0
    before = counts(gql)
    forced = cms("demo", "--force")
    assert forced.exit_code == 0, forced.output
    assert counts(gql) == before


def test_error_messages_print_square_brackets_as_text(cms: Any, tmp_path: Path) -> None:
    """The console reads "[x, y]" as a style unless messages are escaped; it must print as written."""
    corpus = sample()
    _edit(corpus, "images", 1, focal_point=[1.5, 0.5])
    result = cms("import", str(write_corpus(tmp_path / "corpus", corpus)))
    refused(result)
    assert says(result, "`focal_point` must be [x, y] with both between 0 and 1"), result.output


def test_imported_public_articles_are_not_announced_again(cms: Any, db: Database, tmp_path: Path) -> None:
    """The import's create changes already say which articles are public: the clock announces only
    the scheduled one, when its time comes, and the first read after an import stays cheap."""
    imported(cms, write_corpus(tmp_path / "corpus"))
    with db.connect() as conn:
        rows = conn.execute(text("SELECT slug, announced FROM article WHERE state = 'published'")).all()
    announced = {slug for slug, flag in rows if flag}
    assert announced == PUBLIC_SLUGS
    assert {slug for slug, flag in rows if not flag} == {"article-5"}  # scheduled for 2099


# Large imports: bodies sanitised in a helper process, search indexed in one pass


def test_an_import_with_a_helper_process_stores_what_one_without_stores(
    db: Database, gql: GraphQLClient, tmp_path: Path
) -> None:
    from cms.services.corpus import read
    from cms.services.importer import import_corpus
    from cms.services.text import derive_bodies

    corpus = sample()
    corpus["articles"][2]["body"] = "<p>Hostile <script>alert(1)</script><img src=x onerror=y> &amp; fine</p>"
    folder = write_corpus(tmp_path / "corpus", corpus)
    with db.write() as session:
        report = import_corpus(session, read(folder), helper_process=True, batch_size=3)
    assert report.created["article"] == len(ARTICLES)
    expected = dict(zip((r["slug"] for r in corpus["articles"]),
                        derive_bodies([r["body"] for r in corpus["articles"]]), strict=True))  # fmt: skip
    with db.connect() as conn:
        stored = conn.execute(text("SELECT slug, body_html, body_text, reading_time_minutes FROM article"))
        assert {slug: (html, body, minutes) for slug, html, body, minutes in stored} == expected
    assert "script" not in expected[corpus["articles"][2]["slug"]][0]
    data = gql.data('{ search(query: "sanctions") { totalCount edges { node { slug } } } }')
    assert [edge["node"]["slug"] for edge in data["search"]["edges"]] == ["article-1"]


def test_a_refused_import_leaves_search_indexing_new_articles(
    cms: Any, gql: GraphQLClient, seed: Any, tmp_path: Path
) -> None:
    corpus = sample()
    corpus["articles"][-1]["published_at"] = "2021-12-31 23:59:59"  # no time zone: the last line is bad
    refused(cms("import", str(write_corpus(tmp_path / "bad", corpus))))
    seed.article("Zebra crossings in Incheon")
    data = gql.data('{ search(query: "zebra") { totalCount } }')
    assert data["search"]["totalCount"] == 1


def test_a_bad_line_found_by_the_helper_process_refuses_the_whole_import(
    db: Database, gql: GraphQLClient, tmp_path: Path
) -> None:
    from cms.errors import BadInput
    from cms.services.corpus import read
    from cms.services.importer import import_corpus

    corpus = sample()
    corpus["articles"][7]["published_at"] = "2021-12-31 23:59:59"  # no time zone, in the third batch
    folder = write_corpus(tmp_path / "corpus", corpus)
    with pytest.raises(BadInput, match=r"articles\.jsonl:8"), db.write() as session:
        import_corpus(session, read(folder), helper_process=True, batch_size=3)
    assert counts(gql)["articles"] == 0
