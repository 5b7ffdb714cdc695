"""Command line: ``callcoach`` opens the TUI; subcommands import, list, report and more.

One module per command group (``lists``, ``block``, ``drills``, ``reps``, ``db``, ``review``,
``calls``, ``notes``, ``demo``; ``start`` opens the TUI), each adding its commands to the parser built
here; ``args`` reads the global options and flags, ``output`` prints tables and writes files.
Heavy libraries (Textual, SQLAlchemy, phonenumbers) are imported inside the handlers so
``callcoach --help`` stays instant. Every expected failure ends as one line on stderr and exit
status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from callcoach import __version__
from callcoach.cli import block, calls, crm, db, demo, drills, lists, notes, reps, review
from callcoach.cli.args import discard_unused_database
from callcoach.cli.start import cmd_tui
from callcoach.errors import CallcoachError
from callcoach.textsafe import for_terminal

# Every command, in the order ``callcoach --help`` lists them.
COMMANDS: tuple[Callable[[argparse._SubParsersAction], None], ...] = (
    lists.add_import,
    block.add_block,
    lists.add_lists,
    lists.add_tracks,
    drills.add_drill,
    reps.add_reps,
    db.add_db,
    review.add_report,
    review.add_plan,
    review.add_goals,
    review.add_recount,
    notes.add_notes,
    calls.add_meetings,
    calls.add_callbacks,
    crm.add_export,
    demo.add_demo,
    review.add_dashboard,
)


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: what is wrong and where the help is, no usage dump."""

    def error(self, message: str) -> NoReturn:
        """Print ``PROG: error: MESSAGE (see 'PROG --help')`` and exit with status 2."""
        message = for_terminal(message, one_line=True)  # it can quote a flag's value
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser."""
    parser = _Parser(
        prog="callcoach",
        description="Coach phone prospecting call blocks in the terminal. "
        "With no command, opens the TUI.",
    )
    parser.add_argument("--version", action="version", version=f"callcoach {__version__}")
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database URL (default: $CALLCOACH_DATABASE_URL, else SQLite in the data dir)",
    )
    parser.add_argument("--config", metavar="FILE", help="settings file (TOML)")
    parser.add_argument("--rep", metavar="NAME", help="who is using callcoach")
    parser.set_defaults(handler=cmd_tui)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    for add_command in COMMANDS:
        add_command(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``callcoach`` console script."""
    try:
        try:
            return _main(argv)
        finally:
            sys.stdout.flush()  # here, so a closed pipe is seen here, not at exit
    except BrokenPipeError:
        # The reader went away (``callcoach meetings | head``): stop quietly, as the
        # shell's own tools do, with the status of a process ended by SIGPIPE.
        _discard_stdout()
        return 141


def _discard_stdout() -> None:
    """Point stdout at /dev/null: Python's own flush at exit must not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, io.UnsupportedOperation):
        pass  # not a real file (a test's capture): nothing is flushed at exit


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    status = 1
    try:
        status = _run(args)
    finally:
        if status != 0:
            discard_unused_database(args)
    return status


def _run(args: argparse.Namespace) -> int:
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("callcoach: interrupted", file=sys.stderr)
        return 130
    except CallcoachError as exc:
        print(f"callcoach: error: {for_terminal(_without_password(args, str(exc)), one_line=True)}",
              file=sys.stderr)
        return 2
    except Exception as exc:
        # The server went away after the database was opened: still one line, no password.
        message = _connection_trouble(args, exc)
        if message is None:
            raise
        print(f"callcoach: error: {for_terminal(message, one_line=True)}", file=sys.stderr)
        return 2


def _without_password(args: argparse.Namespace, message: str) -> str:
    """``message`` with the database password hidden, wherever it came from."""
    from callcoach.storage.urls import redact, resolve_database_url

    return redact(message, resolve_database_url(args.db))


def _connection_trouble(args: argparse.Namespace, exc: Exception) -> str | None:
    """One line for a lost database connection, else None (a real bug: let it show)."""
    if not type(exc).__module__.startswith("sqlalchemy"):
        return None
    from callcoach.core.calling.journal import connection_trouble
    from callcoach.storage.urls import resolve_database_url

    return connection_trouble(resolve_database_url(args.db), exc)


if __name__ == "__main__":
    raise SystemExit(main())
