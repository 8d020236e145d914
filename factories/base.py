"""The psycopg-backed factory base: bind a connection, INSERT ... RETURNING *, get a Row back."""

from __future__ import annotations

import contextlib
import contextvars
import logging
import weakref
import zlib
from collections.abc import Iterator
from typing import Any, ClassVar

import factory
import factory.base
import factory.random
import psycopg
from psycopg import sql
from psycopg.rows import dict_row, tuple_row
from psycopg.types.json import Jsonb

from factories.providers import HyroxProvider

#: Pass as a value to insert the column's SQL ``DEFAULT`` (e.g. ``athlete_id=DEFAULT``
#: while acting as an athlete, so the column default private.current_athlete_id() applies).
DEFAULT = sql.DEFAULT

_connection: contextvars.ContextVar[psycopg.Connection[Any] | None] = contextvars.ContextVar(
    "factories_connection", default=None
)
# (schema, table) -> names of its json/jsonb columns; the schema is fixed for a run.
_json_columns: dict[tuple[str, str], frozenset[str]] = {}
# connection -> (schema, table) -> its column names, or None when the table does not exist.
_columns: weakref.WeakKeyDictionary[
    psycopg.Connection[Any], dict[tuple[str, str], frozenset[str] | None]
] = weakref.WeakKeyDictionary()
log = logging.getLogger("factories")


class Trait(factory.Trait):
    """``factory.Trait`` whose flag is also declared, ``False`` unless the caller sets it.

    factory_boy decides a trait by looking its flag up with a default; an undeclared flag
    makes that lookup raise an AttributeError whose message formats every value and
    declaration of the row being built, once per field the trait overrides, on every build.
    Declaring the flag (``Parameter.as_declarations``, factory_boy's hook for custom
    parameters) makes the lookup succeed: same rows, about a third less factory time.
    A parameter never reaches the INSERT (factory_boy drops ``Params`` from the kwargs).
    """

    def as_declarations(self, field_name: str, declarations: dict[str, Any]) -> dict[str, Any]:
        return {field_name: False, **super().as_declarations(field_name, declarations)}


class Row(dict[str, Any]):
    """A row as returned by the database: a dict whose keys also read as attributes."""

    def __getattr__(self, name: str) -> Any:  # noqa: ANN401 - a row holds any column type
        """Return the column ``name`` (so ``SelfAttribute('athlete.id')`` works on rows)."""
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class FactoryNotBoundError(RuntimeError):
    """A factory was asked to create a row while no connection is bound."""


@contextlib.contextmanager
def bind(conn: psycopg.Connection[Any]) -> Iterator[psycopg.Connection[Any]]:
    """Bind ``conn`` for every factory created inside the block (restores the previous one)."""
    token = _connection.set(conn)
    try:
        yield conn
    finally:
        _connection.reset(token)


def connection() -> psycopg.Connection[Any]:
    """Return the bound connection or raise FactoryNotBoundError."""
    conn = _connection.get()
    if conn is None:
        raise FactoryNotBoundError(
            "no connection bound: wrap the calls in `with factories.bind(conn):` "
            "(the `factories_bound` fixture does it for a test)"
        )
    return conn


def plain(value: Any, fallback: Any) -> Any:  # noqa: ANN401 - any column value
    """``value`` unless it is NULL or DEFAULT: then ``fallback`` (for derived attributes)."""
    return fallback if value is None or isinstance(value, sql.Composable) else value


def derive_seed(seed: int, key: str) -> int:
    """Mix ``key`` (e.g. a pytest node id) into ``seed``: stable across runs and processes."""
    return (seed * 1_000_003 + zlib.crc32(key.encode())) % 2**32


def reseed(seed: int) -> None:
    """Reseed factory-boy and Faker, and restart every factory sequence, for a replayable run."""
    factory.random.reseed_random(seed)
    for cls in _all_subclasses(PgFactory):
        if not cls._meta.abstract:
            cls.reset_sequence(force=True)


def _all_subclasses(cls: type) -> Iterator[type[PgFactory]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def _split_table(table: str) -> tuple[str, str]:
    schema, _, name = table.rpartition(".")
    return (schema or "public", name)


def json_columns(conn: psycopg.Connection[Any], table: str) -> frozenset[str]:
    """Names of the json/jsonb columns of ``table`` (cached: their values get wrapped in Jsonb)."""
    key = _split_table(table)
    if key not in _json_columns:
        with conn.cursor(row_factory=tuple_row) as cur:
            cur.execute(
                """
                select a.attname
                from pg_attribute as a
                join pg_class as c on c.oid = a.attrelid
                join pg_namespace as n on n.oid = c.relnamespace
                where n.nspname = %s and c.relname = %s and a.attnum > 0
                  and not a.attisdropped and a.atttypid in ('json'::regtype, 'jsonb'::regtype)
                """,
                key,
            )
            _json_columns[key] = frozenset(r[0] for r in cur.fetchall())
    return _json_columns[key]


def table_columns(
    conn: psycopg.Connection[Any], table: str, *, refresh: bool = False
) -> frozenset[str] | None:
    """The column names of ``table`` in the database ``conn`` is connected to, or None when it
    has no such table (yet: the upgrade test fills the database at N-1). Cached per
    connection; ``refresh`` reads the catalog again."""
    key = _split_table(table)
    cache = _columns.setdefault(conn, {})
    if refresh or key not in cache:
        with conn.cursor(row_factory=tuple_row) as cur:
            cur.execute(
                "select array_agg(attname::text) from pg_attribute where attrelid ="
                " to_regclass(format('%%I.%%I', %s::text, %s::text))"
                " and attnum > 0 and not attisdropped",
                key,
            )
            row = cur.fetchone()
        cache[key] = frozenset(row[0]) if row and row[0] is not None else None
    return cache[key]


def present_values(
    conn: psycopg.Connection[Any], table: str, values: dict[str, Any]
) -> dict[str, Any] | None:
    """``values`` without the columns ``table`` does not have here, or None when the table
    itself is missing; each left-out column or table is logged with the reason."""
    columns = table_columns(conn, table)
    if columns is None or not set(values) <= columns:
        columns = table_columns(conn, table, refresh=True)  # created since it was cached?
    if columns is None:
        log.warning(
            "factories: %s does not exist in this database (a later migration creates it);"
            " its row is skipped",
            table,
        )
        return None
    missing = sorted(set(values) - columns)
    for column in missing:
        log.warning(
            "factories: %s.%s does not exist in this database (a later migration adds it);"
            " left out of the insert",
            table,
            column,
        )
    return {c: v for c, v in values.items() if c in columns}


def insert_row(
    conn: psycopg.Connection[Any],
    table: str,
    values: dict[str, Any],
    conflict_target: tuple[str, ...] = (),
) -> Row:
    """INSERT one row into ``table`` (``schema.name``) and return it as stored (RETURNING *).

    With ``conflict_target``, an existing row with the same key is returned unchanged
    instead (get-or-create).
    """
    schema, name = _split_table(table)
    ident = sql.Identifier(schema, name)
    jsonish = json_columns(conn, table)
    params: list[Any] = []
    placeholders: list[sql.Composable] = []
    for column, value in values.items():
        if isinstance(value, sql.Composable):
            placeholders.append(value)
            continue
        params.append(Jsonb(value) if column in jsonish and value is not None else value)
        placeholders.append(sql.Placeholder())
    if values:
        query = sql.SQL("insert into {} ({}) values ({})").format(
            ident,
            sql.SQL(", ").join(sql.Identifier(c) for c in values),
            sql.SQL(", ").join(placeholders),
        )
    else:
        query = sql.SQL("insert into {} default values").format(ident)
    if conflict_target:
        query += sql.SQL(" on conflict ({}) do nothing").format(
            sql.SQL(", ").join(sql.Identifier(c) for c in conflict_target)
        )
    query += sql.SQL(" returning *")
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query, params)
        row = cur.fetchone()
        if row is None:  # conflict: fetch the existing row by its key
            cur.execute(
                sql.SQL("select * from {} where {}").format(
                    ident,
                    sql.SQL(" and ").join(
                        sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder())
                        for c in conflict_target
                    ),
                ),
                [values[c] for c in conflict_target],
            )
            row = cur.fetchone()
    assert row is not None, f"insert into {table} returned no row"
    return Row(row)


class PgOptions(factory.base.FactoryOptions):
    """Factory options plus ``table`` (``schema.name``) and ``conflict_target`` (get-or-create)."""

    def _build_default_options(self) -> list[factory.base.OptionDefault]:
        return [
            *super()._build_default_options(),
            factory.base.OptionDefault("table", None, inherit=True),
            factory.base.OptionDefault("conflict_target", (), inherit=True),
        ]


class PgFactory(factory.Factory):
    """Base of every table factory: ``create()`` INSERTs ... RETURNING * and returns a Row.

    Subclasses set ``Meta.table``; ``build()`` returns the unsaved values as a Row.
    """

    _options_class: ClassVar[type[factory.base.FactoryOptions]] = PgOptions

    class Meta:
        abstract = True
        model = Row

    @classmethod
    def _create(cls, model_class: type[Row], *args: Any, **kwargs: Any) -> Row:  # noqa: ANN401
        table = cls._meta.table
        if table is None:
            raise TypeError(f"{cls.__name__} has no Meta.table")
        conn = connection()
        values = present_values(conn, table, kwargs)
        if values is None:  # the table does not exist (yet): the unsaved values
            return model_class(kwargs)
        return insert_row(conn, table, values, cls._meta.conflict_target)

    @classmethod
    def table(cls) -> str:
        """The ``schema.name`` this factory writes."""
        return str(cls._meta.table)


# factory.Faker("hyrox_...") works in every factory module.
factory.Faker.add_provider(HyroxProvider)
