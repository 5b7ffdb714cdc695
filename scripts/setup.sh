#!/usr/bin/env bash
# Set up callcoach in ./.venv: system packages (espeak-ng for speech) when missing and we
# can install them, then the Python package. `--test` also installs the test tools and
# the packages the test suite drives (chromium for the HTML scorecard, sox).
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

apt_missing=()
command -v espeak-ng >/dev/null 2>&1 || apt_missing+=(espeak-ng)
ldconfig -p 2>/dev/null | grep -q libespeak-ng.so.1 || apt_missing+=(libespeak-ng1)
command -v aplay >/dev/null 2>&1 || apt_missing+=(alsa-utils)
if [ "$want_test" = 1 ]; then
  command -v chromium >/dev/null 2>&1 || apt_missing+=(chromium)
  command -v sox >/dev/null 2>&1 || apt_missing+=(sox)
  command -v tmux >/dev/null 2>&1 || apt_missing+=(tmux)
fi
if [ ${#apt_missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing system packages: ${apt_missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null \
      || echo "setup: warning: could not install ${apt_missing[*]}; speech falls back to text"
  else
    echo "setup: note: missing ${apt_missing[*]} (not root or no apt-get); speech falls back to text"
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
if [ "$want_test" = 1 ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"
else
  .venv/bin/python -m pip install -q --disable-pip-version-check -e .
fi
