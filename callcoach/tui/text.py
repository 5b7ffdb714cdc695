"""Text from outside as the TUI shows it: the one place it enters a widget.

A contact's name, a list's name, a talk track, an objection, a note or an error message came
from a file, a flag or the database. Textual's markup escaping alone is not enough: an ``ESC``
or a U+202E in a name would still reach the terminal. Every such string goes through one of:

- :func:`plain` for Content and other widgets that do not parse markup;
- :func:`markup` for a string Textual parses as content markup (Static, Label, OptionList
  options, Select prompts, notifications);
- :func:`cell` for a DataTable cell (Rich markup, which has its own escaping rules);
- :func:`marked` for an Input's value (drawn by
  :class:`callcoach.tui.widgets.inputs.OutsideInput`),

all built on :func:`callcoach.textsafe.for_terminal`.
"""

from __future__ import annotations

from rich.markup import escape

from callcoach.textsafe import for_terminal, is_terminal_safe


def plain(text: object, *, one_line: bool = True) -> str:
    """``text`` with controls, C1 and bidi characters shown as visible escapes (no markup)."""
    return for_terminal(text, one_line=one_line)


def markup(text: object, *, one_line: bool = True) -> str:
    """``text`` made inert and escaped for Textual content markup (Static, Label, Option,
    Select, notify): every ``[`` is escaped, not only the tag-like ones Rich's escape knows
    (``[$accent]``, ``[B]`` and ``[ b]`` are tags to Textual)."""
    safe = for_terminal(text, one_line=one_line).replace("[", "\\[")
    # A trailing backslash would escape the ``[`` of a tag the caller puts after the text;
    # a zero-width space keeps them apart.
    return safe + "\u200b" if safe.endswith("\\") else safe


def cell(text: object) -> str:
    """``text`` made inert and escaped for Rich markup: a DataTable cell (one line)."""
    return escape(for_terminal(text, one_line=True))


def _mark(ch: str) -> str:
    """One visible character standing for the unsafe character ``ch``: its Unicode control
    picture (``␛`` for ESC) for C0 and DEL, the replacement mark for C1, bidi and the rest."""
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    return "\ufffd"


def marked(text: str) -> str:
    """``text`` with each unsafe character replaced by one visible mark, keeping its length:
    for an editable value (an Input's cursor and selection count characters), where the
    value itself must stay as it came. A tab stays (it is drawn as spaces); a newline, which
    a one-line field cannot show, is marked too."""
    if is_terminal_safe(text, one_line=True):
        return text
    return "".join(
        ch if ch == "\t" or is_terminal_safe(ch, one_line=True) else _mark(ch) for ch in text
    )
