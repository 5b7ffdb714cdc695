"""The phase cue follows the call: the clock until the prospect objects, then the
objection being handled, with the 2:00 and 3:00 warnings on top (METHOD.md, rule 6)."""

from __future__ import annotations

import pytest

from callcoach.config import CallPhases
from callcoach.core.calling.calltimer import call_phase

P = CallPhases()


@pytest.mark.parametrize(
    ("elapsed", "objections", "key", "number", "focus"),
    [
        (0, 0, "engage", None, ("engage", "impact")),
        (44.9, 0, "engage", None, ("engage", "impact")),
        (45, 0, "ask", None, ("ask",)),
        # No objection logged at 1:30: still asking, not "objection 2" by the clock.
        (90, 0, "ask", None, ("ask",)),
        # The prospect objects early: the call is in the objections, whatever the clock.
        (30, 1, "objections", 1, ("rebuttal",)),
        (50, 3, "objections", 3, ("rebuttal",)),
        (61, 2, "objections", 2, ("rebuttal",)),
        # The warnings win over the objections, and keep the rebuttal in focus.
        (120, 0, "warn", None, ("ask",)),
        (125, 3, "warn", 3, ("rebuttal",)),
        (180, 4, "stop", 4, ("rebuttal",)),
        (200, 0, "stop", None, ("ask",)),
    ],
)
def test_call_phase_follows_objections_and_time(elapsed, objections, key, number, focus):
    phase = call_phase(elapsed, objections, P)
    assert (phase.key, phase.objection_number, phase.focus) == (key, number, focus)


def test_call_phase_labels_name_the_objection_and_the_warnings():
    assert call_phase(20, 0, P).label == "0:00-0:45 Engage + impact"
    assert call_phase(70, 0, P).label == "0:45-2:00 Ask"
    third = call_phase(50, 3, P)
    assert third.label == "Objection 3 (~20 s)" and "20 s" in third.cue
    assert "diminishing" in call_phase(130, 2, P).cue and call_phase(130, 2, P).level == "warn"
    assert "end the call" in call_phase(181, 1, P).cue and call_phase(181, 1, P).level == "stop"


def test_call_phase_uses_the_configured_boundaries():
    custom = CallPhases(engage_until=30, ask_until=40, objection_seconds=10, warn_at=90, stop_at=150)
    assert call_phase(29, 0, custom).key == "engage"
    assert call_phase(31, 0, custom).key == "ask"
    assert call_phase(60, 1, custom).label == "Objection 1 (~10 s)"
    assert call_phase(90, 1, custom).key == "warn"
    assert call_phase(150, 0, custom).key == "stop"
