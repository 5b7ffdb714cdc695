"""``callcoach notes`` and the notes in ``report --by rep --format json`` and the HTML
scorecard (issue 14 item 11)."""

from __future__ import annotations

import json

import pytest

from tests.support import report_fixture as fx
from tests.support.helpers import count_rows, run_cli


@pytest.fixture
def ids(db):
    return fx.build(db)


def test_notes_add_and_list(db, ids, capsys):
    code, out, err = run_cli(db, capsys, "notes", "add", "--rep", "ana", "--text",
                             "Ask for the meeting sooner.", "--as", "Mia")
    assert code == 0, err
    assert out.startswith("note 1 for Ana by Mia, ")
    code, out, err = run_cli(db, capsys, "--rep", "Mia", "notes", "add", "--rep", "Ben",
                             "--text", "Good pace", "--block", str(ids["B4"]))
    assert code == 0 and f"note 2 for Ben by Mia about block {ids['B4']}" in out, err
    code, out, _ = run_cli(db, capsys, "notes")
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "Written", "Rep", "By", "About", "Read", "Note"]
    assert len(lines) == 3 and "Ben" in lines[1] and "Good pace" in lines[1]  # newest first
    assert "Ana" in lines[2] and "unread" in lines[2] and "Ask for the meeting sooner." in lines[2]
    code, out, _ = run_cli(db, capsys, "notes", "--rep", "Ana", "--unread")
    assert code == 0 and len(out.splitlines()) == 2 and "Ben" not in out
    code, out, _ = run_cli(db, capsys, "notes", "list", "--rep", "Ben")
    assert "Good pace" in out and "Ask for" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--rep", "Anna", "--text", "x", "--as", "Mia"),
         "--rep 'Anna': no such rep (did you mean 'Ana'?"),
        (("--rep", "Ana", "--text", "x", "--as", "Ben"), "'Ben' is an sdr"),
        (("--rep", "Ana", "--text", "x"), "say who writes it with --as NAME"),
        (("--rep", "Ana", "--text", "x", "--as", "Mia", "--attempt", "x1"),
         "--attempt 'x1': expected a whole number"),
        (("--rep", "Ana", "--text", "x", "--as", "Mia", "--objection", "nope"),
         "--objection 'nope': no such objection"),
        (("--rep", "Ana", "--text", "", "--as", "Mia"), "--text: the note is empty"),
    ],
)
def test_bad_notes_are_one_line_and_write_nothing(db, ids, capsys, args, message):
    code, out, err = run_cli(db, capsys, "notes", "add", *args)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and message in err, err
    assert count_rows(db, "coaching_note") == 0


def test_notes_in_the_rep_report_json_and_the_rep_scorecard(db, ids, capsys):
    from callcoach.core.review.notes import add_note

    with db.session() as s:
        add_note(s, rep_id=ids["Ana"], author_id=ids["Mia"], text="Shorter opener <b>please</b>",
                 now=fx.local("2026-11-18 09:00"), objection_key="send_info")
        add_note(s, rep_id=ids["Ana"], author_id=ids["Mia"], text="Outside the period",
                 now=fx.local("2026-11-10 09:00"))
    week = ("--since", "2026-11-16", "--until", "2026-11-22", "--tz", fx.ZONE)
    code, out, err = run_cli(db, capsys, "report", "--by", "rep", *week, "--format", "json")
    assert code == 0, err
    rows = {r["rep"]: r for r in json.loads(out)["rows"]}
    assert [n["text"] for n in rows["Ana"]["coaching_notes"]] == ["Shorter opener <b>please</b>"]
    note = rows["Ana"]["coaching_notes"][0]
    assert note["author"] == "Mia" and note["objection"] == "send_info" and note["read_at"] is None
    assert rows["Ben"]["coaching_notes"] == []
    # text and CSV keep their columns
    code, out, _ = run_cli(db, capsys, "report", "--by", "rep", *week, "--format", "csv")
    assert "coaching" not in out and "Shorter" not in out
    # Ana's own scorecard (any --by) shows her notes, escaped; Ben's shows none
    code, html, _ = run_cli(db, capsys, "report", "--rep", "Ana", "--by", "list", *week,
                            "--format", "html")
    assert "<h2>Coaching notes</h2>" in html
    assert "Shorter opener &lt;b&gt;please&lt;/b&gt;" in html and "Outside the period" not in html
    assert "Mia for Ana &middot; about objection send_info" in html
    code, html, _ = run_cli(db, capsys, "report", "--rep", "Ben", *week, "--format", "html")
    assert "Coaching notes" not in html


def test_hostile_note_text_is_inert_in_the_listing(db, ids, capsys):
    from tests.support.hostile import HOSTILE, VISIBLE, assert_inert

    code, _, err = run_cli(db, capsys, "notes", "add", "--rep", "Ana", "--as", "Mia",
                           "--text", f"{HOSTILE['csi']} {HOSTILE['rlo']}")
    assert code == 0, err
    code, out, _ = run_cli(db, capsys, "notes")
    text = assert_inert(out)
    assert VISIBLE["csi"] in text and VISIBLE["rlo"] in text
