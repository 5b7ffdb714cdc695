"""Regenerate the screenshots in docs/images/ by driving the real app on the demo data.

    .venv/bin/python scripts/screenshots.py [--out docs/images] [--size 100x30]

Everything runs in a scratch directory (database, data dir, settings), on a fake clock at
Monday 2026-11-23 14:00 UTC, so the pictures are the same on every machine and the
user's own callcoach data is never touched. Writes:

- ``lists-screen.svg``: the home screen with the six demo lists;
- ``block-screen.svg``: a call block on "Demo - Financial Services", 40 s into a call with one
  objection logged and its rebuttal on screen.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _size(text: str) -> tuple[int, int]:
    """Parse ``COLSxROWS``."""
    try:
        cols, rows = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a size like 100x30") from None
    return cols, rows


async def _shoot(out: Path, size: tuple[int, int], scratch: Path) -> list[Path]:
    """Open the app on a freshly seeded demo database and save the screens as SVG."""
    from callcoach.clock import FakeClock
    from callcoach.config import Settings
    from callcoach.core.demo.seed import seed_demo_if_empty
    from callcoach.storage.db import open_database
    from callcoach.tui.app import make_app

    clock = FakeClock()
    db = open_database(f"sqlite:///{scratch / 'callcoach.db'}")
    written: list[Path] = []
    try:
        seed_demo_if_empty(db, clock)
        app = make_app(db, Settings(ics_dir=scratch / "invites"), clock)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            written.append(Path(app.save_screenshot("lists-screen.svg", path=str(out))))

            # First list (Demo - Financial Services): the talk track, then the block.
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press("d")
            clock.advance(40)
            app.screen.tick()
            await pilot.press("o", *"info", "enter")
            await pilot.pause()
            written.append(Path(app.save_screenshot("block-screen.svg", path=str(out))))
    finally:
        db.dispose()
    return written


def main(argv: list[str] | None = None) -> int:
    """Write the screenshots and print their paths."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images",
                        help="folder for the SVG files (default docs/images)")
    parser.add_argument("--size", type=_size, default=(100, 30), help="terminal size (default 100x30)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="callcoach-shots-") as tmp:
        scratch = Path(tmp)
        os.environ["CALLCOACH_DATA_DIR"] = str(scratch / "data")
        os.environ["CALLCOACH_CONFIG"] = str(scratch / "config.toml")
        os.environ.pop("CALLCOACH_DATABASE_URL", None)
        for path in asyncio.run(_shoot(args.out, args.size, scratch)):
            print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
