"""Practice that reacts, driven through the real app: weights change within one session."""

from __future__ import annotations

import random
from collections import Counter

from callcoach.core.drills.sets import load_drill_sets_file
from callcoach.core.drills.speech import make_speaker
from callcoach.tui.app import make_app
from callcoach.tui.screens.drill_run import DrillRunScreen
from callcoach.tui.screens.drills import DrillsScreen
from tests.support.drill_helpers import STARTER, add_rep, seed_objections

TEXTS = {text: key for key, text, _ in STARTER}
ROUNDS = 30


def _drilled_key(app) -> str:
    prompt = str(app.screen.query_one("#prompt").render())
    return next(key for text, key in TEXTS.items() if text in prompt)


async def _session_draws(db, settings, clock, tmp_path, weak: str | None) -> Counter[str]:
    """One 30-round session on a five-objection set with a seeded draw: the trainee answers
    ``weak`` badly (1/5) and everything else well (5/5); returns how often each was drawn."""
    app = make_app(db, settings, clock, rep_name="Ana")
    app.drill_speaker = make_speaker(enabled=False)
    app.drill_rng = random.Random(11)
    draws: Counter[str] = Counter()
    async with app.run_test(size=(120, 40)) as pilot:
        await app.push_screen(DrillsScreen(rounds=ROUNDS))
        await pilot.pause()
        app.screen.query_one("#drill-sets").move_cursor(row=0)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DrillRunScreen)
        for n in range(1, ROUNDS + 1):
            assert f"Round {n} of {ROUNDS}" in str(app.screen.query_one("#round-label").render())
            key = _drilled_key(app)
            draws[key] += 1
            clock.advance(6)
            await pilot.press("space", "1" if key == weak else "5", "n")
        assert "Drill complete" in str(app.screen.query_one("#round-label").render())
    return draws


def _setup(db, tmp_path) -> None:
    seed_objections(db)
    add_rep(db, "Ana")
    f = tmp_path / "sets.toml"
    f.write_text(
        '[[drill_set]]\nname = "Five"\nobjections = ["send_info", "no_budget", "in_house",'
        ' "who_are_you", "not_interested"]\n',
        encoding="utf-8",
    )
    load_drill_sets_file(db, f)


async def test_weak_objection_is_drawn_more_within_the_same_session(
    sqlite_db, settings, clock, tmp_path
):
    """A brand-new trainee (every objection never drilled, equal weights at the start) who
    keeps failing no_budget meets it about every other round of that same session."""
    _setup(sqlite_db, tmp_path)
    draws = await _session_draws(sqlite_db, settings, clock, tmp_path, weak="no_budget")
    assert sum(draws.values()) == ROUNDS
    # the start weights (all equal) would give about 6 each; weights frozen at the start of
    # the session (the old behaviour) drew it 5 times with this seed
    assert draws["no_budget"] >= 9
    assert draws["no_budget"] > max(n for k, n in draws.items() if k != "no_budget")


async def test_same_seed_all_strong_draws_evenly(sqlite_db, settings, clock, tmp_path):
    """The control: the same seed with every answer strong does not favour no_budget."""
    _setup(sqlite_db, tmp_path)
    draws = await _session_draws(sqlite_db, settings, clock, tmp_path, weak=None)
    assert sum(draws.values()) == ROUNDS
    assert draws["no_budget"] <= 8
