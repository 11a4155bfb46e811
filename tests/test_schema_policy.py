"""Schema policy: frontends pin to our schema, so a breaking change never ships unannounced.

The schema the code defines is compared with `schema/released.graphql` (the schema of the
latest release) by graphql-core's `find_breaking_changes`. Each breaking change must be
announced in CHANGELOG.md's Unreleased section by a line that starts with `- BREAKING:`
and names its schema coordinate in backticks, such as `Article.summary`,
`Query.articles(first:)` or `ArticleOrder.TITLE_ASC`. Dangerous changes (a new enum value,
a changed default) are printed for information. At a release, schema/schema.graphql is
copied to schema/released.graphql and the Unreleased section gets the version's name.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import BreakingChange, BreakingChangeType, build_schema, find_breaking_changes
from graphql import find_dangerous_changes as find_dangerous

from cms.graphql.schema import sdl

ROOT = Path(__file__).resolve().parent.parent
RELEASED = ROOT / "schema" / "released.graphql"
CHANGELOG = ROOT / "CHANGELOG.md"

# Schema coordinates, as in the GraphQL spec's proposal: Type.field, Type.field(arg:),
# Enum.VALUE, Input.field, @directive, @directive(arg:).
_MEMBER = re.compile(
    r"@?[_A-Za-z]\w*\.[_A-Za-z]\w*(?:\([_A-Za-z]\w*:\))?|@[_A-Za-z]\w*(?:\([_A-Za-z]\w*:\))?"
)


def coordinate(change: BreakingChange) -> str:
    """The schema element a breaking change is about, read from graphql-core's description."""
    text = change.description
    if member := _MEMBER.search(text):
        return member.group()
    if change.type is BreakingChangeType.TYPE_REMOVED_FROM_UNION:
        found = re.search(r"union type (\w+)", text)
        assert found, text
        return found.group(1)
    found = re.match(r"(?:Standard scalar )?(\w+)", text)  # a type removed, changed or no longer implementing
    assert found, text
    return found.group(1)


def unreleased(changelog: str) -> str:
    """The text of the Unreleased section: from its heading to the next version's."""
    match = re.search(
        r"^## \[Unreleased\][^\n]*\n(.*?)(?=^## |\Z)", changelog, flags=re.MULTILINE | re.DOTALL
    )
    return match.group(1) if match else ""


def announced(changelog: str) -> set[str]:
    """Coordinates named in backticks on the Unreleased section's `- BREAKING:` lines."""
    lines = [line.strip() for line in unreleased(changelog).splitlines()]
    return {
        name for line in lines if line.startswith("- BREAKING:") for name in re.findall(r"`([^`]+)`", line)
    }


def unannounced(released_sdl: str, current_sdl: str, changelog: str) -> list[str]:
    """For each breaking change the changelog does not announce, the line to add."""
    names = announced(changelog)
    changes = find_breaking_changes(build_schema(released_sdl), build_schema(current_sdl))
    return [f"- BREAKING: `{coordinate(c)}`: {c.description}" for c in changes if coordinate(c) not in names]


def test_the_schema_breaks_nothing_the_changelog_does_not_announce() -> None:
    released, current = RELEASED.read_text(encoding="utf-8"), sdl()
    for change in find_dangerous(build_schema(released), build_schema(current)):
        print(f"dangerous (allowed, worth a line in CHANGELOG.md): {change.description}")
    missing = unannounced(released, current, CHANGELOG.read_text(encoding="utf-8"))
    assert not missing, (
        "The schema breaks clients pinned to schema/released.graphql. Deprecate first with "
        "@deprecated(reason: ...) where you can; to break anyway, add these lines under "
        "## [Unreleased] in CHANGELOG.md:\n" + "\n".join(missing)
    )


def test_the_released_schema_and_the_changelog_are_in_shape() -> None:
    build_schema(RELEASED.read_text(encoding="utf-8"))  # parses and validates
    changelog = CHANGELOG.read_text(encoding="utf-8")
    assert re.search(r"^## \[Unreleased\]$", changelog, flags=re.MULTILINE)
    versions = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$", changelog, flags=re.MULTILINE)
    assert versions, "no released version in CHANGELOG.md"
    project = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), flags=re.MULTILINE)
    assert project is not None
    assert versions[0] == project.group(1), "the latest release in CHANGELOG.md is not pyproject's version"


# The test of the test: a real breaking change in a modified SDL must fail it.

BASE = """
type Query { articles(first: Int, filter: Filter): [Article!]! node(id: ID!): Node  search: Result }
interface Node { id: ID! }
type Article implements Node { id: ID! title: String! summary: String! order: Order }
type Author implements Node { id: ID! name: String! }
union Result = Article | Author
input Filter { section: String }
enum Order { NEWEST OLDEST TITLE }
type Legacy { x: Int }
"""
BREAKS = {
    "field removed": ("summary: String! ", "", "Article.summary"),
    "field made nullable": ("title: String!", "title: String", "Article.title"),
    "argument made required": ("articles(first: Int,", "articles(first: Int!,", "Query.articles(first:)"),
    "argument removed": ("first: Int, filter: Filter", "first: Int", "Query.articles(filter:)"),
    "required argument added": ("node(id: ID!)", "node(id: ID!, kind: String!)", "Query.node(kind:)"),
    "enum value removed": ("NEWEST OLDEST TITLE", "NEWEST OLDEST", "Order.TITLE"),
    "required input field added": ("section: String }", "section: String year: Int! }", "Filter.year"),
    "union member removed": ("union Result = Article | Author", "union Result = Article", "Result"),
    "interface dropped": ("type Author implements Node {", "type Author {", "Author"),
    "type removed": ("type Legacy { x: Int }\n", "", "Legacy"),
}  # fmt: skip
CHANGELOG_WITH = """# Changelog

## [Unreleased]

### Removed

{line}

## [0.1.0] - 2026-12-01

- BREAKING: `Article.title` made nullable (an old entry: it does not announce anything now).
"""


def broken(what: str) -> tuple[str, str]:
    old, new, name = BREAKS[what]
    assert old in BASE, what
    return BASE.replace(old, new), name


@pytest.mark.parametrize("what", list(BREAKS))
def test_a_breaking_change_fails_until_the_changelog_announces_it(what: str) -> None:
    modified, name = broken(what)
    missing = unannounced(BASE, modified, CHANGELOG_WITH.format(line="- Nothing breaking."))
    assert missing, f"{what} was not caught"
    assert any(line.startswith(f"- BREAKING: `{name}`: ") for line in missing), missing
    announcement = CHANGELOG_WITH.format(line=f"- BREAKING: `{name}` ({what}); see the upgrade notes.")
    assert unannounced(BASE, modified, announcement) == []


def test_an_announcement_must_name_the_exact_coordinate_in_the_unreleased_section() -> None:
    modified, _ = broken("field made nullable")
    assert unannounced(BASE, modified, CHANGELOG_WITH.format(line="- BREAKING: `Article` changed.")), (
        "too loose"
    )
    assert unannounced(BASE, modified, CHANGELOG_WITH.format(line="- Article.title is nullable.")), (
        "no marker"
    )
    assert unannounced(BASE, modified, CHANGELOG_WITH.format(line="- Changed `Article.title`.")), "no marker"
    # The 0.1.0 entry names Article.title too, but only Unreleased announces what ships next.
    assert unannounced(BASE, modified, CHANGELOG_WITH.format(line="")), "read beyond Unreleased"


@pytest.mark.parametrize(
    "change",
    [
        "type Article implements Node { id: ID! title: String! summary: String! order: Order slug: String }",
        'type Article implements Node { id: ID! title: String! summary: String! @deprecated(reason: "Use '
        'excerpt.") order: Order }',
        "type Article implements Node { id: ID! title: String! summary: String! order: Order }\n"
        "type Extra { x: Int }",
    ],
    ids=["field added", "field deprecated", "type added"],
)
def test_additions_and_deprecations_break_nothing(change: str) -> None:
    original = "type Article implements Node { id: ID! title: String! summary: String! order: Order }"
    assert unannounced(BASE, BASE.replace(original, change), CHANGELOG_WITH.format(line="")) == []


def test_dangerous_changes_are_reported_but_allowed() -> None:
    modified = BASE.replace("NEWEST OLDEST TITLE", "NEWEST OLDEST TITLE RELEVANCE")
    assert [c.description for c in find_dangerous(build_schema(BASE), build_schema(modified))]
    assert unannounced(BASE, modified, CHANGELOG_WITH.format(line="")) == []
