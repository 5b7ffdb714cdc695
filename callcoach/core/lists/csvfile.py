"""Reading CSV exports as they come: encoding fallback, delimiter sniffing, binary refusal,
records streamed from the file so its size does not matter.

Exports from CRMs and spreadsheets arrive as UTF-8 with or without a BOM, as cp1252
(Excel on Windows), occasionally as UTF-16 ("Unicode text"), delimited by commas,
semicolons (European Excel), tabs or pipes. Anything else gets a one-line error.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from callcoach.errors import CallcoachError
from callcoach.files import open_user_file, user_file_errors

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_SAMPLE = 64 * 1024  # characters read to sniff the delimiter and spot a binary file
_BLOCK = 1024 * 1024  # bytes read at a time


class CsvFileError(CallcoachError):
    """The file as a whole cannot be read as a CSV; the message names the file (and line)."""


@dataclass(frozen=True)
class DecodedFile:
    """A CSV's whole text with how it was decoded and delimited."""

    path: Path
    text: str
    encoding: str
    delimiter: str

    def lines(self) -> Iterator[str]:
        """The text's lines, line endings kept."""
        return iter(io.StringIO(self.text, newline=""))


@dataclass(frozen=True)
class CsvFile:
    """A CSV on disk with how it decodes and is delimited; its text is read as it goes, so a
    file of any size takes the same memory."""

    path: Path
    encoding: str  # as the report names it: "UTF-8", "UTF-8 with BOM", "UTF-16", "cp1252"...
    codec: str  # the Python codec that reads it
    delimiter: str

    def lines(self) -> Iterator[str]:
        """The file's lines, decoded, line endings kept."""
        with user_file_errors(self.path, CsvFileError, "CSV"):
            with open_user_file(self.path, CsvFileError, "CSV") as raw:
                text = io.TextIOWrapper(raw, encoding=self.codec, newline="")
                try:
                    yield from text
                except UnicodeDecodeError:  # the file changed since it was checked
                    raise CsvFileError(f"{self.path}: changed while being read; import it again") from None


class _Decoded(NamedTuple):
    """What one decoding pass over a file found."""

    ok: bool  # every byte decoded
    sample: str  # the first _SAMPLE characters
    blank: bool  # the text is whitespace only


def _decoding_pass(path: Path, codec: str) -> _Decoded:
    """Decode the whole file in blocks with ``codec``, keeping only its start."""
    decoder = codecs.getincrementaldecoder(codec)()
    parts: list[str] = []
    kept, blank = 0, True
    with user_file_errors(path, CsvFileError, "CSV"), open_user_file(path, CsvFileError, "CSV") as fh:
        try:
            while True:
                block = fh.read(_BLOCK)
                text = decoder.decode(block, final=not block)
                if kept < _SAMPLE and text:
                    parts.append(text[: _SAMPLE - kept])
                    kept += len(parts[-1])
                if blank and text.strip():
                    blank = False
                if not block:
                    break
        except UnicodeDecodeError:
            return _Decoded(False, "", True)
    return _Decoded(True, "".join(parts), blank)


def _raw_facts(path: Path) -> tuple[bytes, bool, bool]:
    """The file's first bytes, whether it is ASCII whitespace only, whether it holds a NUL."""
    blank, nul = True, False
    head = b""
    with user_file_errors(path, CsvFileError, "CSV"), open_user_file(path, CsvFileError, "CSV") as fh:
        while block := fh.read(_BLOCK):
            head = head or block
            blank = blank and not block.strip()
            nul = nul or b"\x00" in block
    return head, blank, nul


def _decode(path: Path) -> tuple[str, str, str]:
    """(encoding as named, codec, the first _SAMPLE characters) of the file at ``path``.

    The same checks, in the same order, as decoding the whole file at once would make; the
    file is read in blocks (two or three passes) so its size does not matter.
    """
    head, blank, nul = _raw_facts(path)
    if blank:
        raise CsvFileError(f"{path}: empty file, nothing to import")
    encoding = codec = ""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        decoded = _decoding_pass(path, "utf-16")
        if not decoded.ok:
            raise CsvFileError(f"{path}: not valid UTF-16 text")
        encoding, codec = "UTF-16", "utf-16"
    else:
        if head.startswith(b"PK\x03\x04"):
            raise CsvFileError(
                f"{path}: looks like an Excel workbook or zip archive; save it as CSV first"
            )
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            raise CsvFileError(f"{path}: looks like an old Excel (.xls) file; save it as CSV first")
        if nul:
            raise CsvFileError(f"{path}: binary file (contains NUL bytes), not a CSV")
        utf8 = "UTF-8 with BOM" if head.startswith(b"\xef\xbb\xbf") else "UTF-8"
        for name, python_codec in ((utf8, "utf-8-sig"), ("cp1252", "cp1252"), ("Latin-1", "latin-1")):
            decoded = _decoding_pass(path, python_codec)
            if decoded.ok:  # Latin-1 always is
                encoding, codec = name, python_codec
                break
        sample = decoded.sample
        controls = sum(1 for ch in sample if ch < " " and ch not in "\t\r\n") + sample.count("\x7f")
        if sample and controls > max(2, len(sample) // 100):
            raise CsvFileError(f"{path}: binary file (control characters), not a CSV")
    if decoded.blank:
        raise CsvFileError(f"{path}: empty file, nothing to import")
    return encoding, codec, decoded.sample


def _first_lines(text: str, n: int) -> list[str]:
    lines = []
    for line in io.StringIO(text[:_SAMPLE]):
        if line.strip():
            lines.append(line)
            if len(lines) >= n:
                break
    return lines


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the header into the most fields, consistently below it."""
    lines = _first_lines(text, 6)
    if not lines:
        return ","
    best, best_score = ",", (-1, -1)
    for delim in DELIMITERS:
        try:
            rows = list(csv.reader(lines, delimiter=delim))
        except csv.Error:
            continue
        if not rows:
            continue
        width = len(rows[0])
        if width < 2:
            continue
        consistent = sum(1 for r in rows[1:] if len(r) == width)
        score = (consistent, width)
        if score > best_score:
            best, best_score = delim, score
    return best


def open_csv_file(path: Path) -> CsvFile:
    """Check ``path`` and learn how to read it; raise CsvFileError with one line for unusable
    files. Holds none of the text: :meth:`CsvFile.lines` reads it as it goes."""
    encoding, codec, sample = _decode(path)
    return CsvFile(path=path, encoding=encoding, codec=codec, delimiter=sniff_delimiter(sample))


def iter_records(decoded: DecodedFile | CsvFile) -> Generator[tuple[int, list[str]], None, None]:
    """Yield ``(line, cells)`` for every record, ``line`` being where the record starts.

    A quote left open swallows the rest of the file into one cell; that last record is
    refused with the line where the open quote started, never passed on as data. Only the
    end of the file leaves a quote open, so a record read from one line (the reader moved on
    past its end) is checked only when it is the file's last.
    """
    record_lines: list[str] = []

    def lines() -> Iterator[str]:
        for line in decoded.lines():
            record_lines.append(line)
            yield line

    reader = csv.reader(lines(), delimiter=decoded.delimiter)
    start, last_lines, last_start = 1, record_lines, 1
    try:
        for cells in reader:
            if reader.line_num > start:  # a record over several lines: is a quote left open?
                _refuse_open_quote(decoded, record_lines, start)
            # Keep this record's lines (the last record is checked at the end of the file);
            # the next record's lines go to a fresh list.
            last_lines, last_start, record_lines = record_lines, start, []
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as exc:
        raise CsvFileError(f"{decoded.path}:{reader.line_num}: unreadable CSV: {exc}") from None
    _refuse_open_quote(decoded, last_lines, last_start)


def _refuse_open_quote(decoded: DecodedFile | CsvFile, lines: list[str], start: int) -> None:
    """Raise the one-line error when a quote opened in the record read from ``lines`` (from
    line ``start``) never closes."""
    opened = open_quote_line(lines, decoded.delimiter, start)
    if opened is not None:
        raise CsvFileError(
            f"{decoded.path}:{opened}: unterminated quote: the quoted cell opened on "
            f"line {opened} runs to the end of the file; close it and import again"
        )


def open_quote_line(lines: list[str], delimiter: str, start: int) -> int | None:
    """The line where a quoted cell opens and never closes in the record read from ``lines``
    (the file's lines from ``start``; only the end of the file leaves a quote open), or None
    when every quote closes."""
    state, opened_at, line = "start", 0, start
    for ch in "".join(lines):
        if state == "quoted":
            if ch == '"':
                state = "quote"
        elif state == "quote":
            state = "quoted" if ch == '"' else ("start" if ch in (delimiter, "\n", "\r") else "field")
        elif ch in (delimiter, "\n", "\r"):
            state = "start"
        elif state == "start" and ch == '"':
            state, opened_at = "quoted", line
        else:
            state = "field"
        if ch == "\n":
            line += 1
    return opened_at if state == "quoted" else None
