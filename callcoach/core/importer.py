"""Import a CSV of contacts into clustered call lists, in one transaction.

Recognises HubSpot, Salesforce and VICIdial exports and common header spellings
(case-insensitively), normalises phones to E.164 with a time zone, de-duplicates by phone
(and extension) within the file and against the database, honours a do-not-call column,
and splits the rows into one call list per cluster value. Either the whole import lands,
or (with ``skip_invalid``) every valid row lands and every rejected row is listed; nothing
is written when the import is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, select

from callcoach.clock import Clock
from callcoach.core import clustering
from callcoach.core.csvfile import DELIMITER_NAMES, CsvFileError, iter_records, read_csv_file
from callcoach.core.phones import InvalidPhone, PhoneNormalizer, pick_zone
from callcoach.core.regions import country_code, country_display, normalize_region
from callcoach.errors import CallcoachError
from callcoach.storage.db import Database
from callcoach.storage.models import (
    CallList,
    ClusterDimension,
    Contact,
    ContactStatus,
    DoNotCall,
    TalkTrack,
)

CLUSTER_DIMENSIONS = ("vertical", "region", "size", "role")
_CHUNK = 500  # phones per IN (...) query


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


@dataclass
class ListResult:
    """A call list the import created or added to."""

    name: str
    added: int
    created: bool
    talk_track: str | None = None


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
    duplicates: list[Problem] = field(default_factory=list)
    lists: list[ListResult] = field(default_factory=list)
    refused: bool = False
    max_listed_duplicates: int = 50

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
        if self.refused:
            out.append(
                f"{name}: nothing imported: {self.invalid} invalid row(s), listed below. Fix them, "
                f"or rerun with --skip-invalid to import the {self.rows_read - self.invalid - self.duplicates_in_file - self.duplicates_in_db} valid row(s)."
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
            f"({self.duplicates_in_file} within the file, {self.duplicates_in_db} already in the database)"
        )
        out.append(f"  invalid     {self.invalid}" + (" (skipped)" if self.invalid and not self.refused else ""))
        out.append(f"  do-not-call {self.do_not_call}")
        created = [r for r in self.lists if r.created]
        out.append(f"  lists created {len(created)}, added to {len(self.lists) - len(created)}")
        for r in self.lists:
            track = f", talk track: {r.talk_track}" if r.talk_track else ""
            verb = "new" if r.created else "added to"
            out.append(f"    {r.name}: {r.added} contacts ({verb}{track})")
        if self.problems:
            out.append("Invalid rows:")
            out.extend("  " + p.render(name) for p in self.problems)
        if self.duplicates:
            out.append("Duplicates (not imported):")
            shown = self.duplicates[: self.max_listed_duplicates]
            out.extend("  " + p.render(name) for p in shown)
            if len(self.duplicates) > len(shown):
                out.append(f"  ... and {len(self.duplicates) - len(shown)} more duplicates")
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


class _Row:
    __slots__ = ("line", "values", "parsed", "phone_column", "phone_raw", "dnc")


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
        decoded = read_csv_file(path)
    except CsvFileError as exc:
        raise ImportFileError(str(exc)) from None
    report = ImportReport(file=path, encoding=decoded.encoding, delimiter=decoded.delimiter)
    records = iter_records(decoded)
    try:
        header_line, headers = _first_nonblank(records)
    except StopIteration:
        raise ImportFileError(f"{path}: empty file, nothing to import") from None
    except CsvFileError as exc:
        raise ImportFileError(str(exc)) from None
    columns = map_headers(headers)
    report.family = header_family(headers)
    _require_columns(path, header_line, columns, headers)
    try:
        rows = _parse_rows(records, columns, normalizer, report)
    except CsvFileError as exc:
        raise ImportFileError(str(exc)) from None
    if report.rows_read == 0:
        raise ImportFileError(f"{path}: only a header line, no contacts to import")

    try:
        with db.transaction() as session:
            rows = _drop_database_duplicates(session, rows, report)
            if report.problems and not options.skip_invalid:
                report.refused = True
                session.rollback()
                return report
            if rows:
                _write(session, path, rows, options, clock, report)
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


def _parse_rows(
    records: Iterable[tuple[int, list[str]]],
    columns: _Columns,
    normalizer: PhoneNormalizer,
    report: ImportReport,
) -> list[_Row]:
    """Read every data row into contact values; invalid rows become problems."""
    idx = columns.index
    headers = columns.headers
    i_first, i_last, i_full = idx.get("first_name"), idx.get("last_name"), idx.get("full_name")
    i_title, i_company, i_vertical = idx.get("title"), idx.get("company"), idx.get("vertical")
    i_region, i_country, i_size = idx.get("region"), idx.get("country"), idx.get("company_size")
    i_phone, i_mobile, i_ext = idx.get("phone"), idx.get("mobile"), idx.get("extension")
    i_code, i_email, i_dnc, i_ext_id = (
        idx.get("phone_code"), idx.get("email"), idx.get("do_not_call"), idx.get("external_id")
    )
    phone_cols = [(i, headers[i].strip()) for i in (i_phone, i_mobile) if i is not None]
    name_col = headers[next(i for i in (i_first, i_last, i_full, i_company) if i is not None)].strip()

    region_cache: dict[tuple[str, str], str] = {}
    zone_cache: dict[tuple[tuple[str, ...], str, str], str] = {}
    size_cache: dict[str, tuple[int | None, str]] = {}
    role_cache: dict[str, str] = {}
    vertical_cache: dict[str, str] = {}
    country_cache: dict[str, str | None] = {}
    seen: dict[tuple[str, str], int] = {}
    rows: list[_Row] = []

    for line, cells in records:
        n = len(cells)
        if not any(c.strip() for c in cells):
            continue  # blank row
        report.rows_read += 1

        def cell(i: int | None, cells: list[str] = cells, n: int = n) -> str:
            return cells[i].strip() if i is not None and i < n else ""

        first, last = cell(i_first), cell(i_last)
        if not first and not last and i_full is not None:
            first, last = _split_full_name(cell(i_full))
        company = cell(i_company)
        if not (first or last or company):
            report.problems.append(Problem(line, name_col, "", "missing name (no first, last or company name)"))
            continue

        country_raw = cell(i_country)
        country_hint = None
        if country_raw:
            if country_raw not in country_cache:
                country_cache[country_raw] = country_code(country_raw)
            country_hint = country_cache[country_raw]
        code = cell(i_code)
        ext = cell(i_ext)
        parsed = None
        first_error: Problem | None = None
        used_column = ""
        raw_used = ""
        for i, column_name in phone_cols:
            raw = cells[i].strip() if i < n else ""
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

        key = (parsed.e164, parsed.extension)
        earlier = seen.get(key)
        if earlier is not None:
            report.duplicates_in_file += 1
            report.duplicates.append(Problem(line, used_column, raw_used, f"duplicate of line {earlier}"))
            continue
        seen[key] = line

        country = parsed.country or country_hint or ""
        state = cell(i_region)
        rkey = (state, country)
        region = region_cache.get(rkey)
        if region is None:
            region = region_cache[rkey] = normalize_region(state, country)[: _MAX["region"]]
        zkey = (parsed.zones, country, region)
        zone = zone_cache.get(zkey)
        if zone is None:
            zone = zone_cache[zkey] = pick_zone(parsed.zones, country, region)

        title = cell(i_title)
        if title and clustering.is_salutation(title):
            title = ""
        role = role_cache.get(title)
        if role is None:
            role = role_cache[title] = clustering.role_family(title)
        size_raw = cell(i_size)
        size = size_cache.get(size_raw)
        if size is None:
            count = clustering.parse_company_size(size_raw)
            size = size_cache[size_raw] = (count, clustering.size_band(count))
        vertical_raw = cell(i_vertical)
        vertical = vertical_cache.get(vertical_raw)
        if vertical is None:
            vertical = vertical_cache[vertical_raw] = clustering.tidy_vertical(vertical_raw)[:120]

        row = _Row()
        row.line = line
        row.parsed = parsed
        row.phone_column = used_column
        row.phone_raw = raw_used
        row.dnc = cell(i_dnc).lower() in _TRUE
        row.values = {
            "first_name": first[:120],
            "last_name": last[:120],
            "title": title[:200],
            "role_family": role,
            "company": company[:200],
            "vertical": vertical,
            "region": region,
            "country": country[:2],
            "company_size": size[0],
            "size_band": size[1],
            "phone": parsed.e164,
            "extension": parsed.extension,
            "email": cell(i_email)[:254],
            "timezone": zone,
            "external_id": cell(i_ext_id)[:120],
        }
        rows.append(row)
    return rows


def _chunks(items: list[str], size: int = _CHUNK) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _drop_database_duplicates(session: Session, rows: list[_Row], report: ImportReport) -> list[_Row]:
    """Remove rows whose phone (and extension) is already a contact; count them."""
    phones = sorted({r.values["phone"] for r in rows})
    existing: dict[tuple[str, str], str] = {}
    for chunk in _chunks(phones):
        for phone, ext, list_name in session.execute(
            sa.select(Contact.phone, Contact.extension, CallList.name)
            .join(CallList, CallList.id == Contact.list_id)
            .where(Contact.phone.in_(chunk))
        ):
            existing.setdefault((phone, ext), list_name)
    if not existing:
        return rows
    kept = []
    for r in rows:
        where = existing.get((r.values["phone"], r.values["extension"]))
        if where is None:
            kept.append(r)
            continue
        report.duplicates_in_db += 1
        report.duplicates.append(
            Problem(r.line, r.phone_column, r.phone_raw, f"already in list {where!r}")
        )
    return kept


def _cluster_value(values: dict, dimension: str) -> str:
    if dimension == "vertical":
        return values["vertical"]
    if dimension == "region":
        return values["region"] or (country_display(values["country"]) if values["country"] else "")
    if dimension == "size":
        return values["size_band"]
    return values["role_family"]


def _write(
    session: Session,
    path: Path,
    rows: list[_Row],
    options: ImportOptions,
    clock: Clock,
    report: ImportReport,
) -> None:
    """Create/extend the lists and bulk-insert contacts and do-not-call entries."""
    now = clock.now()
    prefix = (options.list_name or path.stem).strip()[:120] or "Imported"
    dimension = options.cluster_by or ClusterDimension.NONE.value

    # Which list each row goes to.
    if options.cluster_by:
        raw_values = [_cluster_value(r.values, dimension) for r in rows]
        start = f"{prefix} - "
        existing_values = [
            name[len(start):]
            for name in session.exec(
                select(CallList.name).where(CallList.name.startswith(start, autoescape=True))
            )
        ]
        mapping = clustering.assign_clusters(raw_values, options.min_cluster_size, existing_values)
        targets = [mapping[v.strip().lower()] for v in raw_values]
        names = {value: f"{prefix} - {value}"[:160] for value in set(targets)}
    else:
        targets = [""] * len(rows)
        names = {"": prefix}

    tracks = {}
    if options.cluster_by:
        for track in session.exec(select(TalkTrack).where(TalkTrack.cluster_dimension == dimension)):
            tracks.setdefault((track.cluster_value or "").strip().lower(), track)

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
        list_ids[value] = found.id

    registered: set[str] = set()
    phones = sorted({r.values["phone"] for r in rows})
    for chunk in _chunks(phones):
        registered.update(session.exec(select(DoNotCall.phone).where(DoNotCall.phone.in_(chunk))))

    new_dnc: dict[str, str] = {}
    contacts = []
    new_status, dnc_status = ContactStatus.NEW.value, ContactStatus.DO_NOT_CALL.value
    for r, value in zip(rows, targets, strict=True):
        values = r.values
        phone = values["phone"]
        dnc = r.dnc or phone in registered
        if r.dnc and phone not in registered and phone not in new_dnc:
            new_dnc[phone] = f"import:{path.name}:{r.line}"[:200]
        values["list_id"] = list_ids[value]
        values["status"] = dnc_status if dnc else new_status
        values["do_not_call"] = dnc
        values["attempts"] = 0
        values["next_call_at"] = None
        values["last_outcome"] = None
        values["last_called_at"] = None
        values["reserved_by_block_id"] = None
        values["reserved_at"] = None
        values["callback_rep_id"] = None
        values["created_at"] = now
        contacts.append(values)
        report.do_not_call += dnc
        results[value].added += 1

    session.execute(sa.insert(Contact), contacts)
    if new_dnc:
        session.execute(
            sa.insert(DoNotCall),
            [{"phone": p, "added_at": now, "source": s} for p, s in new_dnc.items()],
        )
    report.imported = len(contacts)
    report.lists = [results[v] for v in sorted(results, key=lambda v: names[v])]
