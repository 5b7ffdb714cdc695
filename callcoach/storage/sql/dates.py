"""Date expressions each engine writes its own way, as SQLAlchemy constructs.

The core builds its statements from these without asking which engine runs them: the
construct is compiled for SQLite or PostgreSQL when the statement is.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement, FunctionElement


class utc_day(FunctionElement[str]):  # lower case: it reads as the SQL function it stands for
    """The UTC calendar day of a stored instant, as text ``YYYY-MM-DD``."""

    type = sa.String()
    inherit_cache = True
    name = "utc_day"

    def __init__(self, instant: ColumnElement[Any] | Any) -> None:
        super().__init__(instant)


@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite stores naive UTC text (see UTCDateTime). The format is a literal, not a bound
    # parameter, so the same expression in SELECT and GROUP BY compiles to the same text.
    fmt: ColumnElement[str] = sa.literal_column("'%Y-%m-%d'")
    return compiler.process(sa.func.strftime(fmt, *element.clauses.clauses), **kw)


@compiles(utc_day)
def _utc_day_default(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    # PostgreSQL stores timestamptz: the day in UTC, whatever the session's time zone.
    instant = element.clauses.clauses[0]
    utc: ColumnElement[str] = sa.literal_column("'UTC'")
    fmt: ColumnElement[str] = sa.literal_column("'YYYY-MM-DD'")
    return compiler.process(sa.func.to_char(sa.func.timezone(utc, instant), fmt), **kw)
