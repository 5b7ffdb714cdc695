"""The find dialog of the call block (``/``): type to filter the list's contacts by name,
company or number; Enter puts the highlighted one on screen next."""

from __future__ import annotations

from collections.abc import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from callcoach.core.service.block import FoundContact, display_phone
from callcoach.tui.text import markup

#: At most this many matches are listed (type more to narrow).
FIND_LIMIT = 50


def found_label(found: FoundContact) -> str:
    """One line for a match: name, company, number, and why it may wait."""
    parts = [found.name or "(no name)"]
    if found.company and found.company != found.name:
        parts.append(found.company)
    parts.append(display_phone(found.phone))
    text = "  ".join(parts)
    if found.held_elsewhere:
        text += "  (on another rep's screen)"
    elif not found.open_now:
        text += "  (outside calling hours)"
    elif found.status == "callback":
        text += "  (callback)"
    return text


class FindContactDialog(ModalScreen[int | None]):
    """Type to filter the list's contacts; Enter serves the highlighted one next."""

    CSS_PATH = ["block_dialogs.tcss", "block_find.tcss"]

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="find.cancel"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
    ]

    def __init__(self, list_name: str, search: Callable[[str], list[FoundContact]]) -> None:
        super().__init__()
        self.list_name = list_name
        self.search = search  # runs on a thread: it reads the database
        self.shown: list[FoundContact] = []
        self.searched_for: str | None = None

    def compose(self) -> ComposeResult:
        """Filter box, match count, matches."""
        with Vertical(id="dialog", classes="dialog"):
            yield Label(f"[b]Find in {markup(self.list_name)}[/b] - type, Enter to call next")
            yield Input(placeholder="name, company or number", id="find-filter")
            yield Label("", id="find-count")
            yield OptionList(id="find-list")

    def on_mount(self) -> None:
        """List the first contacts and focus the filter."""
        self.query_one("#find-filter", Input).focus()
        self._search("")

    @on(Input.Changed, "#find-filter")
    def _changed(self, event: Input.Changed) -> None:
        self._search(event.value)

    @work(thread=True, exclusive=True, group="find")
    def _search(self, text: str) -> None:
        try:
            found = self.search(text)
        except Exception as exc:  # a lost server: one line, the dialog stays
            self.app.call_from_thread(self._failed, str(exc).splitlines()[0])
            return
        self.app.call_from_thread(self._fill, text, found)

    def _failed(self, reason: str) -> None:
        self.query_one("#find-count", Label).update(markup(f"Cannot search: {reason}"))

    def _fill(self, text: str, found: list[FoundContact]) -> None:
        if self.query_one("#find-filter", Input).value != text:
            return  # typed on meanwhile: a newer search follows
        self.searched_for = text
        self.shown = found
        ol = self.query_one("#find-list", OptionList)
        ol.clear_options()
        ol.add_options(Option(markup(found_label(f)), id=str(f.id)) for f in found)
        if found:
            ol.highlighted = 0
        more = "+" if len(found) >= FIND_LIMIT else ""
        count = f"{len(found)}{more} contact(s) to call" if found else "No contact matches"
        self.query_one("#find-count", Label).update(count)

    @on(Input.Submitted, "#find-filter")
    def _submitted(self, _event: Input.Submitted) -> None:
        ol = self.query_one("#find-list", OptionList)
        if ol.highlighted is not None and self.shown:
            self.dismiss(self.shown[ol.highlighted].id)
        else:
            self.notify("No contact matches: edit the filter or Esc", severity="warning")

    @on(OptionList.OptionSelected, "#find-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        assert event.option.id is not None
        self.dismiss(int(event.option.id))

    def action_move(self, step: int) -> None:
        """Move the highlight while typing."""
        ol = self.query_one("#find-list", OptionList)
        if self.shown:
            ol.highlighted = ((ol.highlighted or 0) + step) % len(self.shown)

    def action_cancel(self) -> None:
        """Close without choosing."""
        self.dismiss(None)
