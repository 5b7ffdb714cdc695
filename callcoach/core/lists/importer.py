"""Import a CSV of contacts into clustered call lists, in one transaction.

Recognises HubSpot, Salesforce and VICIdial exports and common header spellings
(case-insensitively), normalises phones to E.164 with a time zone, de-duplicates by phone
(and extension) within the file and against the database, honours a do-not-call column,
and splits the rows into one call list per cluster value. Either the whole import lands,
or (with ``skip_invalid``) every valid row lands and every rejected row is listed; nothing
is written when the import is refused.

Memory stays flat whatever the file's size: the file is read as it goes, and the parsed rows
are parked on disk a chunk at a time (:class:`~callcoach.core.lists.spool.RowSpool`) for
three passes:

1. parse (no database): cells to contact values, invalid rows listed, duplicates within the
   file dropped (a set of the numbers seen, as integers);
2. screen (in the transaction): rows whose number is already a contact dropped, numbers on
   the do-not-call register noted, cluster values counted (a list's name needs every count);
3. write (same transaction): lists created, each chunk bulk-inserted with its list.
"""

from __future__ import annotations

import gc
import operator
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.sql.elements import SQLCoreOperations
from sqlmodel import Session, col, select

from callcoach.catalog.outcomes import ContactStatus
from callcoach.clock import Clock
from callcoach.core.lists import clustering
from callcoach.core.lists.csvfile import DELIMITER_NAMES, CsvFileError, iter_records, open_csv_file
from callcoach.core.lists.phones import InvalidPhone, PhoneNormalizer, pick_zone
from callcoach.core.lists.regions import country_code, country_display, normalize_region
from callcoach.core.lists.spool import RowSpool
from callcoach.core.lists.tracks import starter_track_id
from callcoach.errors import CallcoachError
from callcoach.storage.db import Database
from callcoach.storage.models import CallList, ClusterDimension, Contact, DoNotCall, TalkTrack, table_of
from callcoach.storage.sql import bulk
from callcoach.storage.starters import STARTER_TRACK_NAME
from callcoach.textsafe import is_terminal_safe, unsafe_characters

CLUSTER_DIMENSIONS = ("vertical", "region", "size", "role")
_CHUNK = 500  # phones per IN (...) query
#: Parsed rows held in memory at a time: parked on disk, screened and inserted as one piece.
CHUNK_ROWS = 10_000
#: Entries kept by each per-cell-value cache while parsing; a full cache starts again empty
#: (a column of distinct values, such as job titles, would otherwise grow with the file).
_CACHE_LIMIT = 20_000


class ImportFileError(CallcoachError):
    """The file as a whole cannot be imported; one line naming the file and the cause."""


# Canonical field -> header spellings, compared after _normalize_header().
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "first_name": ("first name", "firstname", "given name", "fname", "first", "forename"),
    "last_name": ("last name", "lastname", "surname", "family name", "lname", "last"),
    "full_name": ("name", "full name", "contact name", "contact", "lead name", "person"),
    "title": ("job title", "title", "jobtitle", "position", "role", "job role", "designation"),
    "company": (
        "company name", "company", "company account", "account name", "account",
        "organization", "organisation", "organization name", "employer", "business name",
    ),
    "vertical": ("industry", "vertical", "sector", "industry vertical", "market"),
    "region": (
        "state region", "state", "state province", "province", "region", "mailing state province",
        "mailing state", "billing state province", "billing state", "county", "territory",
    ),
    "country": (
        "country region", "country", "country code", "mailing country", "billing country",
        "nation",
    ),
    "company_size": (
        "number of employees", "employees", "employee count", "company size", "no of employees",
        "num employees", "headcount", "size", "company headcount", "employee range",
    ),
    "phone": (
        "phone number", "phone", "business phone", "work phone", "direct phone", "direct dial",
        "telephone", "telephone number", "tel", "office phone", "phone 1", "primary phone",
        "company phone", "contact phone",
    ),
    "mobile": (
        "mobile", "mobile phone", "mobile phone number", "mobile number", "cell", "cell phone",
        "cellphone", "alt phone", "phone 2", "other phone",
    ),
    "extension": ("extension", "ext", "phone extension", "phone ext"),
    "phone_code": ("phone code", "dial code", "country calling code"),
    "email": ("email", "email address", "e mail", "work email", "business email", "e mail address"),
    "do_not_call": ("do not call", "dnc", "donotcall", "do not call flag", "opted out of calls"),
    "external_id": (
        "record id", "contact id", "lead id", "id", "vendor lead code", "crm id", "external id",
        "salesforce id", "hubspot id", "lead code",
    ),
}
_ALIAS_TO_FIELD = {alias: f for f, aliases in HEADER_ALIASES.items() for alias in aliases}
_HEADER_JUNK = re.compile(r"[\s_\-/.:#()\\]+")
_TRUE = frozenset({"1", "y", "yes", "true", "t", "x", "dnc", "do not call", "on", "checked", "ja", "oui"})

#: Maximum stored lengths (mirror the Contact columns; PostgreSQL would refuse longer).
_MAX = {
    "first_name": 120, "last_name": 120, "title": 200, "company": 200, "vertical": 120,
    "region": 120, "email": 254, "external_id": 120,
}


def _normalize_header(name: str) -> str:
    return _HEADER_JUNK.sub(" ", name.replace("\ufeff", "").strip().lower()).strip()


@dataclass(frozen=True)
class ImportOptions:
    """What the user asked for on the command line."""

    list_name: str | None = None
    cluster_by: str | None = None
    default_region: str = "US"
    skip_invalid: bool = False
    min_cluster_size: int = 5


@dataclass(frozen=True)
class Problem:
    """One row that was not imported, and why."""

    line: int
    column: str
    value: str
    reason: str

    def render(self, file: str) -> str:
        """``FILE:LINE: column: value: reason``."""
        value = self.value if len(self.value) <= 60 else self.value[:57] + "..."
        return f"{file}:{self.line}: {self.column}: {value!r}: {self.reason}"


@dataclass(frozen=True)
class CellNote:
    """A cell imported with something to say: kept as it came (control characters) or cut to
    the column's size."""

    line: int
    column: str
    reason: str

    def render(self, file: str) -> str:
        """``FILE:LINE: column: reason``."""
        return f"{file}:{self.line}: {self.column}: {self.reason}"


@dataclass
class ListResult:
    """A call list the import created or added to."""

    name: str
    added: int
    created: bool
    talk_track: str | None = None
    #: True when the list has no track of its own and calls with the starter track.
    starter_track: bool = False


@dataclass
class ImportReport:
    """What an import did; ``render()`` is the printed summary, ``ok`` the exit status."""

    file: Path
    encoding: str = ""
    delimiter: str = ","
    family: str = "generic"
    rows_read: int = 0
    imported: int = 0
    duplicates_in_file: int = 0
    duplicates_in_db: int = 0
    do_not_call: int = 0
    problems: list[Problem] = field(default_factory=list)
    #: The first ``max_listed_duplicates`` duplicate rows (within the file first, then those
    #: already in the database, each in file order); every one is counted above.
    duplicates: list[Problem] = field(default_factory=list)
    lists: list[ListResult] = field(default_factory=list)
    refused: bool = False
    max_listed_duplicates: int = 50
    #: Do-not-call numbers seen only on duplicate rows (phone -> line): still honoured.
    dnc_from_duplicates: dict[str, int] = field(default_factory=dict)
    dnc_registered_from_duplicates: int = 0
    #: The first ``max_listed_notes`` cells of imported rows kept with a note (control
    #: characters, cut to fit a column); ``cells_noted`` counts them all.
    notes: list[CellNote] = field(default_factory=list)
    cells_noted: int = 0
    max_listed_notes: int = 100

    @property
    def invalid(self) -> int:
        """Rows rejected as invalid."""
        return len(self.problems)

    @property
    def ok(self) -> bool:
        """False when invalid rows stopped the import (nothing was written)."""
        return not self.refused

    @property
    def lists_created(self) -> int:
        """How many new call lists the import created."""
        return sum(1 for r in self.lists if r.created)

    def render(self) -> str:
        """The summary the CLI prints."""
        name = str(self.file)
        out = []
        duplicates = self.duplicates_in_file + self.duplicates_in_db
        if self.refused:
            valid = self.rows_read - self.invalid - duplicates
            out.append(
                f"{name}: nothing imported: {self.invalid} invalid row(s), listed below. Fix them, "
                f"or rerun with --skip-invalid to import the {valid} valid row(s)."
            )
        else:
            out.append(f"{name}: imported {self.imported} of {self.rows_read} rows.")
        out.append(
            f"  file        {self.encoding}, {DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))}"
            f"-separated, {self.family} headers"
        )
        out.append(f"  read        {self.rows_read}")
        out.append(f"  imported    {self.imported}")
        out.append(
            f"  duplicates  {self.duplicates_in_file + self.duplicates_in_db} "
            f"({self.duplicates_in_file} within the file, "
            f"{self.duplicates_in_db} already in the database)"
        )
        skipped = " (skipped)" if self.invalid and not self.refused else ""
        out.append(f"  invalid     {self.invalid}{skipped}")
        if self.cells_noted and not self.refused:
            out.append(f"  cells noted {self.cells_noted} (listed below)")
        dnc_line = f"  do-not-call {self.do_not_call}"
        if self.dnc_from_duplicates and not self.refused:
            dnc_line += f" (+{len(self.dnc_from_duplicates)} duplicate number(s) marked do-not-call)"
        out.append(dnc_line)
        created = [r for r in self.lists if r.created]
        if not self.refused:
            out.append(f"  lists created {len(created)}, added to {len(self.lists) - len(created)}")
        for r in self.lists:
            track = f", talk track: {r.talk_track}" if r.talk_track else ""
            verb = "new" if r.created else "added to"
            out.append(f"    {r.name}: {r.added} contacts ({verb}{track})")
        on_starter = [r for r in self.lists if r.starter_track]
        if on_starter and not self.refused:
            out.append(
                f"  {len(on_starter)} list(s) have no talk track of their own and use the starter "
                "track. Write a real one per cluster (engage statement, impact question, meeting "
                "ask, voicemail) in the talk-track studio (s on the TUI's home screen), or in a "
                "TOML file loaded with: callcoach tracks load FILE (see the Talk tracks page of "
                "the manual)."
            )
        if self.problems:
            out.append("Invalid rows:")
            out.extend("  " + p.render(name) for p in self.problems)
        if self.cells_noted and not self.refused:
            out.append("Cells imported with a note:")
            listed = self.notes[: self.max_listed_notes]
            out.extend("  " + n.render(name) for n in listed)
            if self.cells_noted > len(listed):
                out.append(f"  ... and {self.cells_noted - len(listed)} more cells")
        if self.duplicates:
            out.append("Duplicates (not imported):")
            shown = self.duplicates[: self.max_listed_duplicates]
            out.extend("  " + p.render(name) for p in shown)
            if duplicates > len(shown):
                out.append(f"  ... and {duplicates - len(shown)} more duplicates")
        return "\n".join(out)


@dataclass(frozen=True)
class _Columns:
    """Which cell index feeds which field (None: no such column)."""

    index: dict[str, int]
    headers: list[str]

    def get(self, name: str) -> int | None:
        """The cell index for a canonical field."""
        return self.index.get(name)


def map_headers(headers: list[str]) -> _Columns:
    """Map header cells to canonical fields; the first column for a field wins."""
    index: dict[str, int] = {}
    for i, header in enumerate(headers):
        fieldname = _ALIAS_TO_FIELD.get(_normalize_header(header))
        if fieldname and fieldname not in index:
            index[fieldname] = i
    return _Columns(index=index, headers=headers)


def header_family(headers: list[str]) -> str:
    """Which export the headers look like: HubSpot, Salesforce, VICIdial or generic."""
    raw = {h.replace("\ufeff", "").strip() for h in headers}
    lowered = {h.lower() for h in raw}
    if {"phone_number", "vendor_lead_code"} & raw or {"phone_number", "phone_code"} <= raw:
        return "VICIdial"
    if {"phone number", "company name"} <= lowered or "state/region" in lowered or "record id" in lowered:
        return "HubSpot"
    if (
        "company / account" in lowered
        or "do not call" in lowered
        or "state/province" in lowered
        or "mailing state/province" in lowered
    ):
        return "Salesforce"
    return "generic"


def _split_full_name(full: str) -> tuple[str, str]:
    if "," in full:
        last, _, first = full.partition(",")
        return first.strip(), last.strip()
    first, _, last = full.strip().rpartition(" ")
    return (first, last) if first else (last, "")


#: Screening flags of a parked row: a contact already has its number; the number is on the
#: do-not-call register.
_DROP, _REGISTERED = 1, 2


def import_file(db: Database, path: Path, options: ImportOptions, clock: Clock) -> ImportReport:
    """Import ``path`` into call lists; raise ImportFileError for an unusable file."""
    if options.cluster_by not in (None, *CLUSTER_DIMENSIONS):
        raise ImportFileError(
            f"--cluster-by {options.cluster_by!r}: expected one of {', '.join(CLUSTER_DIMENSIONS)}"
        )
    if options.min_cluster_size < 1:
        raise ImportFileError(f"--min-cluster {options.min_cluster_size}: expected 1 or more")
    try:
        normalizer = PhoneNormalizer(options.default_region)
    except ValueError as exc:
        raise ImportFileError(f"--default-region: {exc}") from None
    try:
        source = open_csv_file(path)
    except CsvFileError as exc:
        raise ImportFileError(str(exc)) from None
    report = ImportReport(file=path, encoding=source.encoding, delimiter=source.delimiter)
    records = iter_records(source)
    try:
        try:
            header_line, headers = _first_nonblank(records)
        except StopIteration:
            raise ImportFileError(f"{path}: empty file, nothing to import") from None
        except CsvFileError as exc:
            raise ImportFileError(str(exc)) from None
        columns = map_headers(headers)
        report.family = header_family(headers)
        _require_columns(path, header_line, columns, headers)
        # The import allocates a few objects per row: the cyclic garbage collector would
        # rescan the live ones over and over (a third of the time at 100k rows).
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            with RowSpool(path, ImportFileError, CHUNK_ROWS) as spool:
                return _import_rows(db, path, records, columns, normalizer, options, clock, report, spool)
        finally:
            if gc_was_enabled:
                gc.enable()
    finally:
        records.close()  # closes the file when the import stopped before its end


def _import_rows(
    db: Database,
    path: Path,
    records: Iterable[tuple[int, list[str]]],
    columns: _Columns,
    normalizer: PhoneNormalizer,
    options: ImportOptions,
    clock: Clock,
    report: ImportReport,
    spool: RowSpool,
) -> ImportReport:
    """Parse the data rows onto the spool, then screen and write them in one transaction
    (or refuse)."""
    try:
        in_file = _parse_rows(records, columns, normalizer, report, spool)
    except CsvFileError as exc:
        raise ImportFileError(str(exc)) from None
    if report.rows_read == 0:
        raise ImportFileError(f"{path}: only a header line, no contacts to import")

    try:
        with db.transaction() as session:
            screened = _screen(session, spool, in_file, options.cluster_by, report)
            if report.problems and not options.skip_invalid:
                report.refused = True
                session.rollback()
                return report
            if screened.kept:
                _write(session, path, spool, screened, options, clock, report)
            if report.dnc_from_duplicates:
                _register_duplicate_dnc(session, path, clock, report)
    except sa.exc.SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise ImportFileError(f"{path}: database error, nothing imported: {reason}") from None
    return report


def _first_nonblank(records: Iterable[tuple[int, list[str]]]) -> tuple[int, list[str]]:
    for line, cells in records:
        if any(c.strip() for c in cells):
            return line, cells
    raise StopIteration


def _require_columns(path: Path, line: int, columns: _Columns, headers: list[str]) -> None:
    has_phone = columns.get("phone") is not None or columns.get("mobile") is not None
    has_name = any(columns.get(f) is not None for f in ("first_name", "last_name", "full_name", "company"))
    if has_phone and has_name:
        return
    missing = " or ".join(
        w for w, present in (("phone", has_phone), ("name", has_name)) if not present
    )
    found = ", ".join(repr(h.strip()) for h in headers if h.strip()) or "none"
    raise ImportFileError(f"{path}:{line}: no {missing} column; columns found: {found}")


#: A duplicate row within the file waiting for the line of its first occurrence:
#: (line, phone column, phone cell, E.164, extension).
_InFileDuplicate = tuple[int, str, str, str, str]


def _parse_rows(
    records: Iterable[tuple[int, list[str]]],
    columns: _Columns,
    normalizer: PhoneNormalizer,
    report: ImportReport,
    spool: RowSpool,
) -> list[_InFileDuplicate]:
    """Read every data row into contact values parked on ``spool``; invalid rows become
    problems, duplicates within the file are counted and dropped. Returns the duplicates to
    list (the first ``max_listed_duplicates``), whose earlier line the screen pass finds."""
    idx = columns.index
    headers = columns.headers
    width = len(headers)
    blank = width  # index of an always-empty cell appended to every row
    def at(name: str) -> int:
        return idx.get(name, blank)

    i_first, i_last, i_full = at("first_name"), at("last_name"), at("full_name")
    i_title, i_company, i_vertical = at("title"), at("company"), at("vertical")
    i_region, i_country, i_size = at("region"), at("country"), at("company_size")
    i_ext, i_code, i_email = at("extension"), at("phone_code"), at("email")
    i_dnc, i_ext_id = at("do_not_call"), at("external_id")
    phone_cols = [(idx[f], headers[idx[f]].strip()) for f in ("phone", "mobile") if f in idx]
    name_col = headers[
        next(idx[f] for f in ("first_name", "last_name", "full_name", "company") if f in idx)
    ].strip()
    has_full = "full_name" in idx
    padding = [""] * (width + 1)

    region_cache: dict[tuple[str, str], str] = {}
    zone_cache: dict[tuple[tuple[str, ...], str, str], str] = {}
    size_cache: dict[str, tuple[int | None, str]] = {}
    role_cache: dict[str, tuple[str, str]] = {}
    vertical_cache: dict[str, str] = {}
    country_cache: dict[str, str | None] = {}
    # Numbers seen, as compactly as Python holds them: E.164 digits as an int (about 70
    # bytes a number with the set's own slot), with the extension only when there is one.
    seen: set[int | tuple[str, str]] = set()
    listed: list[_InFileDuplicate] = []
    max_listed = report.max_listed_duplicates

    for line, cells in records:
        n = len(cells)
        if n <= width:
            cells = cells + padding[n:]
        joined = "".join(cells)
        if not joined.strip():
            continue  # blank row
        report.rows_read += 1

        first, last = cells[i_first].strip(), cells[i_last].strip()
        full_split = not first and not last and has_full
        if full_split:
            first, last = _split_full_name(cells[i_full].strip())
        company = cells[i_company].strip()
        if not (first or last or company):
            report.problems.append(
                Problem(line, name_col, "", "missing name (no first, last or company name)")
            )
            continue

        country_raw = cells[i_country].strip()
        country_hint = None
        if country_raw:
            if country_raw not in country_cache:
                if len(country_cache) >= _CACHE_LIMIT:
                    country_cache.clear()
                country_cache[country_raw] = country_code(country_raw)
            country_hint = country_cache[country_raw]
        code = cells[i_code].strip()
        ext = cells[i_ext].strip()
        parsed = None
        first_error: Problem | None = None
        used_column = ""
        raw_used = ""
        for i, column_name in phone_cols:
            raw = cells[i].strip()
            if not raw:
                continue
            dial = raw
            if code and not raw.startswith("+") and code.lstrip("+").isdigit():
                dial = f"+{code.lstrip('+')} {raw}"
            try:
                parsed = normalizer.parse(dial, country_hint, ext)
            except InvalidPhone as exc:
                if first_error is None:
                    first_error = Problem(line, column_name, raw, str(exc))
                continue
            used_column, raw_used = column_name, raw
            break
        if parsed is None:
            report.problems.append(
                first_error or Problem(line, phone_cols[0][1], "", "missing phone number")
            )
            continue

        key: int | tuple[str, str] = (
            (parsed.e164, parsed.extension) if parsed.extension else int(parsed.e164[1:])
        )
        if key in seen:
            report.duplicates_in_file += 1
            if len(listed) < max_listed:
                listed.append((line, used_column, raw_used, parsed.e164, parsed.extension))
            if cells[i_dnc].strip().lower() in _TRUE:  # do-not-call holds even on a duplicate
                report.dnc_from_duplicates.setdefault(parsed.e164, line)
            continue
        seen.add(key)

        country = parsed.country or country_hint or ""
        state = cells[i_region].strip()
        rkey = (state, country)
        region = region_cache.get(rkey)
        if region is None:
            if len(region_cache) >= _CACHE_LIMIT:
                region_cache.clear()
            region = region_cache[rkey] = normalize_region(state, country)[: _MAX["region"]]
        zkey = (parsed.zones, country, region)
        zone = zone_cache.get(zkey)
        if zone is None:
            if len(zone_cache) >= _CACHE_LIMIT:
                zone_cache.clear()
            zone = zone_cache[zkey] = pick_zone(parsed.zones, country, region)

        title_raw = cells[i_title].strip()
        titled = role_cache.get(title_raw)
        if titled is None:
            if len(role_cache) >= _CACHE_LIMIT:
                role_cache.clear()
            title = "" if clustering.is_salutation(title_raw) else title_raw[: _MAX["title"]]
            titled = role_cache[title_raw] = (title, clustering.role_family(title))
        title, role = titled
        size_raw = cells[i_size].strip()
        size = size_cache.get(size_raw)
        if size is None:
            if len(size_cache) >= _CACHE_LIMIT:
                size_cache.clear()
            count = clustering.parse_company_size(size_raw)
            size = size_cache[size_raw] = (count, clustering.size_band(count))
        vertical_raw = cells[i_vertical].strip()
        vertical = vertical_cache.get(vertical_raw)
        if vertical is None:
            if len(vertical_cache) >= _CACHE_LIMIT:
                vertical_cache.clear()
            vertical = vertical_cache[vertical_raw] = clustering.tidy_vertical(vertical_raw)[
                : _MAX["vertical"]
            ]
        # tidying only shortens: only a long raw value can have been cut
        vertical_tidy = clustering.tidy_vertical(vertical_raw) if len(vertical_raw) > _MAX["vertical"] else ""
        email, ext_id = cells[i_email].strip(), cells[i_ext_id].strip()

        # In _CONTACT_COLUMNS order; list_id, status and created_at are set on write.
        values = [
            0, first[: _MAX["first_name"]], last[: _MAX["last_name"]], title, role,
            company[: _MAX["company"]], vertical, region,
            country[:2], size[0], size[1], parsed.e164, parsed.extension,
            email[: _MAX["email"]], zone, "", 0, cells[i_dnc].strip().lower() in _TRUE,
            ext_id[: _MAX["external_id"]], None,
        ]
        notes: list[tuple[int, str, str]] = []
        if not is_terminal_safe(joined.replace("\r", "")):
            for i, cell in enumerate(cells[:width]):
                found = unsafe_characters(cell.replace("\r", ""))
                if found:
                    notes.append((line, headers[i].strip(), (
                        f"holds control characters ({', '.join(found)}); kept as they came, "
                        "shown escaped")))
        for i, value, limit in (
            (i_full if full_split else i_first, first, _MAX["first_name"]),
            (i_full if full_split else i_last, last, _MAX["last_name"]),
            (i_title, title_raw if title else "", _MAX["title"]),
            (i_company, company, _MAX["company"]),
            (i_vertical, vertical_tidy, _MAX["vertical"]),
            (i_email, email, _MAX["email"]),
            (i_ext_id, ext_id, _MAX["external_id"]),
        ):
            if len(value) > limit:
                notes.append((line, headers[i].strip() if i < width else "", (
                    f"{len(value)} characters, kept the first {limit}")))
        spool.append((values, line, used_column, raw_used, tuple(notes)))
    return listed


def _chunks(items: list[str], size: int = _CHUNK) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing(session: Session, column: SQLCoreOperations[str], phones: list[str], query: sa.Select,
              total: int) -> list[sa.Row]:
    """Rows of ``query`` for ``phones``: one scan for small tables, chunked IN lists else."""
    if total == 0:
        return []
    if total <= 4 * len(phones):
        return list(session.execute(query))
    found: list[sa.Row] = []
    for chunk in _chunks(phones):
        found.extend(session.execute(query.where(column.in_(chunk))))
    return found


_CONTACT_COLUMNS = (
    "list_id", "first_name", "last_name", "title", "role_family", "company", "vertical", "region",
    "country", "company_size", "size_band", "phone", "extension", "email", "timezone", "status",
    "attempts", "do_not_call", "external_id", "created_at",
)


_PHONE, _EXT = _CONTACT_COLUMNS.index("phone"), _CONTACT_COLUMNS.index("extension")
_VERTICAL, _REGION = _CONTACT_COLUMNS.index("vertical"), _CONTACT_COLUMNS.index("region")
_COUNTRY, _SIZE_BAND = _CONTACT_COLUMNS.index("country"), _CONTACT_COLUMNS.index("size_band")
_ROLE, _STATUS = _CONTACT_COLUMNS.index("role_family"), _CONTACT_COLUMNS.index("status")
_DNC, _CREATED = _CONTACT_COLUMNS.index("do_not_call"), _CONTACT_COLUMNS.index("created_at")


@dataclass
class _Screened:
    """What the screen pass found: a flag byte per parked row (chunk by chunk), how many rows
    will be written and, when clustering, how many carry each cluster value."""

    flags: list[bytes]
    kept: int
    clusters: Counter[str]


def _screen(
    session: Session,
    spool: RowSpool,
    in_file: list[_InFileDuplicate],
    dimension: str | None,
    report: ImportReport,
) -> _Screened:
    """Second pass, inside the transaction: drop rows whose phone (and extension) is already
    a contact, note numbers already on the do-not-call register, count cluster values, and
    collect the notes of the rows that will land and the listed duplicates."""
    contacts_total = session.execute(sa.select(sa.func.count()).select_from(Contact)).scalar_one()
    dnc_total = session.execute(sa.select(sa.func.count()).select_from(DoNotCall)).scalar_one()
    query = sa.select(col(Contact.phone), col(Contact.extension), col(CallList.name)).join(
        CallList, col(CallList.id) == col(Contact.list_id)
    )
    register = sa.select(col(DoNotCall.phone))
    earlier = {(phone, ext): 0 for _, _, _, phone, ext in in_file}
    earlier_phones = {phone for phone, _ in earlier}
    max_listed = report.max_listed_duplicates
    in_db: list[Problem] = []
    notes: list[CellNote] = []
    cluster_value = _cluster_getter(dimension)
    clusters: Counter[str] = Counter()
    flags: list[bytes] = []
    kept = 0
    for chunk in spool.chunks():
        phones = sorted({row[0][_PHONE] for row in chunk}) if contacts_total or dnc_total else []
        existing: dict[tuple[str, str], str] = {}
        for phone, ext, list_name in _existing(session, col(Contact.phone), phones, query, contacts_total):
            existing.setdefault((phone, ext), list_name)
        registered = {
            row[0] for row in _existing(session, col(DoNotCall.phone), phones, register, dnc_total)
        }
        chunk_flags = bytearray(len(chunk))
        for i, (values, line, phone_column, phone_raw, row_notes) in enumerate(chunk):
            phone = values[_PHONE]
            if phone in earlier_phones and (phone, values[_EXT]) in earlier:
                earlier[phone, values[_EXT]] = line  # the first row with this number
            if existing:
                where = existing.get((phone, values[_EXT]))
                if where is not None:
                    chunk_flags[i] = _DROP
                    report.duplicates_in_db += 1
                    if values[_DNC]:  # do-not-call holds even for a number already imported
                        report.dnc_from_duplicates.setdefault(phone, line)
                    if len(in_db) < max_listed:
                        in_db.append(Problem(line, phone_column, phone_raw, f"already in list {where!r}"))
                    continue
            if phone in registered:
                chunk_flags[i] = _REGISTERED
            kept += 1
            if cluster_value is not None:
                clusters[cluster_value(values)] += 1
            if row_notes:
                report.cells_noted += len(row_notes)
                notes.extend(CellNote(*note) for note in row_notes[: report.max_listed_notes - len(notes)])
        flags.append(bytes(chunk_flags))
    report.notes = notes
    listed = [
        Problem(line, column, raw, f"duplicate of line {earlier[phone, ext]}")
        for line, column, raw, phone, ext in in_file
    ]
    report.duplicates = (listed + in_db)[:max_listed]
    return _Screened(flags, kept, clusters)


def _register_duplicate_dnc(session: Session, path: Path, clock: Clock, report: ImportReport) -> None:
    """Put do-not-call numbers from duplicate rows on the register and flag their contacts."""
    now = clock.now()
    phones = sorted(report.dnc_from_duplicates)
    registered = _on_register(session, phones)
    for chunk in _chunks(phones):
        session.execute(
            sa.update(Contact)
            .where(col(Contact.phone).in_(chunk))
            .values(do_not_call=True, status=ContactStatus.DO_NOT_CALL.value)
        )
    new = [p for p in phones if p not in registered]
    for phone in new:
        line = report.dnc_from_duplicates[phone]
        session.add(DoNotCall(phone=phone, added_at=now, source=f"import:{path.name}:{line}"[:200]))
    session.flush()
    report.dnc_registered_from_duplicates = len(new)


def _cluster_value(values: list, dimension: str) -> str:
    if dimension == "vertical":
        return values[_VERTICAL]
    if dimension == "region":
        region, country = values[_REGION], values[_COUNTRY]
        return region or (country_display(country) if country else "")
    if dimension == "size":
        return values[_SIZE_BAND]
    return values[_ROLE]


def _cluster_getter(dimension: str | None) -> Callable[[list], str] | None:
    """The cluster value of a row's contact values (None: not clustering)."""
    if dimension is None:
        return None
    if dimension == "region":
        return lambda values: _cluster_value(values, "region")
    return operator.itemgetter({"vertical": _VERTICAL, "size": _SIZE_BAND, "role": _ROLE}[dimension])


def _write(
    session: Session,
    path: Path,
    spool: RowSpool,
    screened: _Screened,
    options: ImportOptions,
    clock: Clock,
    report: ImportReport,
) -> None:
    """Create/extend the lists, then bulk-insert the contacts and do-not-call entries chunk
    by chunk."""
    now = clock.now()
    prefix = (options.list_name or path.stem).strip()[:120] or "Imported"
    dimension = options.cluster_by or ClusterDimension.NONE.value
    cluster_value = _cluster_getter(options.cluster_by)

    # Which list each cluster value goes to.
    if options.cluster_by:
        start = f"{prefix} - "
        existing_values = [
            name[len(start):]
            for name in session.exec(
                select(CallList.name).where(col(CallList.name).startswith(start, autoescape=True))
            )
        ]
        mapping = clustering.assign_cluster_counts(
            screened.clusters, options.min_cluster_size, existing_values
        )
        target_of = {raw: mapping[raw.strip().lower()] for raw in screened.clusters}
        names = {value: f"{prefix} - {value}"[:160] for value in set(target_of.values())}
        added: Counter[str] = Counter()
        for raw, n in screened.clusters.items():
            added[target_of[raw]] += n
    else:
        target_of = {}
        names = {"": prefix}
        added = Counter({"": screened.kept})

    tracks: dict[str, TalkTrack] = {}
    if options.cluster_by:
        for candidate in session.exec(select(TalkTrack).where(TalkTrack.cluster_dimension == dimension)):
            tracks.setdefault((candidate.cluster_value or "").strip().lower(), candidate)

    starter_id = starter_track_id(session)
    list_ids: dict[str, int] = {}
    results: dict[str, ListResult] = {}
    for value in sorted(names):
        name = names[value]
        found = session.exec(select(CallList).where(CallList.name == name)).first()
        track = tracks.get(value.lower()) if value else None
        if found is None:
            found = CallList(
                name=name,
                cluster_dimension=dimension,
                cluster_value=value or None,
                talk_track_id=track.id if track else None,
                source_file=str(path.name)[:500],
                created_at=now,
            )
            session.add(found)
            session.flush()
            results[value] = ListResult(name, 0, True, track.name if track else None)
        else:
            if found.talk_track_id is None and track is not None:
                found.talk_track_id = track.id
            attached = session.get(TalkTrack, found.talk_track_id) if found.talk_track_id else None
            results[value] = ListResult(name, 0, False, attached.name if attached else None)
        if found.talk_track_id is None and starter_id is not None:
            results[value].talk_track = STARTER_TRACK_NAME
            results[value].starter_track = True
        assert found.id is not None  # flushed
        list_ids[value] = found.id
    list_of = {raw: list_ids[target] for raw, target in target_of.items()}
    single_list = list_ids.get("", 0)

    # Values bound once with the column types' own processors (same result as SQLAlchemy's
    # per-row processing, which would cost more than the insert itself).
    prebind = bulk.binds_up_front(session)
    table = table_of(Contact)
    bound_now = bulk.bind_value(session, table, "created_at", now) if prebind else now
    bound_dnc = {
        f: bulk.bind_value(session, table, "do_not_call", f) if prebind else f for f in (True, False)
    }
    flagged_count = 0
    registered_here = False  # whether an earlier chunk put numbers on the register
    new_status, dnc_status = ContactStatus.NEW.value, ContactStatus.DO_NOT_CALL.value
    file_name = path.name
    for chunk, flags in zip(spool.chunks(), screened.flags, strict=True):
        contacts: list[list] = []
        new_dnc: dict[str, str] = {}
        for row, flag in zip(chunk, flags, strict=True):
            if flag & _DROP:
                continue
            v = row[0]
            phone = v[_PHONE]
            flagged = v[_DNC]
            registered = flag & _REGISTERED
            dnc = flagged or registered
            if dnc:
                flagged_count += 1
                if flagged and not registered and phone not in new_dnc:
                    new_dnc[phone] = f"import:{file_name}:{row[1]}"[:200]
            v[0] = single_list if cluster_value is None else list_of[cluster_value(v)]
            v[_STATUS] = dnc_status if dnc else new_status
            v[_DNC] = bound_dnc[bool(dnc)]
            v[_CREATED] = bound_now
            contacts.append(v)
        bulk.bulk_insert(session, table, _CONTACT_COLUMNS, contacts, bound=prebind)
        if new_dnc:
            if registered_here:  # the number's first do-not-call row, in an earlier chunk, wins
                for done in _on_register(session, sorted(new_dnc)):
                    del new_dnc[done]
            bulk.bulk_insert(
                session,
                table_of(DoNotCall),
                ("phone", "added_at", "source"),
                [[p, now, s] for p, s in new_dnc.items()],
            )
            registered_here = True
    for value, n in added.items():
        results[value].added = n
    report.do_not_call = flagged_count
    report.imported = screened.kept
    report.lists = [results[v] for v in sorted(results, key=lambda v: names[v])]


def _on_register(session: Session, phones: list[str]) -> set[str]:
    """Which of ``phones`` are on the do-not-call register."""
    found: set[str] = set()
    for chunk in _chunks(phones):
        found.update(session.exec(select(DoNotCall.phone).where(col(DoNotCall.phone).in_(chunk))))
    return found
