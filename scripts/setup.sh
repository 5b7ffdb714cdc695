#!/usr/bin/env bash
# Set up callcoach in ./.venv: system packages (espeak-ng for speech) when missing and we
# can install them, then the Python package. `--test` also installs the test tools and
# the packages the test suite drives (chromium for the HTML scorecard, sox).
# Safe to run again: it only installs what is missing (the Python packages are installed
# again only when pyproject.toml changed). Progress goes to stderr, one "setup:" line a step.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1
say() { echo "setup: $*" >&2; }
SECONDS=0

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
    say "installing system packages: ${apt_missing[*]} (apt-get; can take a minute) ..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null \
      || say "warning: apt-get update failed (another install running?); using the package lists there are"
    apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null \
      || say "warning: could not install ${apt_missing[*]}; speech falls back to text"
  else
    say "note: missing ${apt_missing[*]} (not root or no apt-get); speech falls back to text"
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  say "creating the Python environment in .venv ..."
  "$PY" -m venv .venv
fi

# What is installed, and for which pyproject.toml: nothing to do when both still match.
extras=$([ "$want_test" = 1 ] && echo test || echo app)
wanted="$(sha256sum pyproject.toml | cut -d' ' -f1) $extras"
stamp=.venv/.callcoach-installed
if [ -x .venv/bin/callcoach ] && [ -f "$stamp" ] \
  && { [ "$(cat "$stamp")" = "$wanted" ] || { [ "$extras" = app ] && grep -q " test$" "$stamp" \
       && [ "$(cut -d' ' -f1 "$stamp")" = "${wanted%% *}" ]; }; }; then
  say "callcoach is installed in .venv (nothing to do)"
  exit 0
fi

say "updating pip ..."
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
target=.
[ "$want_test" = 1 ] && target=".[test]"
say "installing callcoach and its Python packages into .venv (first time: about a minute) ..."
# pip's own output is long; one line per package it fetches is enough to see it moving.
.venv/bin/python -m pip install --disable-pip-version-check --progress-bar off -e "$target" 2>&1 \
  | while IFS= read -r line; do
      case "$line" in
        Collecting*|Downloading*) say "  ${line%% (*}" ;;
        "Installing collected packages"*) say "  installing the packages ..." ;;
        ERROR*|error*) echo "$line" >&2 ;;
      esac
    done
echo "$wanted" > "$stamp"
say "installed in ${SECONDS}s"
