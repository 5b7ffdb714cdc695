"""Bulk inserts at driver speed: COPY on PostgreSQL, one ``executemany`` elsewhere.

SQLAlchemy's per-row parameter processing costs more than the insert itself at 100k rows
(an import), so rows go to the driver directly, inside the session's transaction.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session

_DRIVER_MARKERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def binds_up_front(session: Session) -> bool:
    """True when :func:`bulk_insert` hands rows to the driver itself, so a caller may bind
    repeated values once with :func:`bind_value` and pass ``bound=True``."""
    return session.get_bind().dialect.paramstyle in _DRIVER_MARKERS


def bind_value(session: Session, table: sa.Table, column: str, value: object) -> object:
    """``value`` as SQLAlchemy would send it to the driver for ``table.column``."""
    processor = table.c[column].type._cached_bind_processor(session.get_bind().dialect)
    return processor(value) if processor is not None and value is not None else value


def bulk_insert(
    session: Session, table: sa.Table, columns: tuple[str, ...], rows: list[list], bound: bool = False
) -> None:
    """One driver-level ``executemany`` inside the session's transaction.

    SQLAlchemy's per-row parameter processing costs more than the insert itself at 100k
    rows, so values are converted here with each column type's own bind processor (only for
    the columns that have one: booleans and datetimes; rows are lists, converted in place),
    then handed to the driver.
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    processors = [table.c[name].type._cached_bind_processor(dialect) for name in columns]
    active = [] if bound else [(i, p) for i, p in enumerate(processors) if p is not None]
    for i, proc in active:
        cache: dict = {}
        for row in rows:
            value = row[i]
            if value is not None:
                try:
                    row[i] = cache[value]
                except KeyError:
                    row[i] = cache[value] = proc(value)
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        # PostgreSQL: COPY is several times faster than executemany for bulk rows.
        preparer = dialect.identifier_preparer
        sql = (
            f"COPY {preparer.format_table(table)} "
            f"({', '.join(preparer.quote(c) for c in columns)}) FROM STDIN"
        )
        cursor = connection.connection.cursor()
        try:
            with cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
        finally:
            cursor.close()
        return
    marker = _DRIVER_MARKERS.get(dialect.paramstyle)
    if marker is None:  # other drivers: let SQLAlchemy do it
        connection.execute(sa.insert(table), [dict(zip(columns, r, strict=True)) for r in rows])
        return
    preparer = dialect.identifier_preparer
    sql = (
        f"INSERT INTO {preparer.format_table(table)} "
        f"({', '.join(preparer.quote(c) for c in columns)}) "
        f"VALUES ({', '.join([marker] * len(columns))})"
    )
    cursor = connection.connection.cursor()  # the DBAPI cursor, same transaction
    try:
        cursor.executemany(sql, rows)
    finally:
        cursor.close()
