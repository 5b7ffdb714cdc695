"""Drill sets: from talk tracks, loaded from TOML (bad input one line), the shipped file."""

from __future__ import annotations

import pytest

from callcoach.core.drills.sets import (
    DrillSetError,
    drill_cards,
    drill_set_from_track,
    find_drill_set,
    list_drill_sets,
    load_drill_sets_file,
)
from tests.support.drill_helpers import seed_objections, seed_track
from tests.support.helpers import count_rows
from tests.support.paths import REPO as ROOT


def test_track_override_rebuttal_and_set_listing(db, clock):
    ids = seed_objections(db)
    seed_track(db, ids)
    s1 = drill_set_from_track(db, "IT services")
    with db.session() as s:
        cards = drill_cards(s, s1.id)
        sets = list_drill_sets(s)
    assert [c.key for c in cards] == ["send_info", "no_budget", "in_house"]
    assert cards[1].rebuttal == "Track rebuttal for budget."
    assert sets[0].name == "Track: IT services" and sets[0].objections == 3
    assert sets[0].track == "IT services"
    with pytest.raises(DrillSetError, match="no talk track named 'Nope'"):
        drill_set_from_track(db, "Nope")


def test_load_drill_sets_file(db, tmp_path):
    ids = seed_objections(db)
    seed_track(db, ids)
    f = tmp_path / "sets.toml"
    f.write_text(
        '[[objection]]\nkey = "ignored"\n\n'
        '[[drill_set]]\nname = "Reflexes"\ndescription = "first ones"\n'
        'objections = ["send_info", "not_interested"]\n'
        '[drill_set.rebuttals]\nsend_info = "Set rebuttal."\n\n'
        '[[drill_set]]\nname = "IT mix"\ntrack = "IT services"\nobjections = ["who_are_you"]\n',
        encoding="utf-8",
    )
    summary = load_drill_sets_file(db, f)
    assert summary.created == ["Reflexes", "IT mix"] and summary.items == 6
    with db.session() as s:
        reflexes = find_drill_set(s, "reflexes")
        it_mix = find_drill_set(s, "IT MIX")
        assert [c.rebuttal for c in drill_cards(s, reflexes.id)][0] == "Set rebuttal."
        keys = [c.key for c in drill_cards(s, it_mix.id)]
        assert keys == ["send_info", "no_budget", "in_house", "who_are_you"]
        assert drill_cards(s, it_mix.id)[1].rebuttal == "Track rebuttal for budget."
    again = load_drill_sets_file(db, f)
    assert again.updated == ["Reflexes", "IT mix"] and count_rows(db, "drill_set_item") == 6


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '[[drill_set]]\nname = "A"\nobjections = ["send_info", "nope"]\n',
            "sets.toml:7: drill_set 'A': unknown objection key 'nope'",
        ),
        (
            '[[drill_set]]\nname = "A"\nobjections = ["send_info"]\n\n[[drill_set]]\nname = "B"\n'
            'track = "Missing"\n',
            "sets.toml:11: drill_set 'B': no talk track named 'Missing'",
        ),
        (
            '[[drill_set]]\nname = "A"\ncolour = "red"\nobjections = []\n',
            "sets.toml:7: drill_set: unknown field 'colour'",
        ),
        (
            '[[drill_set]]\nname = "A"\nobjections = ["send_info"]\n[drill_set.rebuttals]\n'
            'no_budget = "x"\n',
            "sets.toml:9: drill_set 'A': rebuttal for 'no_budget'",
        ),
        ('[[drill_set]]\nname = "A"\n', "sets.toml:6: drill_set 'A': needs objections"),
        (
            '[[drill_set]]\nname = "good"\nobjections = ["send_info"]\n',
            "sets.toml:6: drill_set 'good': defined twice",
        ),
        (
            '[[drill_set]\nname = "A"\n',
            "sets.toml: Expected ']]' at the end of an array declaration (at line 5, column 12)",
        ),
    ],
)
def test_load_drill_sets_bad_input_is_one_line_and_writes_nothing(
    sqlite_db, tmp_path, body, message
):
    seed_objections(sqlite_db)
    good = '[[drill_set]]\nname = "Good"\nobjections = ["send_info"]\n\n'  # 4 lines first
    f = tmp_path / "sets.toml"
    f.write_text(good + body, encoding="utf-8")
    with pytest.raises(DrillSetError) as err:
        load_drill_sets_file(sqlite_db, f)
    assert message in str(err.value) and "\n" not in str(err.value)
    assert count_rows(sqlite_db, "drill_set") == 0


def test_shipped_drill_sets_file_parses():
    from callcoach.core.drills.sets import parse_drill_sets

    path = ROOT / "data" / "drill_sets.toml"
    specs = parse_drill_sets(path.read_text(encoding="utf-8"), str(path))
    assert len(specs) >= 2
    starter = {
        "send_info",
        "not_interested",
        "happy_with_current",
        "no_budget",
        "call_back_later",
        "who_are_you",
        "in_house",
        "talk_to_someone_else",
    }
    assert {k for s in specs for k in s.objections} <= starter


def test_shipped_drill_sets_load_on_the_shipped_tracks(sqlite_db, clock):
    from callcoach.core.lists.tracks import load_tracks_file

    load_tracks_file(sqlite_db, ROOT / "data" / "talk_tracks.toml", clock)
    summary = load_drill_sets_file(sqlite_db, ROOT / "data" / "drill_sets.toml")
    assert "Software track" in summary.created
    with sqlite_db.session() as s:
        software = find_drill_set(s, "Software track")
        keys = [c.key for c in drill_cards(s, software.id)]
    assert keys[:4] == ["send_info", "happy_with_current", "in_house", "no_budget"]
    assert keys[4:] == ["not_interested", "call_back_later"]
