"""Reading CSV exports as they come: encoding fallback, delimiter sniffing, binary refusal.

Exports from CRMs and spreadsheets arrive as UTF-8 with or without a BOM, as cp1252
(Excel on Windows), occasionally as UTF-16 ("Unicode text"), delimited by commas,
semicolons (European Excel), tabs or pipes. Anything else gets a one-line error.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from callcoach.errors import CallcoachError
from callcoach.files import read_user_bytes

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_SAMPLE = 64 * 1024


class CsvFileError(CallcoachError):
    """The file cannot be read as a CSV; the message names the file (and line)."""


@dataclass(frozen=True)
class DecodedFile:
    """A file's text with how it was decoded and delimited."""

    path: Path
    text: str
    encoding: str
    delimiter: str


def _decode(path: Path, raw: bytes) -> tuple[str, str]:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise CsvFileError(f"{path}: not valid UTF-16 text") from None
    if raw.startswith(b"PK\x03\x04"):
        raise CsvFileError(
            f"{path}: looks like an Excel workbook or zip archive; save it as CSV first"
        )
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise CsvFileError(f"{path}: looks like an old Excel (.xls) file; save it as CSV first")
    if b"\x00" in raw[:_SAMPLE] or b"\x00" in raw:
        raise CsvFileError(f"{path}: binary file (contains NUL bytes), not a CSV")
    try:
        text = raw.decode("utf-8-sig")
        encoding = "UTF-8 with BOM" if raw.startswith(b"\xef\xbb\xbf") else "UTF-8"
    except UnicodeDecodeError:
        try:
            text, encoding = raw.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            text, encoding = raw.decode("latin-1"), "Latin-1"
    sample = text[:_SAMPLE]
    controls = sum(1 for ch in sample if ch < " " and ch not in "\t\r\n") + sample.count("\x7f")
    if sample and controls > max(2, len(sample) // 100):
        raise CsvFileError(f"{path}: binary file (control characters), not a CSV")
    return text, encoding


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


def read_csv_file(path: Path) -> DecodedFile:
    """Read and decode ``path``; raise CsvFileError with one line for unusable files."""
    raw = read_user_bytes(path, CsvFileError, "CSV")
    if not raw.strip():
        raise CsvFileError(f"{path}: empty file, nothing to import")
    text, encoding = _decode(path, raw)
    if not text.strip():
        raise CsvFileError(f"{path}: empty file, nothing to import")
    return DecodedFile(path=path, text=text, encoding=encoding, delimiter=sniff_delimiter(text))


def iter_records(decoded: DecodedFile) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(line, cells)`` for every record, ``line`` being where the record starts.

    A quote left open swallows the rest of the file into one cell; that last record is
    refused with the line where the open quote started, never passed on as data. Only the
    end of the file leaves a quote open, so a record read from one line (the reader moved on
    past its end) is checked only when it is the file's last.
    """
    record_lines: list[str] = []

    def lines() -> Iterator[str]:
        for line in io.StringIO(decoded.text, newline=""):
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


def _refuse_open_quote(decoded: DecodedFile, lines: list[str], start: int) -> None:
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
