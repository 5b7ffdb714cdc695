"""``export activities``: the CRM import files, their golden layouts, the round trip from an
import through a block back to the record ids, and "only what is new" - on both engines."""

from __future__ import annotations

import csv
import io
import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from callcoach.catalog.outcomes import OUTCOMES, Outcome
from callcoach.core.calling import dialling, lifecycle, objections, outcomes, serving
from callcoach.core.lists.importer import ImportOptions, import_file
from callcoach.core.review import activities
from callcoach.core.review.activities import ExportError, ExportRequest, export_activities
from callcoach.storage.models import ActivityExport, CallList, Contact
from tests.support.blockkit import make_list, make_rep, seed_library
from tests.support.paths import TEST_DATA

GOLDEN = Path(__file__).parent / "golden"
ZONE = "America/New_York"


def _call(db, clock, settings, block, outcome, seconds=40.0, note="", raised=(), **kw):
    """Serve, dial, raise objections (key, overcome), wait, log."""
    contact = serving.serve_next(db, clock, settings, block)
    dialling.dial(db, clock, block.id, contact.id)
    for objection_id, overcome in raised:
        clock.advance(5)
        logged = objections.log_objection(db, clock, block.id, objection_id)
        if overcome is not None:
            objections.set_overcome(db, logged.id, overcome)
    clock.advance(seconds)
    outcomes.log_outcome(db, clock, settings, block_id=block.id, outcome=outcome, note=note, **kw)
    clock.advance(20)
    return contact


def _history(db, clock, settings):
    """Three calls of one block: a voicemail, a meeting after two objections, a refusal whose
    note and company a spreadsheet would run as formulas."""
    rep = make_rep(db, "Sam")
    lib = seed_library(db)
    list_id, _ = make_list(db, contacts=[
        {"first_name": "Ada", "company": "Acme"},
        {"first_name": "Ben", "company": "Birch"},
        {"first_name": "Cy", "company": "=HYPERLINK(\"http://x.example\")"},
    ])
    with db.transaction() as s:
        for i, c in enumerate(s.exec(select(Contact).order_by(Contact.id)).all()):
            c.external_id = f"00Q{i + 1:03d}"
            c.email = f"{c.first_name.lower()}@example.com"
            s.add(c)
    block = lifecycle.start_block(db, clock, rep_id=rep, list_id=list_id)
    _call(db, clock, settings, block, Outcome.VOICEMAIL, seconds=30)
    _call(db, clock, settings, block, Outcome.MEETING, seconds=95, note="Wants pricing first",
          raised=((lib["send_info"], True), (lib["no_budget"], None)),
          meeting=outcomes.MeetingDetails(
              starts_at=clock.now() + timedelta(days=2), kind="web", email="ben.boss@example.com",
              parked_questions=("How long is onboarding?", "=cmd|' /C calc'!A0"),
          ))
    _call(db, clock, settings, block, Outcome.NOT_INTERESTED, seconds=50, note="@SUM(1+1)",
          raised=((lib["not_interested"], None),))
    return block


def _export(db, clock, tmp_path, target, **kw):
    request = ExportRequest(target=target, zone=ZONE, output=tmp_path / f"{target}.csv", **kw)
    return export_activities(db, request, clock.now())


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


@pytest.mark.parametrize(
    ("target", "parts"),
    [("hubspot", ("calls", "meetings")), ("salesforce", ("tasks", "events")), ("csv", ("",))],
)
def test_each_format_matches_its_golden_file(db, clock, settings, tmp_path, target, parts):
    _history(db, clock, settings)
    result = _export(db, clock, tmp_path, target)
    assert (result.calls, result.meetings) == (3, 1)
    for part in parts:
        name = f"{target}-{part}.csv" if part else f"{target}.csv"
        got = (tmp_path / name).read_text(encoding="utf-8")
        golden = GOLDEN / name
        if os.environ.get("CALLCOACH_UPDATE_GOLDEN"):  # rewrite, review the diff, commit
            golden.write_text(got, encoding="utf-8", newline="")
        assert got == golden.read_text(encoding="utf-8"), name


def test_formula_cells_are_neutralised_and_phones_stay_numbers(db, clock, settings, tmp_path):
    _history(db, clock, settings)
    _export(db, clock, tmp_path, "csv")
    rows = _rows(tmp_path / "csv.csv")
    for row in rows:
        for column, value in row.items():
            if column == "phone":
                assert value.startswith("+") and value[1:].replace(" ext. ", "").isdigit()
            else:
                assert not value.startswith(("=", "+", "-", "@")), (column, value)
    cy = next(r for r in rows if r["first_name"] == "Cy")
    assert cy["company"] == "'=HYPERLINK(\"http://x.example\")" and cy["notes"] == "'@SUM(1+1)"
    meeting = next(r for r in rows if r["activity"] == "meeting")
    assert meeting["parked_questions"] == "How long is onboarding?\n=cmd|' /C calc'!A0"
    # Only the first character of a cell can make it a formula: the second line is inert text.
    _export(db, clock, tmp_path, "hubspot")
    (hs,) = _rows(tmp_path / "hubspot-meetings.csv")
    assert hs["Meeting description"].startswith("How long")


def test_a_second_export_writes_nothing_new_until_more_is_logged(db, clock, settings, tmp_path):
    block = _history(db, clock, settings)
    first = _export(db, clock, tmp_path, "hubspot")
    assert [(p.name, n) for p, n in first.files] == [
        ("hubspot-calls.csv", 3), ("hubspot-meetings.csv", 1)]
    (tmp_path / "hubspot-calls.csv").unlink()
    again = _export(db, clock, tmp_path, "hubspot")
    assert (again.calls, again.meetings, again.files, again.earlier) == (0, 0, [], 3)
    assert not (tmp_path / "hubspot-calls.csv").exists()
    # Another CRM has its own record: the calls were never written for Salesforce.
    assert _export(db, clock, tmp_path, "salesforce").calls == 3
    # A new call is the only thing the next run writes; --all writes everything again.
    with db.transaction() as s:
        s.add(Contact(list_id=block.list_id, first_name="Di", phone="+12125559999",
                      external_id="00Q999", timezone="America/New_York"))
    _call(db, clock, settings, block, Outcome.NO_ANSWER)
    third = _export(db, clock, tmp_path, "hubspot")
    assert (third.calls, third.meetings) == (1, 0)
    assert [r["Contact Record ID"] for r in _rows(tmp_path / "hubspot-calls.csv")] == ["00Q999"]
    assert _export(db, clock, tmp_path, "hubspot", include_exported=True).calls == 4
    with db.session() as s:
        assert len(s.exec(select(ActivityExport).where(ActivityExport.target == "hubspot")).all()) == 5


def test_period_and_rep_select_what_is_written(db, clock, settings, tmp_path):
    _history(db, clock, settings)
    today = clock.now().date()
    none = _export(db, clock, tmp_path, "csv", since=today + timedelta(days=1))
    assert (none.calls, none.files) == (0, [])
    assert _export(db, clock, tmp_path, "csv", until=today, rep_ids=(9999,)).calls == 0
    assert _export(db, clock, tmp_path, "csv", until=today).calls == 3


def test_import_block_export_round_trip_keeps_the_record_ids(db, clock, settings, tmp_path):
    """A HubSpot contact export in, a block on it, HubSpot activity files out: every call and
    meeting names the record id, email and phone the contact was imported with."""
    report = import_file(db, TEST_DATA / "import" / "hubspot.csv", ImportOptions(), clock)
    assert report.ok
    seed_library(db)
    rep = make_rep(db, "Sam")
    with db.session() as s:
        list_id = s.exec(select(CallList.id)).one()
        imported = {c.phone: (c.external_id, c.email) for c in s.exec(select(Contact)).all()}
    block = lifecycle.start_block(db, clock, rep_id=rep, list_id=list_id)
    called = []
    while len(called) < len(imported):
        contact = serving.serve_next(db, clock, settings, block)
        if contact is None:  # the West Coast is not in its calling window yet
            clock.advance(3600)
            continue
        dialling.dial(db, clock, block.id, contact.id)
        clock.advance(40)
        first_meeting = not any(m for _, m in called)
        details = outcomes.MeetingDetails(starts_at=clock.now() + timedelta(days=3))
        outcomes.log_outcome(
            db, clock, settings, block_id=block.id,
            outcome=Outcome.MEETING if first_meeting else Outcome.NO_ANSWER,
            meeting=details if first_meeting else None,
        )
        called.append((contact, first_meeting))
    _export(db, clock, tmp_path, "hubspot")
    calls = _rows(tmp_path / "hubspot-calls.csv")
    assert len(calls) == len(imported)
    for (contact, _), row in zip(called, calls, strict=True):
        record_id, email = imported[contact.phone]
        assert (row["Contact Record ID"], row["Contact Email"]) == (record_id, email)
        assert row["To number"].startswith(contact.phone)
    assert {r["Contact Record ID"] for r in calls} == {"101", "102", "103", "104", "106", "107"}
    (meeting,) = _rows(tmp_path / "hubspot-meetings.csv")
    assert meeting["Contact Record ID"] == imported[called[0][0].phone][0]


def test_every_outcome_has_a_name_in_each_crm():
    for kind in OUTCOMES:
        assert kind.outcome in activities.HUBSPOT_OUTCOME
        assert kind.outcome in activities.SALESFORCE_DISPOSITION


def test_output_paths_per_format(clock):
    now = clock.now()
    assert activities.output_paths("csv", Path("out/a.csv"), now) == {"": Path("out/a.csv")}
    assert activities.output_paths("hubspot", Path("out/a.csv"), now) == {
        "calls": Path("out/a-calls.csv"), "meetings": Path("out/a-meetings.csv")}
    assert activities.output_paths("salesforce", None, now) == {
        "tasks": Path("callcoach-salesforce-20261123-1400-tasks.csv"),
        "events": Path("callcoach-salesforce-20261123-1400-events.csv")}


def test_bad_requests_are_one_line_errors_and_write_nothing(db, clock, settings, tmp_path):
    _history(db, clock, settings)
    with pytest.raises(ExportError, match="--format 'pipedrive': expected one of"):
        _export(db, clock, tmp_path, "pipedrive")
    (tmp_path / "hubspot-calls.csv").mkdir()
    with pytest.raises(ExportError, match="is a directory"):
        _export(db, clock, tmp_path, "hubspot")
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    request = ExportRequest(target="salesforce", zone=ZONE, output=blocked / "sf.csv")
    with pytest.raises(ExportError, match="cannot write"):
        export_activities(db, request, clock.now())
    with db.session() as s:
        assert s.exec(select(ActivityExport)).all() == []
    assert [p for p in tmp_path.glob("*.csv*") if p.is_file()] == []


def test_an_export_racing_another_is_one_line_and_leaves_no_file(db, clock, settings, tmp_path):
    """Another export records the same call just before this one records it: this one stops
    with a one-line error, removes its files and records nothing (the other's row stays)."""
    import sqlalchemy as sa

    from callcoach.storage.errors import DatabaseError

    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite serialises writers: the other export waits for this one")
    _history(db, clock, settings)
    raced = []

    def other_export_commits_first(conn, cursor, statement, params, context, many):
        # A concurrent `export activities --format hubspot` commits the first call between
        # this export's "already exported?" check and its own insert.
        if raced or not statement.lstrip().upper().startswith("INSERT INTO ACTIVITY_EXPORT"):
            return
        raced.append(True)
        with db.engine.connect() as other:
            first = other.execute(sa.text("SELECT min(id) FROM call_attempt")).scalar_one()
            other.execute(ActivityExport.__table__.insert().values(
                target="hubspot", kind="call", activity_id=first, exported_at=clock.now()))
            other.commit()

    sa.event.listen(db.engine, "before_cursor_execute", other_export_commits_first)
    try:
        with pytest.raises(DatabaseError, match="another export to hubspot .* run it again"):
            _export(db, clock, tmp_path, "hubspot")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", other_export_commits_first)
    assert raced
    assert [p for p in tmp_path.glob("*.csv*") if p.is_file()] == []
    with db.session() as s:
        assert len(s.exec(select(ActivityExport)).all()) == 1
