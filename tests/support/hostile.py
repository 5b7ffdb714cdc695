"""Hostile strings for the text-from-outside tests, and the check that output is inert."""

from __future__ import annotations

#: Name -> a string that would act on a terminal if written raw (no NUL: a CSV with NUL bytes
#: is refused as binary, and PostgreSQL refuses NUL in text; NUL is tested on its own).
HOSTILE = {
    "csi": "Ann\x1b[2JClear",
    "osc": "Osc\x1b]0;pwned\x07Title",
    "c1": "Cee\x9b31mOne",
    "rlo": "Rlo\u202egpj.exe",
    "isolates": "Iso\u2066a\u2067b\u2068c\u2069",
}

#: The visible form each one must take on screen.
VISIBLE = {
    "csi": "Ann\\x1b[2JClear",
    "osc": "Osc\\x1b]0;pwned\\x07Title",
    "c1": "Cee\\x9b31mOne",
    "rlo": "Rlo\\u202egpj.exe",
    "isolates": "Iso\\u2066a\\u2067b\\u2068c\\u2069",
}

_BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def offending(text: str) -> list[str]:
    """Every character in ``text`` a terminal would act on (newline and tab allowed)."""
    return [
        repr(ch)
        for ch in text
        if (ord(ch) < 0x20 and ch not in "\n\t") or 0x7F <= ord(ch) <= 0x9F or ch in _BIDI
        or ch in "\u2028\u2029"
    ]


def assert_inert(data: bytes | str) -> str:
    """Fail when ``data`` (what was written for a terminal) holds ESC, C1, bidi or other
    controls; return it as text for further checks."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    bad = offending(text)
    assert not bad, f"raw control characters reached the terminal: {sorted(set(bad))}"
    return text
