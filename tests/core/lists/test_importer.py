"""Import: real CSV files from tests/data/import, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from callcoach.core.lists.importer import ImportFileError, ImportOptions, import_file
from callcoach.core.lists.tracks import load_tracks_file
from callcoach.storage.models import CallList, Contact, DoNotCall, TalkTrack
from tests.support.helpers import count_rows
from tests.support.paths import REPO, TEST_DATA

FILES = TEST_DATA / "import"


def run(db, clock, name: str, **kw):
    """Import one of the test files."""
    return import_file(db, FILES / name, ImportOptions(**kw), clock)


def contacts(db) -> dict[str, Contact]:
    """Every contact keyed by E.164 phone (plus 'xEXT' when it has an extension)."""
    with db.session() as s:
        rows = s.exec(select(Contact)).all()
    return {c.phone + (f"x{c.extension}" if c.extension else ""): c for c in rows}


def test_hubspot_export(db, clock):
    """HubSpot headers, comma, UTF-8: phones, extensions, regions, sizes, roles, formula text."""
    report = run(db, clock, "hubspot.csv")
    assert report.ok and report.family == "HubSpot" and report.delimiter == ","
    assert (report.rows_read, report.imported, report.duplicates_in_file) == (7, 6, 1)
    got = contacts(db)
    assert set(got) == {
        "+12125550101", "+12125550102x44", "+14155550103", "+14155550104x7", "+13125550106",
        "+442079460107",
    }
    ada = got["+12125550101"]
    assert (ada.first_name, ada.last_name, ada.company) == ("Avery", "Abernathy", "Birch Cloud Inc")
    assert (ada.title, ada.role_family, ada.vertical) == ("CEO", "C-level", "Computer Software")
    assert (ada.region, ada.country, ada.timezone) == ("New York", "US", "America/New_York")
    assert (ada.company_size, ada.size_band, ada.external_id) == (120, "51-200", "101")
    assert ada.email == "avery@birch.example" and ada.status == "new" and ada.attempts == 0
    assert ada.created_at == clock.now()
    assert got["+12125550102x44"].company_size == 1200
    assert got["+14155550103"].timezone == "America/Los_Angeles"
    assert got["+14155550104x7"].role_family == "Manager"
    assert got["+442079460107"].timezone == "Europe/London"
    assert got["+442079460107"].role_family == "Director"
    # A spreadsheet formula is stored as the text it is, never evaluated.
    formula = got["+13125550106"]
    assert formula.title == '=HYPERLINK("http://evil.example","click")'
    assert formula.size_band == "5001+"
    with db.session() as s:
        lists = s.exec(select(CallList)).all()
    assert [(cl.name, cl.cluster_dimension, cl.source_file) for cl in lists] == [
        ("hubspot", "none", "hubspot.csv")
    ]
    assert "hubspot.csv:6: Phone number: '(212) 555-0101': duplicate of line 2" in report.render()


def test_salesforce_semicolon_bom_and_do_not_call(db, clock):
    """Salesforce headers, semicolons, a BOM; Mobile used when Phone is blank; DNC honoured."""
    report = run(db, clock, "salesforce.csv", skip_invalid=True)
    assert report.family == "Salesforce"
    assert report.delimiter == ";" and report.encoding == "UTF-8 with BOM"
    assert report.imported == 4 and report.do_not_call == 1
    got = contacts(db)
    assert got["+17205550112"].first_name == "Indra"  # phone blank: the mobile is used
    assert got["+17205550114"].first_name == "Kai"  # phone unusable: the mobile is used
    assert got["+13035550111"].company == "Granite Valley Credit Union"
    assert got["+13035550111"].role_family == "C-level"
    assert got["+17205550112"].role_family == "VP"
    assert got["+13035550111"].external_id == "00Q1"
    dnc = got["+13035550113"]
    assert dnc.do_not_call is True and dnc.status == "dnc"
    assert sum(c.do_not_call for c in got.values()) == 1
    with db.session() as s:
        register = s.exec(select(DoNotCall)).all()
    assert [(d.phone, d.source) for d in register] == [("+13035550113", "import:salesforce.csv:4")]


def test_vicidial_tab_separated(db, clock):
    """VICIdial lead columns, tabs: phone_code + phone_number, salutation is not a job title."""
    report = run(db, clock, "vicidial.txt")
    assert report.family == "VICIdial" and report.delimiter == "\t"
    got = contacts(db)
    assert set(got) == {"+12065550121", "+14255550122", "+441614960123", "+61255501234"}
    lane = got["+12065550121"]
    assert (lane.first_name, lane.last_name, lane.title) == ("Lane", "Lindqvist", "")
    assert (lane.region, lane.external_id, lane.email) == ("Washington", "V-1", "lane@northline.example")
    assert got["+441614960123"].timezone == "Europe/London"
    assert got["+61255501234"].region == "New South Wales"
    assert got["+61255501234"].timezone == "Australia/Sydney"


def test_pipe_generic_headers_full_name_and_extension_column(db, clock):
    """Pipes; a single Name column (also "Last, First"); an Ext column; country by name/code."""
    report = run(db, clock, "pipe_generic.csv")
    assert report.delimiter == "|" and report.imported == 4
    got = contacts(db)
    parker = got["+442079460131x12"]
    assert (parker.first_name, parker.last_name, parker.vertical) == ("Parker", "Pendergast", "Logistics")
    quinn = got["+4930901820"]
    assert (quinn.first_name, quinn.last_name, quinn.country) == ("Quinn", "Quintero", "DE")
    assert quinn.timezone == "Europe/Berlin" and quinn.role_family == "C-level"
    assert got["+61255501333"].timezone == "Australia/Sydney"
    # 08 numbers span Adelaide and Perth; with no region either is acceptable, never blank.
    assert got["+61855501334"].timezone in {"Australia/Adelaide", "Australia/Perth"}


def test_latin1_file_is_read_as_cp1252(db, clock):
    """A file that is not UTF-8 falls back to cp1252 and keeps its accents."""
    report = run(db, clock, "latin1.csv")
    assert report.encoding == "cp1252" and report.delimiter == ";"
    got = contacts(db)
    assert (got["+4930901820"].first_name, got["+4930901820"].last_name) == ("Jürgen", "Müller")
    assert got["+4930901820"].company == "Fabrik Süd GmbH"
    assert got["+33123456789"].company == "Café Société"
    assert got["+442079460142"].company == "Crème & Co — Ltd"


def test_international_and_national_formats(db, clock):
    """Many ways of writing numbers end as E.164 with the right zone."""
    report = run(db, clock, "intl_formats.csv", skip_invalid=True)
    got = contacts(db)
    assert {
        "+442079460151", "+442079460152", "+61491570006", "+61491570156", "+14165550155",
        "+16045550156", "+18005550157", "+493090182015", "+12125550160x99",
    } == set(got)
    # An Australian mobile maps to many zones: the state column picks one.
    assert got["+61491570006"].timezone == "Australia/Perth"
    assert got["+61491570156"].timezone == "Australia/Sydney"
    assert got["+14165550155"].region == "Ontario"
    assert got["+16045550156"].region == "British Columbia"
    assert got["+16045550156"].timezone == "America/Vancouver"
    # A toll-free number has no geography: the region column decides.
    assert got["+18005550157"].timezone == "America/Chicago"
    # "00 33 ..." is not an international prefix when dialling from the US.
    assert [(p.line, p.value) for p in report.problems] == [(10, "00 33 1 23 45 67 90")]


def test_invalid_rows_refuse_the_whole_import(db, clock):
    """Without --skip-invalid, one bad row means nothing is written, and every bad row is listed."""
    report = run(db, clock, "invalid_rows.csv")
    assert not report.ok and report.imported == 0
    assert count_rows(db, "contact") == 0 and count_rows(db, "call_list") == 0
    text = report.render()
    name = str(FILES / "invalid_rows.csv")
    for line in (
        f"{name}:5: Phone: '555-12': too short",
        f"{name}:6: First Name: '': missing name",
        f"{name}:7: Phone: 'call me maybe': not a phone number",
        f"{name}:8: Phone: '': missing phone number",
        f"{name}:9: Phone: '(123) 456-7890': not a valid US number",
    ):
        assert line in text
    assert "nothing imported: 5 invalid row(s)" in text
    assert "--skip-invalid to import the 3 valid row(s)" in text


def test_skip_invalid_lands_every_valid_row(db, clock):
    """With --skip-invalid the valid rows land, blank rows are ignored, bad ones are listed."""
    report = run(db, clock, "invalid_rows.csv", skip_invalid=True)
    assert report.ok
    assert (report.rows_read, report.imported, report.invalid) == (8, 3, 5)
    assert set(contacts(db)) == {"+12125550171", "+12125550172", "+13125550174"}
    assert [p.line for p in report.problems] == [5, 6, 7, 8, 9]


def test_duplicates_within_the_file(db, clock):
    """Same number in other formats is a duplicate; the same number with an extension is not."""
    report = run(db, clock, "duplicates.csv")
    assert report.imported == 3 and report.duplicates_in_file == 2
    assert set(contacts(db)) == {"+12125550181", "+12125550181x5", "+12125550182"}
    assert [d.line for d in report.duplicates] == [3, 6]


def test_duplicates_against_the_database_and_append(db, clock):
    """Importing again into the same list appends only new numbers."""
    run(db, clock, "duplicates.csv", list_name="Leads")
    report = run(db, clock, "hubspot.csv", list_name="Leads")
    assert report.imported == 6 and report.lists[0].created is False
    again = run(db, clock, "hubspot.csv", list_name="Leads")
    assert again.imported == 0 and again.duplicates_in_db == 6 and again.duplicates_in_file == 1
    assert "already in list 'Leads'" in again.render()
    assert count_rows(db, "contact") == 9 and count_rows(db, "call_list") == 1


def test_number_on_the_global_do_not_call_register_is_never_callable(db, clock):
    """A number already on the DNC register imports flagged do-not-call."""
    with db.transaction() as s:
        s.add(DoNotCall(phone="+12125550171", added_at=clock.now(), source="call:1"))
    report = run(db, clock, "invalid_rows.csv", skip_invalid=True)
    assert report.do_not_call == 1
    got = contacts(db)
    assert got["+12125550171"].status == "dnc" and got["+12125550171"].do_not_call
    assert count_rows(db, "do_not_call") == 1


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.csv", "empty.csv: empty file, nothing to import"),
        ("blank_only.csv", "blank_only.csv: empty file, nothing to import"),
        ("header_only.csv", "header_only.csv: only a header line, no contacts to import"),
        ("binary.csv", "binary.csv: binary file"),
        ("workbook.csv", "workbook.csv: looks like an Excel workbook"),
        (
            "missing_phone.csv",
            "missing_phone.csv:1: no phone column; columns found: 'First name', 'Last name', "
            "'Email', 'Company name'",
        ),
        ("missing_name.csv", "missing_name.csv:1: no name column; columns found: 'Email'"),
        ("no_such_file.csv", "no_such_file.csv: no such file"),
    ],
)
def test_unusable_files_fail_with_one_line(db, clock, name, message):
    """Each unusable file gives one line naming it, and writes nothing."""
    with pytest.raises(ImportFileError) as err:
        run(db, clock, name)
    assert message in str(err.value)
    assert "\n" not in str(err.value)
    assert count_rows(db, "contact") == 0 and count_rows(db, "call_list") == 0


def test_cluster_by_vertical_merges_tiny_groups_and_attaches_tracks(db, clock):
    """One list per vertical; small verticals go to Other; matching talk tracks attach."""
    load_tracks_file(db, REPO / "data" / "talk_tracks.toml", clock)
    report = import_file(
        db,
        REPO / "data" / "demo_contacts.csv",
        ImportOptions(list_name="Demo", cluster_by="vertical", min_cluster_size=5),
        clock,
    )
    assert report.ok and report.imported == 480 and report.lists_created == 6
    with db.session() as s:
        lists = {cl.name: cl for cl in s.exec(select(CallList)).all()}
        tracks = {t.id: t.name for t in s.exec(select(TalkTrack)).all()}
    assert set(lists) == {
        "Demo - Financial Services", "Demo - Healthcare", "Demo - Logistics",
        "Demo - Manufacturing", "Demo - Retail", "Demo - Software",
    }
    software = lists["Demo - Software"]
    assert (software.cluster_dimension, software.cluster_value) == ("vertical", "Software")
    assert tracks[software.talk_track_id] == "Software"
    # hubspot.csv: 4 Computer Software, 1 health care (after a duplicate), 1 Manufacturing.
    # The lone health-care contact merges into Other; Manufacturing already has a list.
    report = run(db, clock, "hubspot.csv", list_name="Demo", cluster_by="vertical", min_cluster_size=3)
    assert {r.name: (r.added, r.created) for r in report.lists} == {
        "Demo - Computer Software": (4, True), "Demo - Other": (1, True),
        "Demo - Manufacturing": (1, False),
    }


def test_cluster_by_region_size_and_role(db, clock):
    """The other dimensions split the same file differently."""
    by_region = run(db, clock, "hubspot.csv", list_name="R", cluster_by="region", min_cluster_size=2)
    assert {r.name: r.added for r in by_region.lists} == {
        "R - California": 2, "R - New York": 2, "R - Other": 2,
    }
    with db.transaction() as s:
        s.execute(Contact.__table__.delete())
    by_size = run(db, clock, "hubspot.csv", list_name="S", cluster_by="size", min_cluster_size=1)
    assert {r.name: r.added for r in by_size.lists} == {
        "S - 51-200": 2, "S - 1001-5000": 1, "S - 11-50": 1, "S - 5001+": 1, "S - 201-1000": 1,
    }
    with db.transaction() as s:
        s.execute(Contact.__table__.delete())
    by_role = run(db, clock, "hubspot.csv", list_name="P", cluster_by="role", min_cluster_size=1)
    assert {r.name: r.added for r in by_role.lists} == {
        "P - C-level": 1, "P - VP": 1, "P - Director": 2, "P - Manager": 1,
        "P - Individual contributor": 1,
    }


def test_region_cluster_appends_to_existing_small_list(db, clock):
    """A value that already has a list keeps going there even when the new group is tiny."""
    run(db, clock, "hubspot.csv", list_name="R", cluster_by="region", min_cluster_size=1)
    report = run(db, clock, "salesforce.csv", list_name="R", cluster_by="region", min_cluster_size=10)
    assert {r.name: (r.added, r.created) for r in report.lists} == {"R - Other": (4, True)}
    report = run(db, clock, "invalid_rows.csv", list_name="R", cluster_by="region",
                 min_cluster_size=10, skip_invalid=True)
    # No region column: the country from the number is the region.
    assert {r.name: r.added for r in report.lists} == {"R - Other": 3}


def test_bad_options_are_one_line_errors(db, clock):
    """Unknown default region, cluster dimension or cluster size."""
    for kw, text in (
        ({"default_region": "XX"}, "--default-region"),
        ({"cluster_by": "colour"}, "--cluster-by 'colour'"),
        ({"min_cluster_size": 0}, "--min-cluster 0"),
    ):
        with pytest.raises(ImportFileError, match=text):
            run(db, clock, "hubspot.csv", **kw)


def test_default_region_reads_national_numbers(db, clock, tmp_path):
    """--default-region GB reads 020 numbers as London."""
    path = tmp_path / "uk.csv"
    path.write_text("Name,Phone\nAda Byron,020 7946 0199\nBea Cole,+1 212 555 0199\n")
    report = import_file(db, path, ImportOptions(default_region="GB"), clock)
    assert report.imported == 2
    assert set(contacts(db)) == {"+442079460199", "+12125550199"}


def test_created_at_is_the_clock(db, clock):
    """Imported contacts and lists carry the injected clock's instant, aware UTC."""
    clock.set(datetime(2026, 12, 1, 9, 30, tzinfo=UTC))
    run(db, clock, "hubspot.csv")
    with db.session() as s:
        c = s.exec(select(Contact)).first()
        cl = s.exec(select(CallList)).first()
    assert c.created_at == datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    assert cl.created_at == c.created_at


def test_utf16_and_latin1_fallbacks(db, clock, tmp_path):
    """Excel's UTF-16 "Unicode text" (tabs) reads; bytes cp1252 cannot decode fall to Latin-1."""
    utf16 = tmp_path / "unicode.txt"
    utf16.write_bytes("Name\tPhone\nZoë Brontë\t(212) 555-0191\n".encode("utf-16"))
    report = import_file(db, utf16, ImportOptions(), clock)
    assert report.encoding == "UTF-16" and report.delimiter == "\t" and report.imported == 1
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Name,Phone\nJos\xe9 \x81,(212) 555-0192\n".encode("latin-1"))
    report = import_file(db, latin, ImportOptions(), clock)
    assert report.encoding == "Latin-1" and report.imported == 1
    got = contacts(db)
    assert got["+12125550191"].first_name == "Zoë"
    assert got["+12125550192"].first_name == "José"


def test_garbage_collector_is_restored(db, clock):
    """The import pauses the cyclic GC for speed and always switches it back on."""
    import gc

    assert gc.isenabled()
    run(db, clock, "hubspot.csv")
    assert gc.isenabled()
    with pytest.raises(ImportFileError):
        run(db, clock, "header_only.csv")
    assert gc.isenabled()
    run(db, clock, "invalid_rows.csv")  # refused
    assert gc.isenabled()


def test_do_not_call_on_a_duplicate_row_is_still_honoured(db, clock, tmp_path):
    """A DNC flag on a duplicate (in the file or of a contact already imported) is never lost."""
    first = tmp_path / "first.csv"
    first.write_text("Name,Phone,Do Not Call\nAda One,(212) 555-0161,\nBea Two,(212) 555-0162,\n")
    assert import_file(db, first, ImportOptions(), clock).imported == 2
    second = tmp_path / "second.csv"
    second.write_text(
        "Name,Phone,Do Not Call\n"
        "Cy Three,(212) 555-0163,\n"
        "Cy Again,212.555.0163,yes\n"  # duplicate within the file, flagged
        "Ada One,+1 212 555 0161,true\n"  # already in the database, flagged
    )
    report = import_file(db, second, ImportOptions(), clock)
    assert report.imported == 1 and report.dnc_registered_from_duplicates == 2
    assert "(+2 duplicate number(s) marked do-not-call)" in report.render()
    got = contacts(db)
    assert got["+12125550163"].do_not_call and got["+12125550163"].status == "dnc"
    assert got["+12125550161"].do_not_call and got["+12125550161"].status == "dnc"
    assert not got["+12125550162"].do_not_call
    with db.session() as s:
        register = {d.phone: d.source for d in s.exec(select(DoNotCall)).all()}
    assert register == {"+12125550163": "import:second.csv:3", "+12125550161": "import:second.csv:4"}
