"""Drift checks: the published SDL, the migrations and the documentation follow the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import build_schema, print_schema
from sqlalchemy import create_engine, inspect

from cms.graphql.schema import sdl
from cms.migrate import check
from cms.settings import DOCUMENTATION, setting_names

ROOT = Path(__file__).resolve().parent.parent


def test_committed_schema_matches_the_code() -> None:
    committed = (ROOT / "schema" / "schema.graphql").read_text(encoding="utf-8")
    assert committed == sdl(), "schema/schema.graphql is stale: run `make schema` and commit it"


@pytest.mark.parametrize(
    "name",
    [
        "type Article implements Node",
        "articles(first: Int",
        "search(query: String!",
        "type Credit",
        "type License",
        "totalCount: Int!",
        "type SearchEdge",
        "facets: SearchFacets!",
        "stats: Stats!",
        "node(id: ID!): Node",
        "enum ArticleOrder",
        "enum ArticleStatus",
        "type PageInfo",
    ],
)
def test_schema_keeps_the_contract_names(name: str) -> None:
    assert name in terse_sdl()


def terse_sdl() -> str:
    """The SDL without descriptions, which keeps each field's arguments on one line."""
    schema = build_schema(sdl())
    for type_ in schema.type_map.values():
        type_.description = None
        for field in (getattr(type_, "fields", None) or {}).values():
            field.description = None
            for argument in (getattr(field, "args", None) or {}).values():
                argument.description = None
        for value in (getattr(type_, "values", None) or {}).values():
            value.description = None
    return print_schema(schema)


def test_migrations_build_exactly_the_tables_in_the_code(database_url: str) -> None:
    check(database_url)  # raises when autogenerate would find differences


def test_migrations_create_search_structures(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        inspector = inspect(engine)
        if engine.dialect.name == "sqlite":
            assert "article_fts" in inspector.get_table_names()
        else:
            assert "article_search" in inspector.get_table_names()
            assert "search_vector" not in {c["name"] for c in inspector.get_columns("article")}
    finally:
        engine.dispose()


def test_every_setting_is_documented_in_code_and_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert set(setting_names()) == set(DOCUMENTATION)
    for name in setting_names():
        assert re.search(rf"`{name}`", readme), f"{name} is not in the README's configuration table"


def test_every_cli_command_is_documented_in_the_readme() -> None:
    from typer.main import get_command

    from cms.cli import app

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    group = get_command(app)
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", None)
        for full in [f"{name} {sub}" for sub in subcommands] if subcommands else [name]:
            assert f"cms {full}" in readme, f"`cms {full}` is not documented in the README"
