"""The home screen on a seeded demo database: Pilot and snapshot."""

from __future__ import annotations

import sqlalchemy as sa
from textual.widgets import DataTable, Static

from callcoach.core.demo.seed import seed_demo_if_empty
from callcoach.storage.models import CallList, Contact
from callcoach.tui.app import make_app


def _expected_counts(db) -> dict[str, int]:
    with db.session() as s:
        rows = s.execute(
            sa.select(CallList.name, sa.func.count(Contact.id))
            .join(Contact, Contact.list_id == CallList.id)
            .group_by(CallList.name)
        ).all()
    return dict(rows)


async def test_home_lists_the_seeded_demo_lists(sqlite_db, settings, clock):
    """Six demo lists with their contact and callable-now counts, the demo rep in the header."""
    seed_demo_if_empty(sqlite_db, clock)
    app = make_app(sqlite_db, settings, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#lists", DataTable)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        assert app.rep.name == "Demo SDR"
        names = [r[0] for r in rows]
        assert names == sorted(_expected_counts(sqlite_db))
        assert len(names) == 6 and names[0] == "Demo - Financial Services"
        for name, cluster, contacts, callable_now, last in rows:
            assert cluster == f"vertical: {name.removeprefix('Demo - ')}"
            assert int(contacts) == _expected_counts(sqlite_db)[name] == 80
            # 14:00 UTC: New York, Chicago and London are open; the West and Sydney are not.
            assert 0 < int(callable_now) < int(contacts)
            assert last == "-"
        hint = str(app.screen.query_one("#home-hint", Static).render())
        total = sum(int(r[3]) for r in rows)
        assert f"6 lists, {total} contacts callable now." in hint


def test_home_snapshot(snap_compare, sqlite_db, settings, clock):
    """The home screen with the demo data at a fixed instant."""
    seed_demo_if_empty(sqlite_db, clock)
    app = make_app(sqlite_db, settings, clock)
    assert snap_compare(app, terminal_size=(120, 40))
