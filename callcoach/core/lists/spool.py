"""Rows parked on disk between an import's passes, so its memory holds one chunk of them
whatever the file's size."""

from __future__ import annotations

import marshal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from callcoach.errors import CallcoachError

#: A parsed row as parked: its contact values, the line it starts on, the phone column and
#: cell it was read from, and its cell notes as (line, column, reason) triples.
Row = tuple[list, int, str, str, tuple[tuple[int, str, str], ...]]


class RowSpool:
    """Parsed rows written to an unnamed temporary file a chunk at a time, then read back in
    file order as often as needed; the file is gone once the spool is closed.

    ``marshal`` is the fastest serialiser of plain lists, tuples, strings and numbers; the
    file is written and read back by this process only. A full or unwritable temporary
    directory raises ``error`` with one line naming ``path`` (the file being imported).
    """

    def __init__(self, path: Path, error: type[CallcoachError], chunk_rows: int) -> None:
        self._path = path
        self._error = error
        self._chunk_rows = chunk_rows
        self._sizes: list[int] = []
        self._chunk: list[Row] = []
        with self._errors():
            self._file = tempfile.TemporaryFile(prefix="callcoach-import-")

    def __enter__(self) -> RowSpool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._file.close()

    def append(self, row: Row) -> None:
        """Park one row (written out with its chunk)."""
        self._chunk.append(row)
        if len(self._chunk) >= self._chunk_rows:
            self._flush()

    def chunks(self) -> Iterator[list[Row]]:
        """Every parked row again, a chunk at a time, in file order."""
        self._flush()
        with self._errors():
            self._file.seek(0)
        for size in self._sizes:
            with self._errors():
                data = self._file.read(size)
            yield marshal.loads(data)

    def _flush(self) -> None:
        if self._chunk:
            data = marshal.dumps(self._chunk)
            with self._errors():
                self._file.write(data)
            self._sizes.append(len(data))
            self._chunk = []

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except OSError as exc:
            raise self._error(
                f"{self._path}: cannot park the parsed rows in the temporary directory "
                f"{tempfile.gettempdir()}: {exc.strerror or exc}; nothing imported"
            ) from None
