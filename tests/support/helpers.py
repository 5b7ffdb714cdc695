"""Small helpers shared by tests."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import select

from callcoach.storage.db import Database
from callcoach.storage.models import CallAttempt

#: The terminal size TUI tests run the app at (snapshots also at 80x24).
SIZE = (120, 40)


def count_rows(db: Database, table: str) -> int:
    """Rows in ``table``; a helper for asserting what the database holds."""
    with db.engine.connect() as conn:
        return int(conn.execute(sa.text(f'SELECT COUNT(*) FROM "{table}"')).scalar_one())


def run_cli(db: Database, capsys, *args: str) -> tuple[int, str, str]:  # pytest's capsys
    """Run ``callcoach --db <db's URL> ARGS``; its exit code, stdout and stderr."""
    from callcoach import cli

    code = cli.main(["--db", db.url, *args])
    out, err = capsys.readouterr()
    return code, out, err


def stored_attempts(db: Database) -> list[CallAttempt]:
    """Every call attempt in the database, in the order written."""
    with db.session() as s:
        return list(s.exec(select(CallAttempt).order_by(CallAttempt.id)).all())


def screen_text(app) -> str:  # a running Textual app
    """Every Static's text on the app's current screen, plus digits and list options."""
    from textual.widgets import Digits, OptionList, Static

    parts = [getattr(w.render(), "plain", str(w.render())) for w in app.screen.query(Static)]
    parts += [w.value for w in app.screen.query(Digits)]
    parts += [str(o.prompt) for ol in app.screen.query(OptionList) for o in ol.options]
    return "\n".join(parts)


async def open_block_and_dial(app, pilot, block_id: int) -> tuple:  # App, Pilot
    """Show the block screen of ``block_id`` and dial its first contact; (screen, contact id)."""
    from callcoach.tui.screens.block import BlockScreen

    app.push_screen(BlockScreen(block_id))
    await pilot.pause()
    screen = app.screen
    first = screen.contact.id
    await pilot.press("d")
    await pilot.pause()
    return screen, first


async def wait_for_save(pilot, screen) -> None:  # Pilot, BlockScreen
    """Until the block screen's save worker has nothing pending (at most 4 s)."""
    for _ in range(200):
        if screen.saving is None:
            await pilot.pause()
            return
        await pilot.pause(0.02)
    raise AssertionError("the save never finished")


async def wait_for_workers(app, group: str) -> None:  # App
    """Until the app's workers of ``group`` are done (not all workers: the block screen's
    save worker runs for as long as the screen)."""
    workers = [w for w in app.workers if w.group == group]
    if workers:
        await app.workers.wait_for_complete(workers)
