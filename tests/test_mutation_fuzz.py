"""Property test: no input to any mutation gives INTERNAL_SERVER_ERROR or a 5xx.

Inputs are generated from the schema itself (every mutation, every argument, nested input types),
with hostile strings (control characters, NUL-free unicode, huge text, SQL and HTML), extreme
numbers and forged IDs, and sent as variables by an admin, so that validation, not permission,
is what each input meets. Fixed seed, capped examples: the same run every time.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cms.db import Database
from cms.graphql.schema import build_schema
from cms.settings import Settings
from tests.factories import Seeder
from tests.test_editorial_api import AuthClient, token_for

SCHEMA = build_schema(Settings())._schema
MUTATIONS = sorted(name for name in SCHEMA.mutation_type.fields if name != "uploadImage")  # type: ignore[union-attr]

_HOSTILE = st.sampled_from(
    [
        "", " ", "x" * 20_000, "javascript:alert(1)", "<script>alert(1)</script>", "' OR 1=1 --",
        "\u202e\u05d0", "😀" * 300, "\x01\x02\x1f", "%00", "../../etc/passwd", "https://example.org/a",
        "mailto:a@b.c",
        "2026-13-45T99:99:99Z", "[" * 5000, "the-peninsula", "jane", "site",
    ]
)  # fmt: skip
_TEXT = st.one_of(_HOSTILE, st.text(alphabet=st.characters(blacklist_characters="\x00"), max_size=200))
_INT = st.one_of(st.integers(min_value=-(2**31), max_value=2**31 - 1), st.sampled_from([0, -1, 1, 2**31 - 1]))
_IDS = st.one_of(
    _TEXT,
    st.builds(
        lambda t, n: base64.b64encode(f"{t}:{n}".encode()).decode(),
        st.sampled_from(
            ["Article", "Image", "Author", "Section", "Category", "Partner", "Webhook", "Revision", "X"]
        ),
        st.one_of(st.integers(min_value=-5, max_value=50), st.just(2**70), st.just(2**31)),
    ),
)


def _value(type_: GraphQLInputType, depth: int = 0) -> st.SearchStrategy[Any]:
    if isinstance(type_, GraphQLNonNull):
        return _value(type_.of_type, depth)
    nullable = st.none()
    if isinstance(type_, GraphQLList):
        return st.one_of(nullable, st.lists(_value(type_.of_type, depth + 1), max_size=4))
    if isinstance(type_, GraphQLEnumType):
        return st.one_of(nullable, st.sampled_from(list(type_.values)))
    if isinstance(type_, GraphQLInputObjectType):
        fields = {name: _value(f.type, depth + 1) for name, f in type_.fields.items()}
        return st.one_of(nullable, st.fixed_dictionaries({}, optional=fields)) if depth < 3 else nullable
    assert isinstance(type_, GraphQLScalarType)
    scalar = {
        "String": _TEXT, "ID": _IDS, "Int": _INT, "Boolean": st.booleans(),
        "Float": st.floats(allow_nan=False, allow_infinity=False, width=32), "DateTime": _TEXT,
        "JSON": st.none(),
    }.get(type_.name, _TEXT)  # fmt: skip
    return st.one_of(nullable, scalar)


def _document(name: str) -> str:
    field = SCHEMA.mutation_type.fields[name]  # type: ignore[union-attr]
    variables = ", ".join(f"${arg}: {spec.type}" for arg, spec in field.args.items())
    arguments = ", ".join(f"{arg}: ${arg}" for arg in field.args)
    call = f"{name}({arguments})" if arguments else name
    selection = "{ __typename }"
    header = f"mutation Fuzz({variables})" if variables else "mutation Fuzz"
    return f"{header} {{ {call} {selection} }}"


@pytest.mark.parametrize("name", MUTATIONS)
def test_no_input_to_a_mutation_is_a_server_error(name: str, client: Any, db: Database, seed: Seeder) -> None:
    seed.author("Jane Example", slug="jane")
    seed.section("The Peninsula", slug="the-peninsula")
    seed.article("An article", author_ids=[1])
    admin = AuthClient(client, token_for(db, "admin"))
    document = _document(name)
    field = SCHEMA.mutation_type.fields[name]  # type: ignore[union-attr]
    arguments = st.fixed_dictionaries({arg: _value(spec.type) for arg, spec in field.args.items()})

    @settings(
        max_examples=25, derandomize=True, deadline=None, database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )  # fmt: skip
    @given(arguments)
    def attack(variables: dict[str, Any]) -> None:
        response = admin.post(document, variables)
        assert response.status_code < 500, (name, variables, response.text[:500])
        body = response.json()
        codes = [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
        assert "INTERNAL_SERVER_ERROR" not in codes, (name, variables, body)

    attack()
