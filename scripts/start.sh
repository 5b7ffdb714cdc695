#!/usr/bin/env bash
# Set up callcoach and open the TUI on the embedded default database (SQLite + demo data).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/callcoach "$@"
