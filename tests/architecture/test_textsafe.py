"""The one rule for text from outside: nothing shown can act on the terminal."""

from __future__ import annotations

import pytest

from callcoach.textsafe import for_terminal, is_terminal_safe

HOSTILE = [
    ("clear screen", "Ann\x1b[2JSmith", "Ann\\x1b[2JSmith"),
    ("OSC title", "x\x1b]0;pwned\x07y", "x\\x1b]0;pwned\\x07y"),
    ("OSC 8 link", "\x1b]8;;http://e.vil\x1b\\click\x1b]8;;\x1b\\", None),
    ("C1 CSI", "a\x9b31mred", "a\\x9b31mred"),
    ("C1 NEL", "a\x85b", "a\\x85b"),
    ("right-to-left override", "invoice\u202egpj.exe", "invoice\\u202egpj.exe"),
    ("isolates", "\u2066a\u2067b\u2068c\u2069", "\\u2066a\\u2067b\\u2068c\\u2069"),
    ("NUL", "nul\x00here", "nul\\x00here"),
    ("backspace hides text", "pay\x08\x08\x08due", "pay\\x08\\x08\\x08due"),
    ("DEL", "a\x7fb", "a\\x7fb"),
    ("carriage return overwrites", "safe\rEVIL", "safe\\x0dEVIL"),
    ("line separator", "a\u2028b", "a\\u2028b"),
]


@pytest.mark.parametrize(("name", "raw", "shown"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_strings_are_made_visible_and_inert(name, raw, shown):
    out = for_terminal(raw)
    assert is_terminal_safe(out)
    assert "\x1b" not in out and "\x9b" not in out and "\u202e" not in out
    assert not any(0x80 <= ord(ch) <= 0x9F or ord(ch) < 0x20 and ch not in "\n\t" for ch in out)
    if shown is not None:
        assert out == shown


def test_plain_and_international_text_is_unchanged():
    for text in ["Zoë Ångström", "José Núñez-García", "東京 株式会社", "שלום", "مرحبا", "emoji 📞", ""]:
        assert for_terminal(text) == text
        assert is_terminal_safe(text)


def test_newlines_and_tabs_kept_for_blocks_escaped_for_one_line():
    assert for_terminal("a\nb\tc") == "a\nb\tc"
    assert for_terminal("a\nb\tc", one_line=True) == "a\\x0ab\\x09c"
    assert not is_terminal_safe("a\nb", one_line=True)


def test_non_strings_are_shown_as_their_text():
    assert for_terminal(42) == "42"
    assert for_terminal(None) == "None"


def test_very_long_cells_pass_whole():
    long = "x" * 100_000 + "\x1b"
    out = for_terminal(long)
    assert out.endswith("\\x1b") and len(out) == 100_004
