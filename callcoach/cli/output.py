"""What the commands print: aligned text tables, local timestamps, files written whole."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from callcoach.cli.args import UserError
from callcoach.text_table import table_lines
from callcoach.textsafe import for_terminal

if TYPE_CHECKING:
    from datetime import datetime


def print_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Print left-aligned columns under a header, two spaces apart."""
    print("\n".join(table_lines(header, rows)))


def say(text: object = "", *, err: bool = False) -> None:
    """Print a line that may hold outside text (a name, a file name, a cell), made inert for a
    terminal: controls, C1 and bidi characters shown as visible escapes; newlines kept."""
    print(for_terminal(text), file=sys.stderr if err else sys.stdout)


def local_minute(moment: datetime | None) -> str:
    """``YYYY-MM-DD HH:MM`` in this machine's time zone, ``-`` when there is none."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else "-"


def write_output(text: str, output: str | None) -> None:
    """Print, or write ``output`` atomically (never a half-written file)."""
    from callcoach.files import write_atomically

    if not output:
        sys.stdout.write(text)
        return
    path = Path(output).expanduser()
    if path.is_dir():
        raise UserError(f"--output {output}: is a directory")
    try:
        write_atomically(path, text.encode("utf-8"))
    except OSError as exc:
        raise UserError(f"--output {output}: cannot write ({exc.strerror})") from None
    print(f"wrote {path}", file=sys.stderr)
