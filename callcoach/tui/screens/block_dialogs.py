"""Dialogs of the call block: objection picker, callback time, meeting form, note, confirm,
voicemail script, list picker, talk-track preview and resume offer."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    Input,
    Label,
    OptionList,
    RadioButton,
    RadioSet,
    Static,
    TextArea,
)
from textual.widgets.option_list import Option

from callcoach.core.service.block import (
    BlockError,
    BlockService,
    DateError,
    MeetingDetails,
    ObjectionChoice,
    days_text,
    default_meeting_day,
    example_day,
    parse_when,
)
from callcoach.storage.models import MeetingKind
from callcoach.tui.text import markup
from callcoach.tui.typeahead import FORM_FOCUS_BINDINGS
from callcoach.tui.widgets.inputs import OutsideInput

#: The option that logs the typed words as a new objection.
NEW_OBJECTION_ID = "new"


class ObjectionPicker(ModalScreen[int | str | None]):
    """Type to filter the objection library; Enter logs the highlighted one. Words the
    library does not have can be logged as they are: the last option adds them to the
    library as "new from a call" (the dialog returns the typed text instead of an id)."""

    CSS_PATH = "block_dialogs.tcss"

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="obj.cancel"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
    ]

    def __init__(self, choices: list[ObjectionChoice], count: int) -> None:
        super().__init__()
        self.choices = choices
        self.count = count
        self.shown: list[ObjectionChoice] = list(choices)
        self.typed = ""  # the filter, offered as a new objection when the library lacks it

    def compose(self) -> ComposeResult:
        """Filter box above the list."""
        with Vertical(id="dialog", classes="dialog"):
            yield Label(f"[b]Objection {self.count + 1}[/b] - type to filter, Enter to log")
            yield Label("[dim]Not in the library? Type it and log + New.[/dim]")
            yield OutsideInput(placeholder="e.g. budget, info, busy", id="obj-filter")
            yield OptionList(id="obj-list")

    def on_mount(self) -> None:
        """Fill and focus (unless a key typed ahead already closed the picker)."""
        if not self.is_attached or not self.query("#obj-filter"):
            return
        self._fill("")
        self.set_focus(self.query_one("#obj-filter", Input))  # now: keys typed ahead land here

    def _fill(self, text: str) -> None:
        words = text.lower().split()
        self.typed = " ".join(text.split())
        self.shown = [
            c
            for c in self.choices
            if all(w in f"{c.key} {c.text}".lower().replace("_", " ") for w in words)
        ]
        found = self.query("#obj-list")
        if not found:
            return  # closed while keys typed ahead were still arriving
        ol = found.first(OptionList)
        ol.clear_options()
        ol.add_options(
            Option(
                ("★ " if c.likely else "  ") + markup(c.text)
                + (" [dim](new from a call)[/dim]" if c.from_call else ""),
                id=str(c.id),
            )
            for c in self.shown
        )
        if self._offers_new():
            ol.add_option(
                Option(f"+ New: {markup(self.typed)} [dim](log it, add to the library)[/dim]",
                       id=NEW_OBJECTION_ID)
            )
        if ol.option_count:
            ol.highlighted = 0

    def _offers_new(self) -> bool:
        """True when the typed words are not an objection the library already has."""
        typed = self.typed.lower()
        return bool(typed) and all(c.text.lower() != typed for c in self.choices)

    def _pick(self, option_id: str | None) -> None:
        if option_id == NEW_OBJECTION_ID:
            self.dismiss(self.typed)
        elif option_id is not None:
            self.dismiss(int(option_id))

    @on(Input.Changed, "#obj-filter")
    def _changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#obj-filter")
    def _submitted(self, _event: Input.Submitted) -> None:
        ol = self.query_one("#obj-list", OptionList)
        if ol.highlighted is not None and ol.option_count:
            self._pick(ol.get_option_at_index(ol.highlighted).id)
        else:
            self.notify("Type the objection to log it, or Esc", severity="warning")

    @on(OptionList.OptionSelected, "#obj-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._pick(event.option.id)

    def action_move(self, step: int) -> None:
        """Move the highlight while typing."""
        ol = self.query_one("#obj-list", OptionList)
        if ol.option_count:
            ol.highlighted = ((ol.highlighted or 0) + step) % ol.option_count

    def action_cancel(self) -> None:
        """Close without logging."""
        self.dismiss(None)


class CallbackDialog(ModalScreen[datetime | None]):
    """When to call back: quick picks or a typed date and time in the contact's zone."""

    CSS_PATH = "block_dialogs.tcss"

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cb.cancel"), *FORM_FOCUS_BINDINGS]

    def __init__(
        self,
        picks: list[tuple[str, datetime]],
        tz: ZoneInfo | None,
        now: datetime,
        working: tuple[int, ...],
    ) -> None:
        super().__init__()
        self.picks = picks
        self.tz = tz
        self.now = now
        self.working = working

    def compose(self) -> ComposeResult:
        """Quick picks, then a custom time."""
        zone = self.tz.key if self.tz else "UTC"
        with Vertical(id="dialog", classes="dialog"):
            yield Label(f"[b]Callback[/b] - their local time ({markup(zone)})")
            yield OptionList(
                *[Option(markup(label), id=str(i)) for i, (label, _) in enumerate(self.picks)],
                id="cb-picks",
            )
            yield Static(  # wraps on a narrow terminal, where a Label would be cut
                f"or type it (Enter) - tomorrow, +N, Monday, YYYY-MM-DD; "
                f"working days {days_text(self.working)}:"
            )
            example = example_day(self.now, self.tz, self.working)
            with Horizontal(classes="row"):
                yield Input(placeholder=f"Monday / {example.isoformat()}", id="cb-date")
                yield Input(placeholder="HH:MM", id="cb-time")
            yield Static("", id="cb-error", classes="error")

    def on_mount(self) -> None:
        """Focus the quick picks."""
        ol = self.query_one("#cb-picks", OptionList)
        ol.highlighted = 0
        self.set_focus(ol)  # at once, not later: keys typed ahead land here

    @on(OptionList.OptionSelected, "#cb-picks")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.picks[int(event.option.id)][1])

    @on(Input.Submitted)
    def _typed(self, _event: Input.Submitted) -> None:
        try:
            when = parse_when(
                self.query_one("#cb-date", Input).value,
                self.query_one("#cb-time", Input).value,
                self.tz,
                self.now,
                self.working,
            )
        except DateError as exc:
            self.query_one("#cb-error", Static).update(markup(exc))
            return
        self.dismiss(when)

    def action_cancel(self) -> None:
        """Back to the call without logging."""
        self.dismiss(None)


class MeetingForm(ModalScreen[MeetingDetails | None]):
    """Meeting set: date/time, kind, email and the parking lot of the prospect's questions."""

    CSS_PATH = "block_dialogs.tcss"

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="mtg.cancel"),
        Binding("ctrl+s", "save", "Save meeting", id="mtg.save"),
        *FORM_FOCUS_BINDINGS,  # tab moves on before the next typed-ahead key is routed
    ]

    def __init__(
        self,
        tz: ZoneInfo | None,
        now: datetime,
        email: str,
        who: str,
        parking_hint: str = "",
        working: tuple[int, ...] = (0, 1, 2, 3, 4),
    ) -> None:
        super().__init__()
        self.working = working
        self.tz = tz
        self.now = now
        self.email = email
        self.who = who
        self.parking_hint = parking_hint

    def compose(self) -> ComposeResult:
        """The form fields."""
        zone = self.tz.key if self.tz else "UTC"
        with Vertical(id="dialog", classes="dialog wide"):
            yield Label(f"[b]Meeting with {markup(self.who)}[/b] - time in {markup(zone)}")
            yield Label(
                f"Date (YYYY-MM-DD, tomorrow, +N, Monday; {days_text(self.working)}) "
                "· time (HH:MM) · minutes"
            )
            with Horizontal(classes="row"):
                yield Input(
                    default_meeting_day(self.now, self.tz, self.working).isoformat(),
                    placeholder=example_day(self.now, self.tz, self.working).isoformat(),
                    id="mtg-date",
                )
                yield Input("10:00", id="mtg-time")
                yield Input("30", id="mtg-minutes", type="integer")
            with RadioSet(id="mtg-kind"):
                yield RadioButton("Phone", value=False, id="kind-phone")
                yield RadioButton("Web", value=True, id="kind-web")
                yield RadioButton("In person", id="kind-in_person")
            yield OutsideInput(self.email, placeholder="their email for the invite", id="mtg-email")
            yield Label(
                "Parking lot - their questions, one per line (the agenda; do not answer now):"
            )
            yield TextArea(id="mtg-parking")
            if self.parking_hint:
                yield Static(markup(self.parking_hint, one_line=False), classes="muted")
            yield Static("", id="mtg-error", classes="error")
            with Horizontal(classes="row buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="mtg-save")
                yield Button("Cancel (esc)", id="mtg-cancel")

    def on_mount(self) -> None:
        """Start on the date (focused at once, not later: keys typed ahead land in it)."""
        self.set_focus(self.query_one("#mtg-date", Input))

    def details(self) -> MeetingDetails:
        """The form as MeetingDetails, or a BlockError/DateError naming the bad field."""
        starts = parse_when(
            self.query_one("#mtg-date", Input).value,
            self.query_one("#mtg-time", Input).value,
            self.tz,
            self.now,
            self.working,
        )
        minutes_text = self.query_one("#mtg-minutes", Input).value.strip() or "30"
        pressed = self.query_one("#mtg-kind", RadioSet).pressed_button
        kind = (
            (pressed.id or "kind-web").removeprefix("kind-") if pressed else MeetingKind.WEB.value
        )
        questions = tuple(
            q.strip()
            for q in self.query_one("#mtg-parking", TextArea).text.splitlines()
            if q.strip()
        )
        details = MeetingDetails(
            starts_at=starts,
            kind=kind,
            email=self.query_one("#mtg-email", Input).value.strip(),
            parked_questions=questions,
            duration_minutes=int(minutes_text) if minutes_text.isdigit() else -1,
        )
        BlockService.validate_meeting(details, self.now)
        return details

    def action_save(self) -> None:
        """Validate and return the meeting."""
        try:
            self.dismiss(self.details())
        except (BlockError, DateError) as exc:
            self.query_one("#mtg-error", Static).update(markup(exc))

    @on(Button.Pressed, "#mtg-save")
    def _save(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#mtg-cancel")
    def _cancel(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        """Back to the call without logging."""
        self.dismiss(None)


class NoteDialog(ModalScreen[str | None]):
    """A one-line note for this call."""

    CSS_PATH = "block_dialogs.tcss"

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="note.cancel")]

    def __init__(self, current: str = "") -> None:
        super().__init__()
        self.current = current
        #: Escape was pressed once with typed text: the next one discards it
        self.warned = False

    def compose(self) -> ComposeResult:
        """One input, and the line that warns before typed text is thrown away."""
        with Vertical(id="dialog", classes="dialog"):
            yield Label("[b]Note[/b] for this call (Enter saves)")
            yield OutsideInput(self.current, id="note-text")
            yield Static("", id="note-warning", classes="error")

    def on_mount(self) -> None:
        """Focus the input."""
        self.set_focus(self.query_one("#note-text", Input))  # now: keys typed ahead land here

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        """Close without a note; with typed text, warn first (a second Esc discards it)."""
        typed = self.query_one("#note-text", Input).value.strip()
        if typed and typed != self.current.strip() and not self.warned:
            self.warned = True
            self.query_one("#note-warning", Static).update(
                "Not saved yet: Enter saves the note, Esc again throws it away."
            )
            return
        self.dismiss(None)


class MessageDialog(ModalScreen[None]):
    """A text to read (voicemail script, talk track); any of the close keys dismisses it."""

    CSS_PATH = "block_dialogs.tcss"

    BINDINGS = [Binding("escape,enter,v,q", "close", "Close", id="msg.close")]

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        """Title and body."""
        with VerticalScroll(id="dialog", classes="dialog wide"):
            yield Label(f"[b]{markup(self.title_text)}[/b]")
            yield Static(markup(self.body, one_line=False), id="msg-body")
            yield Static("[dim]Esc / Enter closes[/dim]")

    def action_close(self) -> None:
        """Close."""
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """Yes/no question: y or Enter confirms, n or Esc declines."""

    CSS_PATH = "block_dialogs.tcss"

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, about_quitting: bool = False) -> None:
        super().__init__()
        self.question = question
        #: the question is whether to quit (a second ctrl+q answers yes)
        self.about_quitting = about_quitting

    def compose(self) -> ComposeResult:
        """The question."""
        with Vertical(id="dialog", classes="dialog"):
            yield Static(markup(self.question, one_line=False))
            yield Static("[b]y[/b] yes   [b]n[/b] no")

    def action_answer(self, yes: bool) -> None:
        """Return the answer."""
        self.dismiss(yes)


class ChoiceDialog(ModalScreen[str | None]):
    """Pick one of a few labelled options (list picker, resume offer)."""

    CSS_PATH = "block_dialogs.tcss"

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="choice.cancel")]

    def __init__(self, title: str, options: list[tuple[str, str]], body: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.options = options
        self.body = body

    def compose(self) -> ComposeResult:
        """Title, optional text, options."""
        with Vertical(id="dialog", classes="dialog wide"):
            yield Label(f"[b]{markup(self.title_text)}[/b]")
            if self.body:
                yield Static(markup(self.body, one_line=False))
            yield OptionList(
                *[Option(markup(label), id=key) for key, label in self.options], id="choice-list"
            )

    def on_mount(self) -> None:
        """Focus the options."""
        ol = self.query_one("#choice-list", OptionList)
        if self.options:
            ol.highlighted = 0
        ol.focus()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        """Close without choosing."""
        self.dismiss(None)


class StartBlockDialog(ModalScreen[float | None]):
    """The list's talk track once more, and the block length; Enter starts the block."""

    CSS_PATH = "block_dialogs.tcss"

    BINDINGS = [Binding("escape", "cancel", "Back", id="start.cancel")]

    def __init__(self, list_name: str, track_text: str, minutes: float) -> None:
        super().__init__()
        self.list_name = list_name
        self.track_text = track_text
        self.minutes = minutes

    def compose(self) -> ComposeResult:
        """Track, minutes, start."""
        with Vertical(id="dialog", classes="dialog wide"):
            yield Label(f"[b]Call block on {markup(self.list_name)}[/b]")
            with VerticalScroll(id="start-track"):
                yield Static(self.track_text)
            with Horizontal(classes="row"):
                yield Label("Minutes: ")
                yield Input(f"{self.minutes:g}", id="start-minutes", type="number")
            yield Static("", id="start-error", classes="error")
            yield Static("[b]Enter[/b] starts the block   [b]Esc[/b] back")

    def on_mount(self) -> None:
        """Focus the minutes, ready for Enter."""
        self.query_one("#start-minutes", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        try:
            minutes = float(event.value)
        except ValueError:
            minutes = -1.0
        if not 1 <= minutes <= 240:
            self.query_one("#start-error", Static).update(
                markup(f"minutes {event.value!r}: expected 1 to 240")
            )
            return
        self.dismiss(minutes)

    def action_cancel(self) -> None:
        """Back to the lists."""
        self.dismiss(None)
