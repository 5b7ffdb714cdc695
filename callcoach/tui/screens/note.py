"""Write a coaching note for a rep (from the dashboard's rep view)."""

from __future__ import annotations

from datetime import tzinfo

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from callcoach.core.review.rep_view import BlockSummary
from callcoach.errors import CallcoachError
from callcoach.tui.text import markup
from callcoach.tui.widgets.inputs import OutsideInput

GENERAL = -1


class NoteScreen(ModalScreen[bool]):
    """A small form: what the note is about (the rep in general or one of their blocks) and
    its text; enter saves (committed at once) and closes, escape cancels."""

    CSS_PATH = "note.tcss"
    BINDINGS = [Binding("escape", "dismiss(False)", "Cancel", id="note.cancel")]

    def __init__(
        self, rep_id: int, rep_name: str, blocks: list[BlockSummary], tz: tzinfo
    ) -> None:
        super().__init__()
        self.rep_id = rep_id
        self.rep_name = rep_name
        self.blocks = blocks
        self.tz = tz

    def compose(self) -> ComposeResult:
        """The form."""
        tz = self.tz
        about = [("General note", GENERAL)] + [
            (markup(f"Block {b.block_id} · {b.started_at.astimezone(tz):%a %d %b %H:%M} · "
                    f"{b.list_name}"), b.block_id)
            for b in self.blocks
        ]
        with Vertical(id="note-box"):
            yield Label(f"[b]Coaching note for {markup(self.rep_name)}[/b]")
            yield Select(about, value=GENERAL, allow_blank=False, id="note-about", compact=True)
            yield OutsideInput(placeholder="what to keep, what to change", id="note-text",
                               compact=True)
            yield Static(f"By {markup(self.app.rep.name)}. Enter saves, escape cancels.",
                         id="note-status")

    def on_mount(self) -> None:
        """Start in the text field."""
        self.query_one("#note-text", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Save the note, or show a one-line error and stay."""
        about = self.query_one("#note-about", Select).value
        block_id = None if about in (GENERAL, Select.NULL) else int(str(about))
        try:
            self.app.service.review.write_note(
                self.rep_id, int(self.app.rep.id), self.query_one("#note-text", Input).value,
                block_id=block_id,
            )
        except CallcoachError as exc:
            self.query_one("#note-status", Static).update(f"[b red]{markup(exc)}[/]")
            return
        self.dismiss(True)
