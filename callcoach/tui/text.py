"""Text from outside as the TUI shows it: the one place it enters a widget.

A contact's name, a list's name, a talk track, an objection, a note or an error message came
from a file, a flag or the database. Textual's markup escaping alone is not enough: an ``ESC``
or a U+202E in a name would still reach the terminal. Every such string goes through
:func:`plain` (for Content and other widgets that do not parse markup) or :func:`markup`
(for a markup string: Static, Label, DataTable cells, OptionList options, notifications),
both built on :func:`callcoach.textsafe.for_terminal`.
"""

from __future__ import annotations

from rich.markup import escape

from callcoach.textsafe import for_terminal


def plain(text: object, *, one_line: bool = True) -> str:
    """``text`` with controls, C1 and bidi characters shown as visible escapes (no markup)."""
    return for_terminal(text, one_line=one_line)


def markup(text: object, *, one_line: bool = True) -> str:
    """``text`` made inert and markup-escaped, for a string Textual parses as markup."""
    return escape(for_terminal(text, one_line=one_line))
