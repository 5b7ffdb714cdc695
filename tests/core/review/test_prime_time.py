"""Prime time in the prospects' local time (issue 14 item 9), on both engines: each dial is
bucketed by the hour and weekday where the contact is; contacts without a known zone are
counted in the viewer's zone and said to be."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from callcoach.core.review.filters import make_filter, with_scope
from callcoach.core.review.prime_time import prospect_time
from callcoach.core.review.slices import by_hour, by_weekday
from tests.support import report_fixture as fx


def _dials(slices) -> Counter:
    return Counter({s.key: s.funnel.dials for s in slices})


def _shifted(slices, hours: int, modulo: int) -> Counter:
    return Counter({(s.key + hours) % modulo: s.funnel.dials for s in slices})


def test_hours_and_weekdays_in_the_prospects_zones(db, clock):
    ids = fx.build(db)
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE contact SET timezone = 'America/Los_Angeles' "
                             "WHERE list_id = :l"), {"l": ids["Retail West"]})
        conn.execute(sa.text("UPDATE contact SET timezone = 'America/New_York' "
                             "WHERE list_id = :l"), {"l": ids["SaaS East"]})
    f = make_filter(clock.now(), fx.ZONE, "custom", "2026-10-01", "2026-11-23")
    with db.session() as s:
        mine = prospect_time(s, f)
        retail = with_scope(s, f, (), (ids["Retail West"],))
        saas = with_scope(s, f, (), (ids["SaaS East"],))
        west_h, east_h = by_hour(s, retail), by_hour(s, saas)
        west_d, east_d = by_weekday(s, retail), by_weekday(s, saas)
        viewer = by_hour(s, f)
    # Los Angeles is three hours behind New York: the West's dials move three hours earlier
    assert _dials(mine.hours) == _shifted(west_h, -3, 24) + _dials(east_h)
    assert _dials(mine.hours) != _dials(viewer)
    assert sum(x.funnel.dials for x in mine.hours) == sum(x.funnel.dials for x in viewer)
    # no West dial in the fixture is before 03:00, so the weekdays stay
    assert _dials(mine.weekdays) == _dials(west_d) + _dials(east_d)
    assert mine.zones == ["America/Los_Angeles", "America/New_York"]
    assert mine.unzoned_dials == 0
    connects = {x.key: x.funnel.connects for x in mine.hours}
    assert sum(connects.values()) == sum(x.funnel.connects for x in viewer)


def test_contacts_without_a_zone_count_in_the_viewers(db, clock):
    ids = fx.build(db)
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE contact SET timezone = 'Not/AZone' WHERE list_id = :l"),
                     {"l": ids["Retail West"]})
    f = make_filter(clock.now(), fx.ZONE, "last-week")
    with db.session() as s:
        mine = prospect_time(s, f)
        viewer = by_hour(s, f)
        retail = by_hour(s, with_scope(s, f, (), (ids["Retail West"],)))
    assert _dials(mine.hours) == _dials(viewer)
    assert mine.zones == [] and mine.unzoned_dials == sum(x.funnel.dials for x in viewer)
    assert sum(x.funnel.dials for x in retail) > 0
