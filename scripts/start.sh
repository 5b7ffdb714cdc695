#!/usr/bin/env bash
# Set up callcoach and open the TUI on the embedded default database (SQLite + demo data).
# Each step says what it is doing on stderr: installing (scripts/setup.sh), then callcoach
# itself while it creates the database and loads the starter library and the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "start: checking the installation ..." >&2
bash scripts/setup.sh
echo "start: opening callcoach ..." >&2
exec .venv/bin/callcoach "$@"
