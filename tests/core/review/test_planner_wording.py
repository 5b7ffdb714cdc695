"""The planner says over which weeks it averaged the blocks run per week (issue 14 item 9:
it said "over 3.7 weeks" beside a 12-week range)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from callcoach.core.review import planner
from tests.support import report_fixture as fx


@pytest.fixture
def history(db):
    return fx.build(db)


def test_the_average_says_its_weeks(db, history, clock):
    inputs = planner.PlanInput(quota=100_000, deal_size=10_000, close_ratio=4, weeks=10)
    with db.session() as s:
        plan = planner.make_plan(s, inputs, clock.now(), fx.ZONE)
        short = planner.make_plan(s, inputs, clock.now(), fx.ZONE, lookback_weeks=2)
        empty = planner.make_plan(s, inputs, clock.now() - timedelta(days=400), fx.ZONE)
    text = "\n".join(plan.lines())
    # over the weeks since the first call, beside the 12 weeks looked back
    assert ("blocks run per week so far: 1.6 (6 blocks over the 3.9 weeks since the first "
            "call on 2026-10-28, of the 12 weeks looked back: 2026-09-01 .. 2026-11-23)") in text
    assert plan.blocks_run_per_week == pytest.approx(6 / (27 / 7))
    assert short.measured_span() == ("5 blocks over the 1.1 weeks since the first call on "
                                     "2026-11-16, of the 2 weeks looked back: 2026-11-10 .. "
                                     "2026-11-23")
    whole = replace(plan, weeks_measured=12.0)  # calls from the range's first day
    assert whole.measured_span() == ("6 blocks over the 12 weeks looked back: 2026-09-01 .. "
                                     "2026-11-23")
    assert empty.measured_span().startswith("no calls in the 12 weeks looked back: ")
    assert empty.first_call is None
