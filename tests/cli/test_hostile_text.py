"""Text from outside never reaches the terminal raw: hostile CSV cells, list, rep and track
names, file names and flags go through the commands that print them, and the bytes written
hold no ESC, C1 or bidi control, while the escaped form is visible (issue 15)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from callcoach.cli import main
from callcoach.core.reps import add_rep
from callcoach.storage.models import CallAttempt, Callback, CallList, Contact, Meeting, TalkTrack
from tests.support.hostile import HOSTILE, VISIBLE, assert_inert

LONG_COMPANY = "Long" + "C" * 296  # 300 characters; the column holds 200
LIST_NAME = "Q4\x1b]0;pwned\x07\u202eList"
LIST_SHOWN = "Q4\\x1b]0;pwned\\x07\\u202eList"


def run(capsysbinary, url: str, *argv: str) -> tuple[int, str, str]:
    """Run the CLI; return its exit status and the bytes it wrote (checked inert) as text."""
    code = main(["--db", url, *argv])
    out, err = capsysbinary.readouterr()
    return code, assert_inert(out), assert_inert(err)


def hostile_csv(tmp_path: Path) -> Path:
    """A CSV whose file name and cells hold every hostile string, and one over-long cell."""
    path = tmp_path / "crm\x1b[2Jexport.csv"
    lines = ["first,last,company,title,phone"]
    for i, (key, value) in enumerate(HOSTILE.items()):
        company = LONG_COMPANY if key == "csi" else f"Co {key}"
        lines.append(f"{value},Last{i},{company},Head of {value},+1 212 555 01{i:02d}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _import(capsysbinary, db, tmp_path) -> tuple[Path, str]:
    path = hostile_csv(tmp_path)
    code, out, _ = run(capsysbinary, db.url, "import", str(path), "--list", LIST_NAME)
    assert code == 0
    return path, out


def test_import_summary_reports_each_hostile_and_long_cell_escaped(db, tmp_path, capsysbinary):
    """The summary names the file escaped, lists FILE:LINE: column: reason for each cell with
    controls and the cut company; the database keeps what came in."""
    path, out = _import(capsysbinary, db, tmp_path)
    shown = str(path).replace("\x1b", "\\x1b")
    assert f"{shown}: imported 5 of 5 rows." in out
    assert f"{LIST_SHOWN}: 5 contacts (new)" in out
    for line, key in enumerate(HOSTILE, start=2):
        assert f"{shown}:{line}: first: holds control characters (" in out, key
        assert f"{shown}:{line}: title: holds control characters (" in out, key
    assert "(\\x1b)" in out and "(\\u202e)" in out and "(\\x9b)" in out
    assert "(\\u2066, \\u2067, \\u2068, \\u2069)" in out
    assert f"{shown}:2: company: 300 characters, kept the first 200" in out
    assert "cells noted 11" in out
    with db.session() as s:
        firsts = set(s.exec(select(Contact.first_name)).all())
        companies = set(s.exec(select(Contact.company)).all())
        names = set(s.exec(select(CallList.name)).all())
    assert firsts == set(HOSTILE.values())  # stored as it came
    assert LONG_COMPANY[:200] in companies
    assert names == {LIST_NAME}


def test_lists_meetings_callbacks_and_reps_show_names_escaped(db, tmp_path, capsysbinary):
    """``lists``, ``meetings``, ``callbacks`` and ``reps`` print outside text escaped."""
    _import(capsysbinary, db, tmp_path)
    rep_name = "Rep\x1b[31m\u202eRed"
    with db.transaction() as s:
        rep = add_rep(s, rep_name, "sdr", None)
        contacts = s.exec(select(Contact).order_by(Contact.id)).all()
        now = datetime.now(UTC)
        for i, c in enumerate(contacts):
            attempt = CallAttempt(rep_id=rep.id, contact_id=c.id, list_id=c.list_id,
                                  dialed_at=now, logged_at=now, outcome="meeting_booked")
            s.add(attempt)
            s.flush()
            if i % 2:
                s.add(Callback(attempt_id=attempt.id, contact_id=c.id, rep_id=rep.id,
                               due_at=now + timedelta(days=1)))
            else:
                s.add(Meeting(attempt_id=attempt.id, contact_id=c.id, rep_id=rep.id,
                              starts_at=now + timedelta(days=2), email=f"x{i}@e.com",
                              parked_questions=f"Agenda {HOSTILE['osc']}\nsecond"))
    code, out, _ = run(capsysbinary, db.url, "lists")
    assert code == 0 and LIST_SHOWN in out
    code, out, _ = run(capsysbinary, db.url, "meetings", "all")
    assert code == 0
    assert VISIBLE["csi"] in out and VISIBLE["c1"] in out and VISIBLE["isolates"] in out
    assert "Rep\\x1b[31m\\u202eRed" in out
    assert f"Agenda {VISIBLE['osc']}" in out
    code, out, _ = run(capsysbinary, db.url, "callbacks", "all")
    assert code == 0
    assert VISIBLE["osc"] in out and VISIBLE["rlo"] in out and LIST_SHOWN in out
    code, out, _ = run(capsysbinary, db.url, "reps")
    assert code == 0 and "Rep\\x1b[31m\\u202eRed" in out
    code, out, _ = run(capsysbinary, db.url, "reps", "add", "New\x9bRep")
    assert code == 0 and "added New\\x9bRep (sdr)" in out
    # the report's text table (and its filter line) too; CSV keeps the data as it is
    code, out, _ = run(capsysbinary, db.url, "report", "--by", "list", "--rep", rep_name)
    assert code == 0 and LIST_SHOWN in out and out.count("Rep\\x1b[31m\\u202eRed") >= 1
    assert main(["--db", db.url, "report", "--by", "list", "--format", "csv"]) == 0
    assert LIST_NAME in capsysbinary.readouterr().out.decode("utf-8")
    # the table stays aligned on the text as shown
    code, out, _ = run(capsysbinary, db.url, "reps")
    header, *rows = out.splitlines()
    assert all(row.index("sdr") == header.index("Role") for row in rows)


def test_tracks_load_shows_a_hostile_track_name_escaped(db, tmp_path, capsysbinary):
    """A TOML track name with controls is stored as written and printed escaped."""
    toml = tmp_path / "tracks\u202e.toml"
    toml.write_text(
        '[[track]]\nname = "Soft\\u001b[2Jware\\u009b\\u2066"\n'
        'engage_statement = "Hi"\nimpact_question = "Why?"\nmeeting_ask = "Tuesday?"\n',
        encoding="utf-8",
    )
    code, out, _ = run(capsysbinary, db.url, "tracks", "load", str(toml))
    assert code == 0
    assert "tracks\\u202e.toml: loaded" in out
    assert "new track: Soft\\x1b[2Jware\\x9b\\u2066" in out
    with db.session() as s:
        assert s.exec(select(TalkTrack.name)).all() == ["Soft\x1b[2Jware\x9b\u2066"]


@pytest.mark.parametrize(
    "argv",
    [
        ["import", "missing\x1b[2J\x00.csv"],
        ["tracks", "load", "gone\u202e\x9b.toml"],
        ["lists", "\x1b]0;pwned\x07"],
    ],
    ids=["file name with NUL", "TOML file name", "unrecognized argument"],
)
def test_error_messages_quote_flags_and_files_escaped(tmp_path, capsysbinary, argv):
    """An error quoting a flag or a file name is one line, its controls shown escaped."""
    url = f"sqlite:///{tmp_path / 'cc.db'}"
    try:
        code = main(["--db", url, *argv])
    except SystemExit as exc:  # argparse's own errors exit
        code = exc.code
    assert code == 2
    out, err = capsysbinary.readouterr()
    text = assert_inert(err)
    assert text.count("\n") == 1 and "error" in text
    assert "\\x1b" in text or "\\u202e\\x9b" in text
    assert_inert(out)
