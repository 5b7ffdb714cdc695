"""An Input that may hold text from outside (a rep's name, a contact's email or note).

The value stays exactly as it came (it is looked up and saved as it is); only what is drawn
shows each control, C1 or bidi character as one visible mark
(:func:`callcoach.tui.text.marked`), so the cursor and selection, which count characters,
stay where they were.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.expand_tabs import expand_tabs_inline
from textual.widgets import Input

from callcoach.tui.text import marked


class OutsideInput(Input):
    """An :class:`~textual.widgets.Input` drawing its value inert for the terminal."""

    @property
    def _value(self) -> Text:
        """The value as drawn: unsafe characters marked, one mark each."""
        text = super()._value
        shown = marked(text.plain)
        if shown == text.plain:
            return text
        safe = Text(shown, no_wrap=True, overflow="ignore", end="")
        for span in text.spans:
            safe.stylize(span.style, span.start, span.end)
        return safe

    def _position_to_cell(self, position: int) -> int:
        """Where the cursor is drawn: each mark takes a cell (the control it stands for, none)."""
        return cell_len(expand_tabs_inline(marked(self.value[:position]), 4))
