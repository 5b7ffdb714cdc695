"""The talk-track studio driven as a rep would: create a track, assign it to a cluster, see
it on the block screen; merge fields checked and completed as typed; the opener and each
rebuttal timed by real synthesis; snapshots at 80x24 and wide."""

from __future__ import annotations

import pytest
from sqlmodel import select
from textual.widgets import DataTable, Input, Static

from callcoach.core.calling import lifecycle
from callcoach.core.drills.speech import Speaker
from callcoach.core.drills.spoken_length import SpeechTimer
from callcoach.storage.models import CallList, TalkTrack
from callcoach.tui.app import make_app
from callcoach.tui.screens.block import BlockScreen
from callcoach.tui.screens.studio import LibraryScreen, StudioScreen
from callcoach.tui.screens.studio_dialogs import ChoicePicker, ObjectionForm
from callcoach.tui.screens.studio_editor import TrackEditorScreen
from tests.core.drills.test_speech import needs_espeak
from tests.support.blockkit import make_list, make_rep, seed_library
from tests.support.helpers import SIZE, screen_text
from tests.support.speech_fakes import FakeSynthesizer

PEOPLE = [
    {"first_name": "Ada", "last_name": "Byron", "company": "Molar Works"},
    {"first_name": "Ben", "last_name": "Cole", "company": "Bright Teeth"},
]

ENGAGE = "Hi {first_name}, {rep_name} here - we fill empty chairs for practices like {reference}."
IMPACT = "{first_name}, how many chairs sit empty at {company} on Mondays?"


@pytest.fixture
def world(sqlite_db):
    """Sam, the starter library, an untracked list in the vertical=dental cluster, and a
    tracked list elsewhere (so the studio has a track to show)."""
    rep = make_rep(sqlite_db)
    lib = seed_library(sqlite_db)
    list_id, _ = make_list(sqlite_db, name="Dental East", contacts=PEOPLE, track=False)
    make_list(sqlite_db, name="Older list", contacts=[{"first_name": "Cy"}],
              overrides={lib["no_budget"]: "Budget? {first_name}, the meeting proves the ROI."})
    with sqlite_db.transaction() as s:
        s.get(CallList, list_id).cluster_value = "dental"
        older = s.exec(select(CallList).where(CallList.name == "Older list")).one()
        older.cluster_dimension, older.cluster_value = "region", "Northeast"
    return {"db": sqlite_db, "rep": rep, "list_id": list_id, "lib": lib}


def studio_app(db, settings, clock, tmp_path, timer: SpeechTimer | None = None):
    """The app as Sam, timing speech with ``timer`` (a fake engine unless given)."""
    app = make_app(db, settings, clock, rep_name="Sam")
    app.service.studio.use_timer(
        timer or SpeechTimer(FakeSynthesizer(tmp_path / "wav"), None, settings.drill.rate)
    )
    app.drill_speaker = Speaker(FakeSynthesizer(tmp_path / "wav"), None)
    return app


def value(app, selector: str) -> str:
    """The text a Static shows."""
    return str(app.screen.query_one(selector, Static).render())


async def until(pilot, predicate, tries: int = 300) -> bool:
    """Wait (pausing the app) until ``predicate()`` holds."""
    for _ in range(tries):
        if predicate():
            return True
        await pilot.pause(0.02)
    return predicate()


async def open_new_track(app, pilot) -> TrackEditorScreen:
    """Home -> s -> n: the editor on an empty track."""
    await pilot.press("s")
    await pilot.pause()
    assert isinstance(app.screen, StudioScreen)
    await pilot.press("n")
    await pilot.pause()
    assert isinstance(app.screen, TrackEditorScreen)
    return app.screen


def fill(editor: TrackEditorScreen, **fields: str) -> None:
    """Set form fields by name (as typing would: each posts Input.Changed)."""
    for name, text in fields.items():
        editor.query_one(f"#f-{name}", Input).value = text


async def test_create_assign_to_cluster_then_on_the_block_screen(world, settings, clock, tmp_path):
    """A new track saved, assigned to vertical=dental, is the block screen's track for a
    list in that cluster, filled from the contact."""
    db = world["db"]
    app = studio_app(db, settings, clock, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_new_track(app, pilot)
        fill(editor, name="Dental v2", engage_statement=ENGAGE, impact_question=IMPACT,
             meeting_ask="Could we take 20 minutes on Tuesday at 10?",
             third_party_reference="Bright Smile Dental")
        await pilot.press("ctrl+o")  # a likely objection from the library
        await pilot.pause()
        assert isinstance(app.screen, ChoicePicker)
        for key in "budget":
            await pilot.press(key)
        await pilot.press("enter")
        await pilot.pause()
        assert editor.draft.objections == [("no_budget", None)]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Saved 'Dental v2'" in value(app, "#editor-status")
        await pilot.press("escape")
        await pilot.pause()
        studio = app.screen
        assert isinstance(studio, StudioScreen)
        names = [r.name for r in studio.rows]
        studio.query_one("#tracks", DataTable).move_cursor(row=names.index("Dental v2"))
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ChoicePicker)
        for key in "vertical=dental":
            await pilot.press(key if key != "=" else "equals_sign")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, StudioScreen)
        assert "list 'Dental East' now uses it" in value(app, "#studio-status")
        row = next(r for r in studio.rows if r.name == "Dental v2")
        assert row.lists == ("Dental East",) and row.cluster == "vertical: dental"

        with db.session() as s:
            track = s.exec(select(TalkTrack).where(TalkTrack.name == "Dental v2")).one()
            assert (track.cluster_dimension, track.cluster_value) == ("vertical", "dental")
            assert s.get(CallList, world["list_id"]).talk_track_id == track.id
        block = lifecycle.start_block(db, clock, rep_id=world["rep"], list_id=world["list_id"])
        app.push_screen(BlockScreen(block.id))
        await pilot.pause()
        shown = screen_text(app)
        assert "Ada, how many chairs sit empty at Molar Works on Mondays?" in shown
        assert "Hi Ada, Sam here - we fill empty chairs for practices like Bright Smile Dental." in shown


async def test_unknown_merge_field_named_as_typed_and_save_refused(world, settings, clock, tmp_path):
    """{frist_name} is named under the field while typing; ctrl+s refuses, naming it, and
    writes nothing."""
    db = world["db"]
    app = studio_app(db, settings, clock, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_new_track(app, pilot)
        fill(editor, name="Typo track", impact_question=IMPACT, meeting_ask="Tuesday?")
        field = editor.query_one("#f-engage_statement", Input)
        field.focus()
        for key in ["H", "i", "space", "left_curly_bracket", *"frist_name", "right_curly_bracket"]:
            await pilot.press(key)
        await pilot.pause()
        assert field.value == "Hi {frist_name}"
        problem = editor.query_one("#p-engage_statement", Static)
        assert problem.has_class("shown")
        assert "unknown merge field {frist_name} (did you mean {first_name}?)" in str(problem.render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        status = value(app, "#editor-status")
        assert "Not saved" in status and "engage_statement: unknown merge field {frist_name}" in status
        with db.session() as s:
            assert s.exec(select(TalkTrack).where(TalkTrack.name == "Typo track")).first() is None
        # Fixed, the problem line goes and the save goes through.
        field.value = "Hi {first_name}"
        await pilot.pause()
        assert not problem.has_class("shown")
        await pilot.press("ctrl+s")
        await pilot.pause()
        with db.session() as s:
            assert s.exec(select(TalkTrack).where(TalkTrack.name == "Typo track")).first()


async def test_merge_field_completed_and_preview_from_a_real_contact(world, settings, clock, tmp_path):
    """Typing {com and right arrow completes {company}; the preview fills it from the
    first contact of the chosen list."""
    db = world["db"]
    app = studio_app(db, settings, clock, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_new_track(app, pilot)
        field = editor.query_one("#f-engage_statement", Input)
        field.focus()
        for key in ["left_curly_bracket", "c", "o", "m"]:
            await pilot.press(key)
        assert await until(pilot, lambda: field._suggestion == "{company}")
        hint = editor.query_one("#p-engage_statement", Static)
        assert "right arrow completes {company}" in str(hint.render()) and hint.has_class("hint")
        await pilot.press("right")
        assert field.value == "{company}"
        assert not hint.has_class("shown")
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(app.screen, ChoicePicker)
        for key in "dental":
            await pilot.press(key)
        await pilot.press("enter")
        await pilot.pause()
        assert "Ada Byron, Molar Works (Dental East)" in value(app, "#preview-head")
        field.focus()
        await pilot.pause()
        assert "Molar Works" in value(app, "#preview-text")


async def test_edit_a_track_rebuttal_and_the_library(world, settings, clock, tmp_path):
    """A per-track rebuttal is written from the editor; the library gets a new objection
    and a renamed one, with merge fields checked."""
    db = world["db"]
    app = studio_app(db, settings, clock, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("enter")  # the only track: "Older list track"
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, TrackEditorScreen)
        table = editor.query_one("#track-objections", DataTable)
        table.focus()
        await pilot.press("enter")
        await pilot.pause()
        prompt = app.screen.query_one("#prompt-input", Input)
        prompt.value = "No budget, {first_name}? {compny} will want the numbers. Tuesday?"
        await pilot.press("enter")
        await pilot.pause()
        assert "unknown merge field {compny}" in value(app, "#prompt-problem")
        prompt.value = "No budget, {first_name}? {company} will want the numbers. Tuesday?"
        await pilot.press("enter")
        await pilot.pause()
        assert editor.draft.objections[0][1].startswith("No budget, {first_name}?")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.service.studio.draft("Older list track").objections[0] == (
            "no_budget", "No budget, {first_name}? {company} will want the numbers. Tuesday?"
        )
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, ObjectionForm)
        app.screen.query_one("#objection-text", Input).value = "We're mid-merger."
        app.screen.query_one("#objection-rebuttal", Input).value = "Then {company} needs it most."
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)
        keys = [e.key for e in app.screen.entries]
        assert keys[-1] == "we_re_mid_merger"
        app.screen.query_one("#library", DataTable).move_cursor(row=0)
        await pilot.press("enter")
        await pilot.pause()
        app.screen.query_one("#objection-text", Input).value = "Just email me something."
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen.entries[0].text == "Just email me something."


@needs_espeak
async def test_opener_timed_by_real_synthesis_and_long_one_warned(world, settings, clock, tmp_path,
                                                                  monkeypatch):
    """The opener's length comes from espeak-ng through pyttsx3 (a WAV read back); a long
    opener is warned about against the 45 s engage phase; ctrl+r with no audio device says
    so in the drills' words."""
    monkeypatch.setenv("CALLCOACH_AUDIO_PLAYER", "none")
    from callcoach.core.drills.speech import Pyttsx3Synthesizer, make_speaker

    timer = SpeechTimer(Pyttsx3Synthesizer(tmp_path / "cache"), None, settings.drill.rate)
    app = studio_app(db := world["db"], settings, clock, tmp_path, timer=timer)
    app.drill_speaker = make_speaker(None, settings.drill.rate)
    try:
        async with app.run_test(size=SIZE) as pilot:
            editor = await open_new_track(app, pilot)
            fill(editor, engage_statement=ENGAGE, impact_question=IMPACT)
            editor.query_one("#f-impact_question", Input).focus()
            editor.query_one("#f-name", Input).focus()  # leaving the field times it
            assert await until(pilot, lambda: "of the 45 s engage phase" in value(app, "#opener-length"))
            short = value(app, "#opener-length")
            seconds = float(short.split(": ")[1].split(" s")[0])
            assert 3 < seconds < 20, short
            assert not editor.query_one("#opener-length").has_class("warning")

            long_impact = " ".join([IMPACT] * 14)
            fill(editor, impact_question=long_impact)
            editor.query_one("#f-impact_question", Input).focus()
            editor.query_one("#f-name", Input).focus()
            assert await until(pilot, lambda: "over the 45 s engage phase" in value(app, "#opener-length")), \
                value(app, "#opener-length")
            assert editor.query_one("#opener-length").has_class("warning")
            long_seconds = float(value(app, "#opener-length").split(": ")[1].split(" s")[0])
            assert long_seconds > 45 and long_seconds > 5 * seconds

            await pilot.press("ctrl+r")
            assert await until(pilot, lambda: "no audio device" in value(app, "#editor-status"))
            assert "The opener is on screen." in value(app, "#editor-status")
    finally:
        timer.close()
        app.drill_speaker.close()
    assert db is not None


def snapshot_app(world, settings, clock, tmp_path):
    """The app with a fake engine (every text 0.5 s) so the lengths shown are stable, and a
    second track serving the dental cluster."""
    from callcoach.core.lists.track_editing import TrackDraft, assign_to_cluster, save_track

    db = world["db"]
    save_track(db, TrackDraft(name="Dental v2", engage_statement=ENGAGE, impact_question=IMPACT,
                              meeting_ask="Tuesday at 10?", objections=[("send_info", None)]), clock)
    assign_to_cluster(db, "Dental v2", "vertical", "dental")
    return studio_app(db, settings, clock, tmp_path)


async def _open_editor(pilot) -> None:
    await pilot.press("s")
    await pilot.pause()
    await pilot.press("enter")
    app = pilot.app
    table = app.screen.query_one("#track-objections", DataTable)

    def measured() -> bool:
        cells = [table.get_cell_at((row, 1)) for row in range(table.row_count)]
        return "0.5 s" in value(app, "#opener-length") and "..." not in cells

    assert await until(pilot, measured)
    for field in app.screen.query(Input):
        field.cursor_blink = False  # a blinking cursor makes the snapshot depend on timing
    await pilot.pause()


async def _open_studio(pilot) -> None:
    await pilot.press("s")
    await pilot.pause()


async def _open_library(pilot) -> None:
    await pilot.press("s")
    await pilot.pause()
    await pilot.press("o")
    app = pilot.app
    assert await until(pilot, lambda: "..." not in str(
        [app.screen.query_one("#library", DataTable).get_row_at(r) for r in range(8)]))
    await pilot.pause()


def test_studio_snapshot_80x24(snap_compare, world, settings, clock, tmp_path):
    assert snap_compare(snapshot_app(world, settings, clock, tmp_path), terminal_size=(80, 24),
                        run_before=_open_studio)


def test_editor_snapshot_80x24(snap_compare, world, settings, clock, tmp_path):
    assert snap_compare(snapshot_app(world, settings, clock, tmp_path), terminal_size=(80, 24),
                        run_before=_open_editor)


def test_editor_snapshot_wide(snap_compare, world, settings, clock, tmp_path):
    assert snap_compare(snapshot_app(world, settings, clock, tmp_path), terminal_size=(140, 40),
                        run_before=_open_editor)


def test_library_snapshot_80x24(snap_compare, world, settings, clock, tmp_path):
    assert snap_compare(snapshot_app(world, settings, clock, tmp_path), terminal_size=(80, 24),
                        run_before=_open_library)


async def test_command_palette_opens_the_studio(world, settings, clock, tmp_path):
    """ctrl+p, "Tracks", enter: the studio, as the footer's s does."""
    app = studio_app(world["db"], settings, clock, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        for key in "Tracks":
            await pilot.press(key)
        await pilot.pause(0.3)
        await pilot.press("enter")
        assert await until(pilot, lambda: isinstance(app.screen, StudioScreen))


async def test_hostile_text_is_inert_on_the_studio_screens(world, settings, clock, tmp_path):
    """Track names, text, list names and objections with terminal controls are shown as
    visible escapes on the studio, the editor's preview and the library, never written raw."""
    from callcoach.core.lists.track_editing import (
        TrackDraft,
        add_objection,
        assign_to_list,
        save_track,
    )
    from tests.support.hostile import HOSTILE, VISIBLE, assert_inert
    from tests.tui.test_hostile_text import rendered

    db = world["db"]
    name = f"Evil {HOSTILE['csi']}"
    save_track(db, TrackDraft(name=name, engage_statement=f"Hi {{first_name}} {HOSTILE['rlo']}",
                              impact_question=f"Q {HOSTILE['osc']}?", meeting_ask="Tue?",
                              third_party_reference=HOSTILE["c1"]), clock)
    assign_to_list(db, name, "Dental East")
    add_objection(db, f"Obj {HOSTILE['isolates']}", f"Reb {HOSTILE['csi']}")
    app = studio_app(db, settings, clock, tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        shown = assert_inert(rendered(app))
        assert VISIBLE["csi"] in shown
        names = [r.name for r in app.screen.rows]
        app.screen.query_one("#tracks", DataTable).move_cursor(row=names.index(name))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TrackEditorScreen)
        shown = assert_inert(rendered(app))
        assert VISIBLE["rlo"] in shown
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        shown = assert_inert(rendered(app))
        assert VISIBLE["isolates"] in shown


async def test_assign_to_a_cluster_no_list_is_in_yet(world, settings, clock, tmp_path):
    """Typing DIMENSION=VALUE in the assign picker offers that cluster; the track claims it
    (lists imported into it later use the track); a bad dimension is one line."""
    db = world["db"]
    app = studio_app(db, settings, clock, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        for key in "role":
            await pilot.press(key)
        await pilot.press("equals_sign", "V", "P")
        await pilot.pause()
        assert "cluster: role=VP (new)" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, StudioScreen)
        assert "assigned to cluster role=VP" in value(app, "#studio-status")
        with db.session() as s:
            track = s.exec(select(TalkTrack).where(TalkTrack.name == "Older list track")).one()
        assert (track.cluster_dimension, track.cluster_value) == ("role", "VP")
        await pilot.press("a")
        await pilot.pause()
        for key in "colour":
            await pilot.press(key)
        await pilot.press("equals_sign", "r", "enter")
        await pilot.pause()
        assert isinstance(app.screen, StudioScreen)
        with db.session() as s:
            track = s.exec(select(TalkTrack).where(TalkTrack.name == "Older list track")).one()
        assert track.cluster_dimension == "role"
