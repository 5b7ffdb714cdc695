"""Text from outside made safe for a terminal: the one rule, used at every edge that shows it.

A CSV cell, a TOML name, a flag, an environment variable or a database row may hold terminal
control sequences (``ESC [2J`` clears a screen, an OSC sequence retitles a window or writes a
link), C1 controls (U+009B is a one-character CSI) or bidirectional overrides (U+202E shows
``exe.txt`` as ``txt.exe``). Stored data keeps what came in; only what is *shown* passes
through :func:`for_terminal`, which replaces every such character with a visible, inert escape
(``\\x1b``, ``\\u202e``), so the text still says what it held and can no longer act.
"""

from __future__ import annotations

import re

#: Bidirectional formatting characters: embeddings, overrides, isolates and marks.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)

# C0 controls and DEL, C1 controls, bidi controls, and the line/paragraph separators that
# some terminals treat as line breaks.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"
    + "".join(sorted(BIDI_CONTROLS))
    + "\u2028\u2029]"
)
_UNSAFE_ONE_LINE = re.compile(
    "[\x00-\x1f\x7f-\x9f" + "".join(sorted(BIDI_CONTROLS)) + "\u2028\u2029]"
)


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def for_terminal(text: object, *, one_line: bool = False) -> str:
    """``text`` with every control, C1 and bidi character shown as a visible escape.

    Newlines and tabs are kept unless ``one_line`` is set (a table cell, a status line, an
    error message), where they are escaped too.
    """
    value = text if isinstance(text, str) else str(text)
    pattern = _UNSAFE_ONE_LINE if one_line else _UNSAFE
    if pattern.search(value) is None:
        return value
    return pattern.sub(_visible, value)


def is_terminal_safe(text: str, *, one_line: bool = False) -> bool:
    """True when ``text`` holds nothing :func:`for_terminal` would escape."""
    pattern = _UNSAFE_ONE_LINE if one_line else _UNSAFE
    return pattern.search(text) is None


def unsafe_characters(text: str) -> list[str]:
    """The distinct characters :func:`for_terminal` would escape in ``text`` (newlines and tabs
    allowed), each as its visible escape, in order of first appearance."""
    seen: dict[str, None] = {}
    for match in _UNSAFE.finditer(text):
        seen.setdefault(_visible(match), None)
    return list(seen)
