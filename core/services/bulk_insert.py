"""Inserting a batch of already validated rows at the database's own speed (issue 11).

The ORM's bulk insert (``session.execute(insert(Unit), rows)``) spends most of an import's
time turning each dict into parameters: for 100,000 units it was three times the cost of
reading, checking and writing the file. Here each column's bind conversion is looked up once
per batch, Python-side column defaults are filled in once per batch, and the rows go to the
driver as plain tuples: PostgreSQL through ``COPY ... FROM STDIN`` (psycopg's ``copy``),
SQLite through one ``executemany``. Both run in the session's transaction, so a batch commits
with its checkpoint or not at all. Other databases use Core's executemany.

Only for rows that need no ORM behaviour (no events, no relationships, no region check at
flush): the importer checks the region scope itself.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import date
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    Table,
    any_,
    bindparam,
    func,
    insert,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

#: types whose equal values are the same value (not so: aware datetimes in two zones, Decimal
#: 1.0 and 1.00), so one conversion serves every equal value of a column
_BY_VALUE = frozenset({date, str, int, bool})


def _filled(table: Table, rows: Sequence[dict[str, Any]]
            ) -> tuple[list[str], list[list[Any]]]:
    """The column names and the columns' values (column by column)."""
    given = list(rows[0])
    getter = itemgetter(*given)
    if len(given) == 1:
        columns = [[getter(row) for row in rows]]
    else:
        columns = [list(values) for values in zip(*map(getter, rows), strict=True)]
    return given, columns


def _defaults(table: Table, names: list[str], columns: list[list[Any]], count: int) -> None:
    """Add the Python-side defaults of the columns not given (evaluated once for the
    batch)."""
    for column in table.columns:
        if column.key in names or column.primary_key or column.default is None:
            continue
        default = column.default
        if getattr(default, "is_scalar", False):
            value = default.arg  # type: ignore[attr-defined]
        elif getattr(default, "is_callable", False):
            value = default.arg(None)  # type: ignore[attr-defined]
        else:
            continue
        names.append(column.key)
        columns.append([value] * count)


def _convert(connection: Connection, table: Table, names: list[str],
             columns: list[list[Any]]) -> None:
    """Apply each column's bind conversion (type decorators, SQLite's date and timestamp
    text) in place, as Core would; a value repeated down a column is converted once."""
    dialect = connection.dialect
    for name, values in zip(names, columns, strict=True):
        # the dialect's own conversion, as Core's compiler uses it
        processor = table.c[name].type._cached_bind_processor(dialect)
        if processor is None:
            continue
        kinds = set(map(type, values))
        kinds.discard(type(None))
        if len(kinds) == 1 and kinds <= _BY_VALUE:  # each distinct value converted once
            converted = {value: processor(value) for value in set(values)}
            values[:] = map(converted.__getitem__, values)
            continue
        last_in: Any = object()
        last_out: Any = None
        for index, value in enumerate(values):
            if value is not last_in:
                last_in, last_out = value, processor(value)
            values[index] = last_out


def in_values(column: ColumnElement[Any], values: Collection[Any], dialect: str
              ) -> ColumnElement[bool]:
    """``column IN values`` with the values as one parameter (a JSON array on SQLite, an
    array on PostgreSQL): expanding thousands of bind parameters cost an import more than
    its duplicate check itself."""
    if dialect == "sqlite":
        return column.in_(select(literal_column("value"))
                          .select_from(func.json_each(json.dumps(list(values)))))
    if dialect == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(String)))
    return column.in_(list(values))


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in the session's
    transaction."""
    if not rows:
        return
    connection = session.connection()
    if not _fast(connection):
        connection.execute(insert(table), list(rows))
        return
    names, columns = _filled(table, rows)
    _insert(connection, table, names, columns)


def insert_columns(session: Session, table: Table, columns: dict[str, list[Any]]) -> None:
    """Insert rows given column by column (``{"body_code": [...], "sold_on": [...]}``, lists
    of one length) into ``table`` in the session's transaction: what an import builds
    without a dict per row. The lists may be changed."""
    names = list(columns)
    values = list(columns.values())
    count = len(values[0]) if values else 0
    if not count:
        return
    connection = session.connection()
    if not _fast(connection):
        connection.execute(insert(table), [dict(zip(names, row, strict=True))
                                           for row in zip(*values, strict=True)])
        return
    _insert(connection, table, names, values)


def _fast(connection: Connection) -> bool:
    backend = connection.dialect.name
    return backend == "sqlite" or (backend == "postgresql"
                                   and connection.dialect.driver == "psycopg")


def _insert(connection: Connection, table: Table, names: list[str],
            columns: list[list[Any]]) -> None:
    backend = connection.dialect.name
    _defaults(table, names, columns, len(columns[0]))
    _convert(connection, table, names, columns)
    values = list(zip(*columns, strict=True))
    quote = connection.dialect.identifier_preparer.quote
    listed = ", ".join(quote(name) for name in names)
    if backend == "postgresql":
        raw = connection.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor, cursor.copy(
                f"COPY {quote(table.name)} ({listed}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in names)
    connection.exec_driver_sql(
        f"INSERT INTO {quote(table.name)} ({listed}) VALUES ({marks})", values)
