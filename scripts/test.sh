#!/usr/bin/env bash
# Set up everything the tests need, lint, and run the whole suite.
# PostgreSQL tests run when CALLCOACH_TEST_PG_URL is set (see README), else they skip.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/ruff check callcoach scripts tests
.venv/bin/lint-imports --no-cache >/dev/null || .venv/bin/lint-imports --no-cache
.venv/bin/mypy
.venv/bin/mkdocs build --strict >/dev/null 2>&1 || .venv/bin/mkdocs build --strict
# One worker per CPU (pytest-xdist): most of a TUI test's time is waiting for the screen, so
# two workers halve the run on two cores. Each worker is its own session (own SQLite template,
# own PostgreSQL database). Pass -n 0 to run in one process.
exec .venv/bin/python -m pytest -q -n "${CALLCOACH_TEST_WORKERS:-auto}" "$@"
