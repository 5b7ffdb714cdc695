"""Property tests: arbitrary files and rows never crash the importer or leave half an import."""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callcoach.core.lists.importer import ImportFileError, ImportOptions, import_file
from callcoach.storage.sql import bulk
from tests.support.helpers import count_rows
from tests.support.paths import TEST_DATA

HEADER_SETS = [
    ["First name", "Last name", "Email", "Phone number", "Company name", "Job title", "Industry",
     "State/Region", "Country/Region", "Number of employees"],
    ["First Name", "Last Name", "Company / Account", "Title", "Phone", "Mobile", "Email",
     "Industry", "State/Province", "Employees", "Do Not Call"],
    ["vendor_lead_code", "phone_code", "phone_number", "title", "first_name", "last_name",
     "state", "email"],
    ["Name", "Telephone", "Ext", "Company", "Country"],
]

phone_like = st.one_of(
    st.sampled_from([
        "(212) 555-0101", "+1 415 555 0102", "212-555-0101", "555-12", "+44 20 7946 0123",
        "020 7946 0123", "+61 491 570 006", "not a number", "", "=1+2", "+1 (800) 555-0199 x9",
        "(123) 456-7890", "0049 30 901820", "1" * 30,
    ]),
    st.from_regex(r"\+?[0-9 ()\-.x#]{0,24}", fullmatch=True),
)
cell = st.one_of(
    phone_like,
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40),
    st.sampled_from(["yes", "no", "1", "0", "CEO", "VP Sales", "Software", "NY", "51-200",
                     "=HYPERLINK(\"x\")", "Retail", "United Kingdom", "", "  "]),
)


PHONE_HEADERS = {"Phone number", "Phone", "phone_number", "Telephone"}
NAME_HEADERS = {"First name", "First Name", "first_name", "Name"}


@st.composite
def good_rows(draw: st.DrawFn, headers: list[str]) -> list[str]:
    """A plausible row: a name and a valid (often repeated) number, other cells arbitrary."""
    row = draw(st.lists(cell, min_size=len(headers), max_size=len(headers)))
    for i, header in enumerate(headers):
        if header in PHONE_HEADERS:
            n = draw(st.integers(100, 130))
            row[i] = draw(st.sampled_from([f"(212) 555-0{n}", f"+1 415 555 0{n}", f"020 7946 0{n}"]))
        elif header in NAME_HEADERS:
            row[i] = draw(st.sampled_from(["Ada", "Bo Li", "Zoë", "José Núñez"]))
    return row


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[bytes, bool]:
    """A CSV file as bytes in a random header family, delimiter and encoding."""
    headers = draw(st.sampled_from(HEADER_SETS))
    rows = draw(
        st.lists(
            st.one_of(
                good_rows(headers),
                st.lists(cell, min_size=0, max_size=len(headers) + 2),
            ),
            min_size=0,
            max_size=12,
        )
    )
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(headers)
    writer.writerows(rows)
    text = out.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    data = text.encode(encoding, errors="replace")
    return data, draw(st.booleans())


def _snapshot(db) -> tuple[int, int, int]:
    return (count_rows(db, "contact"), count_rows(db, "call_list"), count_rows(db, "do_not_call"))


def _check_import(db, clock, tmp_path: Path, data: bytes, skip_invalid: bool, cluster: str | None):
    before = _snapshot(db)
    path = tmp_path / f"{uuid.uuid4().hex}.csv"
    path.write_bytes(data)
    try:
        report = import_file(
            db, path, ImportOptions(skip_invalid=skip_invalid, cluster_by=cluster, min_cluster_size=2),
            clock,
        )
    except ImportFileError as exc:
        assert "\n" not in str(exc)
        assert _snapshot(db) == before  # a refused file writes nothing
        return
    after = _snapshot(db)
    accounted = report.invalid + report.duplicates_in_file + report.duplicates_in_db
    if not report.ok:
        assert report.invalid > 0 and not skip_invalid
        assert report.imported == 0 and report.rows_read >= accounted
        assert after == before  # all or nothing
    else:
        assert report.rows_read == report.imported + accounted
        assert after[0] - before[0] == report.imported  # every valid row landed
    report.render()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(file=csv_files(), cluster=st.sampled_from([None, "vertical", "region", "size", "role"]))
def test_arbitrary_rows_never_crash_or_half_import(db, clock, tmp_path, file, cluster):
    """Any rows in any family: either a one-line error or a whole (or whole-valid) import."""
    data, skip_invalid = file
    _check_import(db, clock, tmp_path, data, skip_invalid, cluster)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.binary(max_size=600), skip_invalid=st.booleans())
def test_arbitrary_bytes_never_crash(sqlite_db, clock, tmp_path, data, skip_invalid):
    """Random bytes are refused with one line or imported; never a traceback."""
    _check_import(sqlite_db, clock, tmp_path, data, skip_invalid, None)


def test_database_failure_mid_import_writes_nothing(db, clock, tmp_path, monkeypatch):
    """If the database fails after the contacts were inserted, the whole import rolls back."""
    path = TEST_DATA / "import" / "salesforce.csv"
    real = bulk.bulk_insert
    calls = []

    def failing(session, table, columns, rows, **kw):
        calls.append(table.name)
        real(session, table, columns, rows, **kw)
        if table.name == "do_not_call":
            raise sa.exc.OperationalError("INSERT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(bulk, "bulk_insert", failing)
    with pytest.raises(ImportFileError, match="database error, nothing imported: disk I/O error"):
        import_file(db, path, ImportOptions(skip_invalid=True), clock)
    assert calls == ["contact", "do_not_call"]
    assert _snapshot(db) == (0, 0, 0)
