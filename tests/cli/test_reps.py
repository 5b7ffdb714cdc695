"""Identity: reps with roles, listed with their activity; the ``callcoach reps`` commands."""

from __future__ import annotations

from datetime import timedelta

import pytest

from callcoach.cli import main
from callcoach.core.reps import RepError, add_rep, find_rep, list_reps
from callcoach.storage.models import CallAttempt, CallBlock, CallList, Contact
from tests.support.helpers import count_rows


def test_add_and_list_reps_with_activity(db, clock):
    """Reps come back by name with their role, blocks, dials and last call, counted in SQL."""
    with db.session() as s:
        ana = add_rep(s, "  Ana   Lopez ", "manager", "ana@example.com")
        bo = add_rep(s, "bo", "sdr")
        add_rep(s, "Cy", "trainer")
        lst = CallList(name="L")
        s.add(lst)
        s.commit()
        c = Contact(list_id=lst.id, phone="+12125550100")
        s.add(c)
        s.commit()
        block = CallBlock(rep_id=bo.id, list_id=lst.id, started_at=clock.now())
        s.add(block)
        s.commit()
        for i in range(3):
            s.add(
                CallAttempt(
                    block_id=block.id, rep_id=bo.id, contact_id=c.id, list_id=lst.id,
                    dialed_at=clock.now(), logged_at=clock.now() + timedelta(minutes=i),
                    outcome="no_answer",
                )
            )
        # A call still in progress is not a dial yet.
        s.add(CallAttempt(rep_id=bo.id, contact_id=c.id, list_id=lst.id, dialed_at=clock.now()))
        s.commit()
    assert ana.name == "Ana Lopez"
    with db.session() as s:
        rows = list_reps(s)
    assert [(r.name, r.role, r.blocks, r.dials) for r in rows] == [
        ("Ana Lopez", "manager", 0, 0),
        ("bo", "sdr", 1, 3),
        ("Cy", "trainer", 0, 0),
    ]
    assert rows[0].email == "ana@example.com"
    assert rows[1].last_call_at == clock.now() + timedelta(minutes=2)
    assert rows[0].last_call_at is None


def test_duplicate_name_bad_role_and_email_refused(db):
    """A taken name (any case), an unknown role or a bad email is one line; nothing is written."""
    with db.session() as s:
        add_rep(s, "Ana")
        with pytest.raises(RepError, match="'Ana' already exists"):
            add_rep(s, "ANA", "manager")
        with pytest.raises(RepError, match="role 'boss'"):
            add_rep(s, "Dee", "boss")
        with pytest.raises(RepError, match="email 'nope'"):
            add_rep(s, "Dee", "sdr", "nope")
        with pytest.raises(RepError, match="1 to 120"):
            add_rep(s, "   ")
    assert count_rows(db, "rep") == 1


def test_cli_reps_add_and_list(sqlite_db, capsys):
    """``callcoach reps add`` then ``callcoach reps`` shows the team with roles."""
    url = sqlite_db.url
    assert main(["--db", url, "reps"]) == 0
    assert "No reps yet" in capsys.readouterr().out
    assert main(["--db", url, "reps", "add", "Ana", "--role", "manager"]) == 0
    assert main(["--db", url, "reps", "add", "Bo"]) == 0
    assert "added Bo (sdr)" in capsys.readouterr().out
    assert main(["--db", url, "reps"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["Rep", "Role", "Email", "Blocks", "Dials", "Last", "call"]
    assert out[1].split()[:2] == ["Ana", "manager"]
    assert out[2].split()[:2] == ["Bo", "sdr"]
    assert main(["--db", url, "reps", "add", "bo", "--role", "trainer"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "callcoach: error: rep 'Bo' already exists (role sdr)"
    with sqlite_db.session() as s:
        assert find_rep(s, "BO").role == "sdr"


def test_cli_reps_set_role_email_and_active(sqlite_db, capsys):
    """``callcoach reps set`` changes a role, an email or the active flag; unknown reps and
    an empty change are one line."""
    url = sqlite_db.url
    assert main(["--db", url, "reps", "add", "Bo"]) == 0
    assert main(["--db", url, "reps", "set", "bo", "--role", "manager", "--email", "bo@x.io"]) == 0
    assert "Bo: manager, bo@x.io" in capsys.readouterr().out
    assert main(["--db", url, "reps", "set", "Bo", "--inactive"]) == 0
    assert capsys.readouterr().out.strip() == "Bo: manager, bo@x.io, inactive"
    assert main(["--db", url, "reps"]) == 0
    assert capsys.readouterr().out.splitlines()[1].split()[-1] == "inactive"
    assert main(["--db", url, "reps", "set", "Cy", "--role", "sdr"]) == 2
    assert "reps set 'Cy': no such rep" in capsys.readouterr().err
    assert main(["--db", url, "reps", "set", "Bo"]) == 2
    assert "give --role, --email, --active or --inactive" in capsys.readouterr().err
    with sqlite_db.session() as s:
        bo = find_rep(s, "bo")
        assert (bo.role, bo.email, bo.active) == ("manager", "bo@x.io", False)
