"""Help: every key of the screen underneath, from its bindings."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

GENERAL = [
    ("ctrl+p", "command palette: every action by name"),
    ("?", "this help"),
    ("escape", "close a dialog / go back"),
    ("ctrl+q", "quit"),
]


class HelpScreen(ModalScreen[None]):
    """A key reference built from the bindings of the screen that was showing."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    #help-box { width: 72; max-height: 90%; border: round $accent; background: $panel;
                padding: 1 2; height: auto; }
    """
    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        """The key table."""
        lines = [f"[b]{self.under.__class__.__name__.removesuffix('Screen')} keys[/b]", ""]
        for binding in getattr(self.under, "BINDINGS", []):
            # Keys of the whole app (help, quit) are listed under "Everywhere".
            if (
                isinstance(binding, Binding)
                and binding.description
                and not binding.action.startswith("app.")
            ):
                keys = ", ".join(
                    self.app.get_key_display(Binding(k.strip(), ""))
                    for k in binding.key.split(",")
                )
                lines.append(f"  [b]{keys:<12}[/b] {binding.tooltip or binding.description}")
        lines += ["", "[b]Everywhere[/b]", ""]
        lines += [f"  [b]{k:<12}[/b] {d}" for k, d in GENERAL]
        with VerticalScroll(id="help-box"):
            yield Static("\n".join(lines))
