"""Reading the command line: one-line errors, numbers from flags, the database and settings
the global options name."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from callcoach.errors import CallcoachError

if TYPE_CHECKING:
    from sqlmodel import Session

    from callcoach.config import Settings
    from callcoach.storage.db import Database

T = TypeVar("T")


class UserError(CallcoachError):
    """A problem with the command line itself; printed as one line."""


def progress_line(text: str) -> None:
    """One ``callcoach: ...`` progress line on stderr, at once (a first start is not silent)."""
    import sys

    from callcoach.textsafe import for_terminal

    print(f"callcoach: {for_terminal(text)}", file=sys.stderr, flush=True)


def open_db(
    args: argparse.Namespace,
    announce: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Database:
    """The database ``--db`` names (else the environment's, else the default SQLite file);
    with ``announce``, creating or upgrading its schema is told on stderr as it happens
    (or to ``progress``, when given).

    It is kept on ``args`` so a command that fails before writing can remove a SQLite file
    it created (see :func:`discard_unused_database`).
    """
    from callcoach.storage.db import open_database

    if progress is None and announce:
        progress = progress_line
    db = open_database(args.db, progress=progress)
    args.opened_database = db
    return db


def discard_unused_database(args: argparse.Namespace) -> None:
    """After a failed command: delete the SQLite file its :func:`open_db` created if nothing
    was written to it (no database made by accident)."""
    db: Database | None = getattr(args, "opened_database", None)
    if db is not None:
        db.discard_if_unused()


def in_session(args: argparse.Namespace, work: Callable[[Session], T]) -> T:
    """Open the database ``--db`` names and run ``work`` in one session; what it returns."""
    with open_db(args).session() as session:
        return work(session)


def check_rep_flag(db: Database, name: str | None, flag: str = "--rep") -> None:
    """Refuse a rep named on the command line who does not exist (one line, close matches,
    how to add one): a typo never creates a rep. The settings' rep is not checked here."""
    if not name:
        return
    from callcoach.core.reps import require_rep

    with db.session() as session:
        require_rep(session, name, flag)


def settings_of(args: argparse.Namespace) -> Settings:
    """The settings from ``--config`` (else the user's config file, else the defaults)."""
    from callcoach.config import load_settings

    return load_settings(Path(args.config) if args.config else None)


def number(text: str, flag: str, whole: bool = False) -> float:
    """A number from a flag's text, or a one-line error naming flag and value."""
    try:
        value = float(text.replace(",", "").replace("_", "")) if not whole else int(text)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise UserError(f"{flag} {text!r}: expected {kind}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise UserError(f"{flag} {text!r}: expected a finite number")
    return value
