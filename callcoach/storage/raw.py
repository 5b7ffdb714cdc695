"""Statements compiled once for PostgreSQL and run straight on psycopg: the hot path's way
to the server."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine.default import DefaultDialect
from sqlalchemy.sql.compiler import SQLCompiler


class RawStatement:
    """A SQLAlchemy statement compiled once for PostgreSQL and run straight on the psycopg
    connection of a pooled :class:`sa.Connection` - the hot path's way to the server.

    Per execution SQLAlchemy would rebuild the statement's cache key, expand its IN lists,
    process parameters and result metadata (for the outcome statement: ~0.3 ms of CPU); and
    psycopg re-parses a query longer than 4 kB at every call. Here the SQL is rendered once
    with ``$n`` placeholders and run through a psycopg ``RawCursor`` (no parsing, prepared
    on the server at its first run on a connection); only the columns' bind and result
    processors are applied (e.g. :class:`UTCDateTime`). Errors are raised as SQLAlchemy's
    (``OperationalError``, ``IntegrityError``...) and a dropped connection is invalidated,
    as ``Connection.execute`` does, so callers (the outcome journal) see no difference.

    The statement (or a function building it on first use, keeping it off the import
    path) must return rows (a SELECT, or RETURNING). Every ``bindparam`` without a
    value must be given at each run; IN lists and other valued parameters are fixed at
    compile time.
    """

    def __init__(self, statement: sa.Select[Any] | Callable[[], sa.Select[Any]]) -> None:
        self._statement = statement  # or a function building it, called on first use
        self._compiled: tuple | None = None

    @property
    def statement(self) -> sa.Select[Any]:
        """The SQLAlchemy statement (built now if it was given as a function)."""
        if callable(self._statement):
            self._statement = self._statement()
        return self._statement

    def compile(self, dialect: sa.Dialect) -> None:
        """Render the SQL now (else at the first run); ``dialect``: a PostgreSQL one."""
        if self._compiled is None:
            self._compile(dialect)

    def _compile(self, dialect: sa.Dialect) -> tuple:
        assert isinstance(dialect, DefaultDialect)
        positional = type(dialect)(paramstyle="numeric_dollar")
        compiled = self.statement.compile(dialect=positional)
        assert isinstance(compiled, SQLCompiler)
        binds = compiled.binds
        variable = {name for name, bind in binds.items() if bind.required}
        state = compiled.construct_expanded_state(dict.fromkeys(variable))
        order: list[tuple[str | None, Any, Callable[[Any], Any] | None]] = []
        assert state.positiontup is not None  # a positional paramstyle
        for name in state.positiontup:
            bind = binds.get(name)
            process = None
            if bind is not None:
                process = positional.type_descriptor(bind.type).bind_processor(positional)
            if name in variable:
                order.append((name, None, process))
            else:
                value = state.parameters[name]
                order.append((None, process(value) if process else value, None))
        self._compiled = (state.statement.encode(), order, None)
        self._dialect = positional
        return self._compiled

    def _result_processors(self, description: Any) -> list:  # description: psycopg's cursor.description
        """(index, processor) of the result columns that have one, from the first run's
        column type codes (what SQLAlchemy asks the dialect for)."""
        columns = list(getattr(self.statement, "selected_columns", ()))
        processed = []
        for i, (column, described) in enumerate(zip(columns, description, strict=False)):
            kind = self._dialect.type_descriptor(column.type)
            process = kind.result_processor(self._dialect, described.type_code)
            if process is not None:
                processed.append((i, process))
        assert self._compiled is not None  # compiled before its first run
        sql, order, _ = self._compiled
        self._compiled = (sql, order, processed)
        return processed

    def rows(self, conn: sa.Connection, params: Mapping[str, Any]) -> list[tuple]:
        """Run on ``conn`` (PostgreSQL) with ``params``; every result row, processed."""
        from psycopg import RawCursor

        sql, order, processed = self._compiled or self._compile(conn.dialect)
        values = []
        for name, value, process in order:
            if name is not None:
                value = params[name]
                if process is not None:
                    value = process(value)
            values.append(value)
        raw = conn.connection.driver_connection
        assert raw is not None  # a live pooled connection
        try:
            with RawCursor(raw) as cursor:
                # Prepared at the first run on this connection: the server parses and
                # plans a statement of this size in about a millisecond, every time.
                cursor.execute(sql, values, prepare=True)
                rows = cursor.fetchall()
                if processed is None:  # first run: psycopg builds the description anew
                    processed = self._result_processors(cursor.description)
        except conn.dialect.loaded_dbapi.Error as exc:
            gone = conn.dialect.is_disconnect(exc, raw, None)
            if gone:
                conn.invalidate(exc)
            raise sa.exc.DBAPIError.instance(
                sql.decode(), values, exc, conn.dialect.loaded_dbapi.Error,
                connection_invalidated=gone, dialect=conn.dialect,
            ) from exc
        if processed and rows:
            out = []
            for row in rows:
                row = list(row)
                for i, process in processed:
                    row[i] = process(row[i])
                out.append(tuple(row))
            rows = out
        return rows

    def first(self, conn: sa.Connection, params: Mapping[str, Any]) -> tuple | None:
        """The first result row, or None."""
        rows = self.rows(conn, params)
        return rows[0] if rows else None
