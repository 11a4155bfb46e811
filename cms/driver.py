"""Hot read statements, compiled once per dialect and run on the driver's cursor.

SQLAlchemy's execution path costs some 60 µs a statement on the bench machine against a few
on the DB-API cursor (bench/RESULTS.md): an article page sends three, a list page four. The
read model's statements run here instead, and callers cannot tell the difference:

- compiled once per statement and dialect, with SQLAlchemy's own SQL, parameter names and
  type processors (a datetime bound and read back on SQLite exactly as ``conn.execute`` does);
- announced to ``before_cursor_execute`` listeners (the per-request statement count, tests);
- failing through the connection's own error handling: the same exception classes, and a
  dropped connection invalidated as after ``conn.execute``;
- answered as SQLAlchemy ``Row`` objects (attributes, ``_mapping``, tuple access).

Only what can be run exactly: a select whose columns have unique names, with at most one
expanding IN (given a non-empty list; an empty one goes through ``conn.execute``, which
renders the always-false condition). On PostgreSQL that IN is sent as ``= ANY(array)``: one
SQL text for every list length, which psycopg prepares once per connection.

Relies on SQLAlchemy internals (``Row``'s constructor, ``_result_columns``, compiled bind
processors, ``_handle_dbapi_exception``): pinned to its minor version in pyproject.toml, and
tests/test_driver.py compares every answer with ``conn.execute``'s.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVarTuple

from sqlalchemy import Connection, Dialect, Select
from sqlalchemy.engine import Row
from sqlalchemy.engine.result import SimpleResultMetaData

# How SQLAlchemy marks an expanding parameter in compiled SQL, with the IN around it.
_EXPANDING = re.compile(r"IN \(__\[POSTCOMPILE_(\w+)\]\)")
_PLANS_MAX = 2048
_RENDERED_MAX = 64  # per statement: IN lists of this many lengths keep their SQL text


class Unsupported(TypeError):
    """A statement this module cannot run exactly as SQLAlchemy would (a programming error)."""


@dataclass(slots=True)
class _Plan:
    statement: Select[*tuple[Any, ...]]  # held, so that its id is not reused while the plan is cached
    sql: str
    order: tuple[str, ...] | None  # parameter names in SQL order (qmark), or None (named)
    defaults: dict[str, Any]
    binds: list[tuple[str, Callable[[Any], Any]]]
    expanding: str | None
    element_bind: Callable[[Any], Any] | None
    metadata: SimpleResultMetaData
    key_to_index: dict[Any, int]
    types: list[Any]
    processors: list[Any] | None = None
    described: bool = False
    rendered: dict[int, str] = field(default_factory=dict)  # qmark SQL by IN list length


_plans: dict[tuple[int, str], _Plan] = {}
_Ts = TypeVarTuple("_Ts")


def rows(conn: Connection, statement: Select[*_Ts], params: Mapping[str, Any]) -> list[Row[*_Ts]]:
    """Every row of ``statement`` with ``params``, as ``list(conn.execute(statement, params))``."""
    plan = _plan(conn.dialect, statement)
    if plan.expanding is not None and not params.get(plan.expanding):
        return list(conn.execute(statement, dict(params)))
    if not conn.in_transaction():
        conn.begin()
    sql, args = _bound(plan, params)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        dispatch = conn.dispatch.before_cursor_execute
        if dispatch:
            dispatch(conn, cursor, sql, args, None, False)
        cursor.execute(sql, args)
        raw = cursor.fetchall()
        if not plan.described:
            _describe(plan, conn.dialect, cursor.description)
        cursor.close()
    except Exception as exc:
        conn._handle_dbapi_exception(exc, sql, args, cursor, None)
    metadata, processors, key_to_index = plan.metadata, plan.processors, plan.key_to_index
    return [Row(metadata, processors, key_to_index, r) for r in raw]


def first(conn: Connection, statement: Select[*_Ts], params: Mapping[str, Any]) -> Row[*_Ts] | None:
    """The first row, as ``conn.execute(statement, params).first()``; for statements that match
    one row at most (a key), since every row is fetched."""
    found = rows(conn, statement, params)
    return found[0] if found else None


def _plan(dialect: Dialect, statement: Select[*tuple[Any, ...]]) -> _Plan:
    key = (id(statement), dialect.name)
    plan = _plans.get(key)
    if plan is not None and plan.statement is statement:
        return plan
    if len(_plans) >= _PLANS_MAX:
        _plans.clear()
    plan = _plans[key] = _compile(dialect, statement)
    return plan


def _compile(dialect: Dialect, statement: Select[*tuple[Any, ...]]) -> _Plan:
    compiled: Any = statement.compile(dialect=dialect)
    keys = [column.keyname for column in compiled._result_columns]
    if len(set(keys)) != len(keys):
        raise Unsupported(f"columns with the same name cannot be read by name: {keys}")
    expanding = [bind for bind in compiled.binds.values() if bind.expanding]
    if len(expanding) > 1 or any(bind.literal_execute for bind in compiled.binds.values()):
        raise Unsupported("more than one expanding IN, or a literal rendered at execution")
    names = compiled.bind_names
    defaults = {names[bind]: bind.effective_value for bind in compiled.binds.values() if not bind.required}
    processors = compiled._bind_processors
    element = expanding[0] if expanding else None
    expanding_name = names[element] if element is not None else None
    sql = compiled.string
    if element is not None:
        found = _EXPANDING.findall(sql)
        if found != [expanding_name]:
            raise Unsupported(f"the expanding IN is not where it can be rendered: {sql}")
        if dialect.paramstyle == "pyformat":  # PostgreSQL: one text for any list length
            sql = _EXPANDING.sub(lambda m: f"= ANY(%({m.group(1)})s)", sql)
    order = tuple(compiled.positiontup) if compiled.positional else None
    if order is None and dialect.paramstyle != "pyformat":
        raise Unsupported(f"parameter style {dialect.paramstyle} is not supported")
    element_bind = None
    if element is not None:
        element_bind = element.type._cached_bind_processor(dialect)
    metadata = SimpleResultMetaData(keys)
    return _Plan(
        statement=statement,
        sql=sql,
        order=order,
        defaults=defaults,
        expanding=expanding_name,
        binds=[(name, fn) for name, fn in processors.items() if fn is not None and name != expanding_name],
        element_bind=element_bind,
        metadata=metadata,
        key_to_index=metadata._key_to_index,
        types=[column.type for column in compiled._result_columns],
    )


def _describe(plan: _Plan, dialect: Dialect, description: Sequence[Any] | None) -> None:
    """The columns' result processors, which may depend on the type the driver reports."""
    coltypes = [entry[1] for entry in description] if description else [None] * len(plan.types)
    found = [t._cached_result_processor(dialect, c) for t, c in zip(plan.types, coltypes, strict=True)]
    plan.processors = found if any(p is not None for p in found) else None
    plan.described = True


def _bound(plan: _Plan, params: Mapping[str, Any]) -> tuple[str, Any]:
    values = {**plan.defaults, **params}
    for name, process in plan.binds:
        if name in values:
            values[name] = process(values[name])
    expanding = plan.expanding
    if expanding is not None and plan.element_bind is not None:
        values[expanding] = [plan.element_bind(v) for v in values[expanding]]
    if plan.order is None:  # named (PostgreSQL): an expanding list goes as one array
        if expanding is not None:
            values[expanding] = list(values[expanding])
        return plan.sql, values
    if expanding is None:
        return plan.sql, tuple([values[name] for name in plan.order])
    items = values[expanding]
    args: list[Any] = []
    for name in plan.order:
        if name == expanding:
            args.extend(items)
        else:
            args.append(values[name])
    return _rendered(plan, len(items)), tuple(args)


def _rendered(plan: _Plan, length: int) -> str:
    sql = plan.rendered.get(length)
    if sql is None:
        if len(plan.rendered) >= _RENDERED_MAX:
            plan.rendered.clear()
        sql = plan.rendered[length] = _EXPANDING.sub(f"IN ({', '.join('?' * length)})", plan.sql)
    return sql
