#!/usr/bin/env python3
"""Regenerate data/demo_contacts.csv: made-up prospects with fictional phone numbers.

The generator lives in ``callcoach.core.demo.contacts`` (the demo team's history uses it
too); same seed, same bytes.

Usage: python scripts/gen_demo.py [--count N] [--seed S] [--out FILE]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from callcoach.core.demo.contacts import write_csv  # noqa: E402


def main() -> None:
    """Write the CSV."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=480)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "demo_contacts.csv")
    args = parser.parse_args()
    written = write_csv(args.out, args.count, args.seed)
    print(f"wrote {written} contacts to {args.out}")


if __name__ == "__main__":
    main()
