"""The breakdown registry: built-ins once, entry-point plug-ins loaded once, bad ones named."""

from __future__ import annotations

import sys
import types
from importlib.metadata import EntryPoint

import pytest

from callcoach.core.review import breakdowns as bd
from callcoach.core.review.filters import ReportError, make_filter
from callcoach.core.review.tables import ReportTable


@pytest.fixture
def fake_plugins(monkeypatch):
    """Entry points served from a module made here; returns the list to fill."""
    module = types.ModuleType("callcoach_fake_plugins")

    def table(session, f):
        return ReportTable("region", "By region", f, [], [])

    module.REGION = bd.Breakdown("region", "By region", table)
    module.NAMED_WRONG = bd.Breakdown("zone", "By zone", table)
    module.NOT_A_BREAKDOWN = {"name": "odd"}
    module.FAKE_REP = bd.Breakdown("rep", "Not the leaderboard", table)
    monkeypatch.setitem(sys.modules, "callcoach_fake_plugins", module)
    points: list[EntryPoint] = []
    loads = []

    def lookup(group):
        loads.append(group)
        return list(points)

    monkeypatch.setattr(bd, "entry_points", lambda group: lookup(group))
    monkeypatch.setattr(bd, "_registry", None)
    return points, loads


def _ep(name, value):
    return EntryPoint(name, value, bd.ENTRY_POINT_GROUP)


def test_built_ins_in_order_with_plugins_after_them_by_name(fake_plugins):
    points, loads = fake_plugins
    points += [_ep("region", "callcoach_fake_plugins:REGION")]
    assert bd.breakdown_names() == [
        "rep", "list", "cluster", "week", "hour", "weekday", "objection", "drill", "region"]
    assert bd.breakdown_help().endswith("objection | drill | region")
    assert bd.get_breakdown("region").title == "By region"
    bd.breakdown_names()
    assert loads == [bd.ENTRY_POINT_GROUP]  # looked up once, then kept


def test_a_plugin_cannot_replace_a_built_in(fake_plugins):
    points, _ = fake_plugins
    points += [_ep("rep", "callcoach_fake_plugins:FAKE_REP")]
    assert bd.get_breakdown("rep") is bd.REP_BREAKDOWN


@pytest.mark.parametrize("value, why", [
    ("callcoach_fake_plugins:NOT_A_BREAKDOWN", "expected a Breakdown, got dict"),
    ("callcoach_fake_plugins:NAMED_WRONG", "the Breakdown is named 'zone'"),
    ("callcoach_fake_plugins:MISSING", "cannot load: AttributeError"),
    ("no_such_module_for_callcoach:X", "cannot load: ModuleNotFoundError"),
])
def test_a_bad_plugin_keeps_its_name_and_fails_in_one_line(fake_plugins, clock, value, why):
    points, _ = fake_plugins
    points += [_ep("odd", value)]
    assert "odd" in bd.breakdown_names()
    f = make_filter(clock.now(), period="last-week", zone="UTC")
    with pytest.raises(ReportError) as err:
        bd.build_report(None, "odd", f)  # fails before any query
    message = str(err.value)
    assert message.startswith(f"breakdown plug-in 'odd' ({value}): ") and why in message
    assert "\n" not in message


def test_unknown_name_lists_every_breakdown(fake_plugins, clock):
    f = make_filter(clock.now(), period="last-week", zone="UTC")
    with pytest.raises(ReportError, match=r"--by 'nope': expected one of rep, list, .*, drill$"):
        bd.build_report(None, "nope", f)
