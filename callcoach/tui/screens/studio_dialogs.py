"""Dialogs of the talk-track studio: a line of text (with merge fields checked and
completed), a choice from a filtered list, and an objection's text with its rebuttal."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from callcoach.core.service.studio import (
    SpokenLength,
    TrackEditError,
    complete_merge_field,
    merge_field_problems,
)
from callcoach.tui.text import markup
from callcoach.tui.widgets.inputs import OutsideInput


class MergeFieldSuggester(Suggester):
    """Completes the merge field being typed at the end of a field (right arrow accepts)."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        """``"Hi {fir"`` -> ``"Hi {first_name}"``."""
        return complete_merge_field(value)


def problem_text(value: str) -> str:
    """The merge-field problems of ``value`` as one line ("" when there are none)."""
    return "; ".join(merge_field_problems(value))


def length_cell(length: SpokenLength | None, error: str | None = None) -> str:
    """A table cell for a spoken length: ``12.3 s``, ``24.1 s !`` when over, ``...`` while
    measuring, ``-`` when it cannot be measured."""
    if error is not None:
        return "-"
    if length is None:
        return "..."
    return f"{length.seconds:.1f} s" + (" !" if length.over else "")


class TextPrompt(ModalScreen[str | None]):
    """One line of text; Enter runs ``save`` (a refusal is shown, the dialog stays)."""

    CSS_PATH = "studio.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="studio.prompt.cancel")]

    def __init__(
        self, title: str, value: str = "", save: Callable[[str], object] | None = None,
        merge_fields: bool = False, placeholder: str = "",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.save = save
        self.merge_fields = merge_fields
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        """Title, the input, a problem line."""
        with Vertical(classes="dialog studio-dialog"):
            yield Label(markup(self.title_text))
            yield OutsideInput(
                self.value, id="prompt-input", placeholder=self.placeholder,
                suggester=MergeFieldSuggester() if self.merge_fields else None,
            )
            yield Static("", id="prompt-problem", classes="error")
            yield Static("Enter saves, Esc cancels" + (
                "; {  starts a merge field, right arrow completes it" if self.merge_fields else ""
            ), classes="muted")

    def on_mount(self) -> None:
        """Focus the input."""
        self.query_one("#prompt-input", Input).focus()

    @on(Input.Changed, "#prompt-input")
    def _changed(self, event: Input.Changed) -> None:
        if self.merge_fields:
            self.query_one("#prompt-problem", Static).update(markup(problem_text(event.value)))

    @on(Input.Submitted, "#prompt-input")
    def _submitted(self, event: Input.Submitted) -> None:
        if self.save is not None:
            try:
                self.save(event.value)
            except TrackEditError as exc:
                self.query_one("#prompt-problem", Static).update(markup(str(exc)))
                return
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(None)


class ChoicePicker(ModalScreen[int | None]):
    """Type to filter; Enter picks the highlighted choice (its index in ``labels``)."""

    CSS_PATH = "studio.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="studio.pick.cancel"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
    ]

    #: what :meth:`dismiss` returns for the typed-in choice (see ``typed_label``)
    TYPED = -1

    def __init__(
        self, title: str, labels: list[str], empty: str,
        typed_label: Callable[[str], str | None] | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.labels = labels
        self.empty = empty
        #: turns the filter text into an extra choice (e.g. a new cluster), or None
        self.typed_label = typed_label
        self.typed = ""
        self.shown: list[int] = list(range(len(labels)))

    def compose(self) -> ComposeResult:
        """Title, filter, choices."""
        with Vertical(classes="dialog studio-dialog"):
            yield Label(markup(self.title_text))
            yield Input(placeholder="type to filter", id="pick-filter")
            yield OptionList(id="pick-list")
            yield Static("", id="pick-empty", classes="muted")

    def on_mount(self) -> None:
        """Fill and focus the filter."""
        self._fill("")
        self.query_one("#pick-filter", Input).focus()

    def _fill(self, text: str) -> None:
        words = text.lower().split()
        self.shown = [
            i for i, label in enumerate(self.labels) if all(w in label.lower() for w in words)
        ]
        options = self.query_one("#pick-list", OptionList)
        options.clear_options()
        options.add_options(Option(markup(self.labels[i]), id=str(i)) for i in self.shown)
        extra = self.typed_label(text) if self.typed_label and text.strip() else None
        if extra and extra.lower() not in (self.labels[i].lower() for i in self.shown):
            self.typed = text.strip()
            self.shown.append(self.TYPED)
            options.add_option(Option(markup(extra), id=str(self.TYPED)))
        if self.shown:
            options.highlighted = 0
        self.query_one("#pick-empty", Static).update(
            "" if self.shown else markup(self.empty if not self.labels else "Nothing matches.")
        )

    @on(Input.Changed, "#pick-filter")
    def _changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#pick-filter")
    def _submitted(self, _event: Input.Submitted) -> None:
        options = self.query_one("#pick-list", OptionList)
        if options.highlighted is not None and self.shown:
            self.dismiss(self.shown[options.highlighted])

    @on(OptionList.OptionSelected, "#pick-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))

    def action_move(self, step: int) -> None:
        """Move the highlight while typing."""
        options = self.query_one("#pick-list", OptionList)
        if self.shown:
            options.highlighted = ((options.highlighted or 0) + step) % len(self.shown)

    def action_cancel(self) -> None:
        """Close without choosing."""
        self.dismiss(None)


class ObjectionForm(ModalScreen[bool]):
    """An objection of the library: what the prospect says and the library rebuttal."""

    CSS_PATH = "studio.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="studio.objection.cancel"),
        Binding("ctrl+s", "save", "Save", id="studio.objection.save"),
    ]

    def __init__(
        self, title: str, text: str, rebuttal: str, save: Callable[[str, str], object]
    ) -> None:
        super().__init__()
        self.title_text = title
        self.text = text
        self.rebuttal = rebuttal
        self.save = save

    def compose(self) -> ComposeResult:
        """Two inputs and a problem line."""
        with Vertical(classes="dialog studio-dialog wide"):
            yield Label(markup(self.title_text))
            yield Label("The objection, as the prospect says it")
            yield OutsideInput(self.text, id="objection-text")
            yield Label("Rebuttal (about 20 s: take it away, back to the impact, ask again)")
            yield OutsideInput(self.rebuttal, id="objection-rebuttal",
                               suggester=MergeFieldSuggester())
            yield Static("", id="objection-problem", classes="error")
            yield Static("ctrl+s or Enter in the rebuttal saves, Esc cancels", classes="muted")

    def on_mount(self) -> None:
        """Focus the objection text."""
        self.query_one("#objection-text", Input).focus()

    @on(Input.Changed, "#objection-rebuttal")
    def _changed(self, event: Input.Changed) -> None:
        self.query_one("#objection-problem", Static).update(markup(problem_text(event.value)))

    @on(Input.Submitted, "#objection-text")
    def _next(self) -> None:
        self.query_one("#objection-rebuttal", Input).focus()

    @on(Input.Submitted, "#objection-rebuttal")
    def action_save(self) -> None:
        """Save through the caller; a refusal is shown and the form stays open."""
        text = self.query_one("#objection-text", Input).value
        rebuttal = self.query_one("#objection-rebuttal", Input).value
        try:
            self.save(text, rebuttal)
        except TrackEditError as exc:
            self.query_one("#objection-problem", Static).update(markup(str(exc)))
            return
        self.dismiss(True)

    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(False)
