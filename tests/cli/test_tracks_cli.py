"""``callcoach tracks list | show | assign | export``: through ``cli.main``, both engines."""

from __future__ import annotations

import shutil

import pytest
from sqlmodel import select

from callcoach.core.lists.tracks import load_tracks_file
from callcoach.storage.db import open_database
from callcoach.storage.models import CallList, TalkTrack
from tests.core.lists.test_track_editing import snapshot
from tests.support.helpers import run_cli
from tests.support.paths import BUNDLED_DATA

BUNDLED = BUNDLED_DATA / "talk_tracks.toml"


@pytest.fixture
def loaded(db, clock):
    """The bundled tracks and two lists: one in the Dental cluster, one in Texas."""
    load_tracks_file(db, BUNDLED, clock)
    with db.transaction() as s:
        s.add(CallList(name="Mine - Dental", cluster_dimension="vertical", cluster_value="Dental"))
        s.add(CallList(name="Texas", cluster_dimension="region", cluster_value="TX"))
    return db


def first_track(db) -> str:
    """A track name from the bundled file."""
    with db.session() as s:
        track = s.exec(select(TalkTrack).order_by(TalkTrack.name)).first()
    assert track is not None
    return track.name


def test_list_and_show(loaded, capsys):
    """The list names each track with its cluster and lists; show prints every field."""
    code, out, _ = run_cli(loaded, capsys, "tracks", "list")
    assert code == 0 and "Track" in out and "Objections" in out
    name = first_track(loaded)
    assert name in out
    code, out, _ = run_cli(loaded, capsys, "tracks", "show", name.lower())
    assert code == 0
    for label in ("Talk track:", "Cluster:", "Engage statement:", "Impact question:",
                  "Meeting ask:", "Voicemail script:", "Likely objections:", "rebuttal ("):
        assert label in out


def test_assign_to_a_cluster_then_a_list(loaded, capsys):
    """--cluster links every list in the cluster; --list one list; list shows both."""
    name = first_track(loaded)
    code, out, _ = run_cli(loaded, capsys, "tracks", "assign", name, "--cluster", "region=TX")
    assert code == 0 and "list 'Texas' now uses it" in out
    code, out, _ = run_cli(loaded, capsys, "tracks", "assign", name, "--list", "mine - dental")
    assert code == 0 and "list 'Mine - Dental' now uses it" in out
    with loaded.session() as s:
        track = s.exec(select(TalkTrack).where(TalkTrack.name == name)).one()
        lists = s.exec(select(CallList).where(CallList.talk_track_id == track.id)).all()
    assert {cl.name for cl in lists} == {"Texas", "Mine - Dental"}
    assert (track.cluster_dimension, track.cluster_value) == ("region", "TX")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["tracks", "show", "Nope"], "no talk track named 'Nope'"),
        (["tracks", "assign", "X"], "give exactly one of --list NAME or --cluster"),
        (["tracks", "assign", "{track}", "--cluster", "colour=red"], "dimension 'colour'"),
        (["tracks", "assign", "{track}", "--cluster", "vertical"], "expected DIMENSION=VALUE"),
        (["tracks", "assign", "{track}", "--list", "Nowhere"], "no call list named 'Nowhere'"),
        (["tracks", "export", "Nope", "--output", "{tmp}/x.toml"], "no talk track named 'Nope'"),
        (["tracks", "export", "--output", "{tmp}"], "is a directory"),
    ],
)
def test_mistakes_are_one_line(loaded, capsys, tmp_path, args, message):
    """Exit status 2, one line on stderr naming the value, nothing written."""
    track = first_track(loaded)
    args = [a.replace("{track}", track).replace("{tmp}", str(tmp_path)) for a in args]
    code, out, err = run_cli(loaded, capsys, *args)
    assert code == 2, err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "x.toml").exists()


def test_export_then_load_into_a_fresh_database(loaded, capsys, tmp_path, sqlite_template):
    """`tracks export` -> `tracks load` into a fresh database: identical tracks and library."""
    target = tmp_path / "team.toml"
    code, out, err = run_cli(loaded, capsys, "tracks", "export", "--output", str(target))
    assert code == 0 and "exported" in out, err
    shutil.copyfile(sqlite_template, tmp_path / "fresh.db")
    fresh = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        code, out, err = run_cli(fresh, capsys, "tracks", "load", str(target))
        assert code == 0, err
        assert snapshot(fresh) == snapshot(loaded)
    finally:
        fresh.dispose()
