"""Editing one talk track: its text with merge fields checked and completed as you type, a
live preview filled from a real contact, the opener and each rebuttal timed against the
call's phases, the likely objections with this track's rebuttals."""

from __future__ import annotations

import re

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.events import DescendantFocus
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Label, Static

from callcoach.core.service.studio import (
    FIELD_LABELS,
    LibraryEntry,
    PreviewContact,
    SpokenLength,
    TrackDraft,
    TrackEditError,
    complete_merge_field,
)
from callcoach.tui.screens.studio_dialogs import (
    ChoicePicker,
    MergeFieldSuggester,
    TextPrompt,
    length_cell,
    problem_text,
)
from callcoach.tui.text import cell, markup, plain
from callcoach.tui.widgets.inputs import OutsideInput

#: The fields said before the prospect answers: their spoken length is the opener's.
OPENER_FIELDS = ("engage_statement", "impact_question")


class TrackObjectionTable(DataTable):
    """The track's likely objections; its keys show in the footer while it has focus."""

    BINDINGS = [
        Binding("enter", "select_cursor", "Rebuttal", id="editor.objection.rebuttal"),
        Binding("delete,backspace", "remove", "Remove", id="editor.objection.remove"),
        Binding("left_square_bracket", "move(-1)", "Up", id="editor.objection.up"),
        Binding("right_square_bracket", "move(1)", "Down", id="editor.objection.down"),
    ]

    def action_remove(self) -> None:
        """Take the highlighted objection off the track."""
        self.screen.remove_objection()  # type: ignore[attr-defined]

    def action_move(self, step: int) -> None:
        """Move the highlighted objection up or down."""
        self.screen.move_objection(step)  # type: ignore[attr-defined]


class TrackEditorScreen(Screen):
    """One track's fields, objections, live preview and spoken lengths."""

    CSS_PATH = "studio.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="editor.save"),
        Binding("ctrl+o", "add_objection", "Add objection", id="editor.add_objection"),
        Binding("ctrl+l", "preview_list", "Preview list", id="editor.preview_list"),
        Binding("ctrl+r", "read_aloud", "Read aloud", id="editor.read_aloud"),
        Binding("escape", "back", "Back", id="editor.back"),
    ]

    def __init__(self, draft: TrackDraft, original: str | None) -> None:
        super().__init__()
        self.draft = draft
        self.original = original
        self.saved = self._copy(draft)
        self.preview_list: str | None = None
        self.preview = PreviewContact(None, None)
        self.library: dict[str, LibraryEntry] = {}
        self.focused_field = OPENER_FIELDS[0]
        self.lengths: dict[str, SpokenLength] = {}
        self.length_error: str | None = None
        self.requested: set[str] = set()
        self.leave_armed = False

    @staticmethod
    def _copy(draft: TrackDraft) -> TrackDraft:
        return TrackDraft(**{**draft.__dict__, "objections": list(draft.objections)})

    # -- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """The form (name, text fields, objections) above the preview pane."""
        yield Header()
        title = f"Talk track: {self.original}" if self.original else "New talk track"
        yield Static(markup(title), id="editor-title", classes="studio-title")
        with VerticalScroll(id="editor-form"):
            yield Label("Name")
            yield OutsideInput(self.draft.name, id="f-name", placeholder="e.g. Dental practices",
                               compact=True)
            yield Static("", id="editor-cluster", classes="muted")
            for name, label in FIELD_LABELS.items():
                yield Label(label)
                yield OutsideInput(self.draft.text(name), id=f"f-{name}",
                                   suggester=MergeFieldSuggester(), placeholder=_hint(name),
                                   compact=True)
                yield Static("", id=f"p-{name}", classes="problem")
            yield Label("Likely objections (enter: this track's rebuttal; del removes; [ ] move; "
                        "ctrl+o adds)")
            yield TrackObjectionTable(id="track-objections", cursor_type="row", zebra_stripes=True)
        with Vertical(id="editor-preview"):
            yield Static("", id="preview-head", classes="muted")
            yield Static("", id="preview-text")
            yield Static("", id="opener-length")
            yield Static("", id="editor-status")
        yield Footer()

    def on_mount(self) -> None:
        """Fill the objections, find a contact to preview with, start measuring."""
        table = self.query_one("#track-objections", DataTable)
        table.add_column("Objection", key="text")
        table.add_column("Say", key="say", width=7)
        table.add_column("Rebuttal", key="rebuttal")
        studio = self.app.service.studio
        self.library = {e.key: e for e in studio.library()}
        self._show_cluster()
        for name in FIELD_LABELS:
            self._check_field(name, self.draft.text(name))
        self._load_preview()
        self.query_one("#f-name" if not self.original else "#f-engage_statement", Input).focus()

    def _show_cluster(self) -> None:
        d = self.draft
        cluster = f"cluster {d.cluster_dimension}={d.cluster_value}" if d.cluster_value else "no cluster"
        if self.original:
            lists = self.app.service.studio.lists_of(self.original)
            served = f"; lists: {', '.join(lists)}" if lists else "; no call list yet"
            text = f"Serves {cluster}{served} (a on the studio list assigns it)"
        else:
            text = "Not assigned yet: save, then a on the studio list assigns it to a list or cluster"
        self.query_one("#editor-cluster", Static).update(markup(text))

    # -- the draft ----------------------------------------------------------------------

    def current(self) -> TrackDraft:
        """The draft as the form holds it now."""
        values = {name: self.query_one(f"#f-{name}", Input).value for name in FIELD_LABELS}
        return TrackDraft(
            name=self.query_one("#f-name", Input).value,
            cluster_dimension=self.draft.cluster_dimension,
            cluster_value=self.draft.cluster_value,
            objections=list(self.draft.objections),
            **values,
        )

    @property
    def dirty(self) -> bool:
        """True when the form differs from what was last saved (or loaded)."""
        return self.current() != self.saved

    def _check_field(self, name: str, value: str) -> None:
        problem = problem_text(value)
        completed = complete_merge_field(value)
        typing = completed is not None and not problem_text(completed)
        if typing:  # a merge field being typed at the end: say how it completes
            field = completed[completed.rindex("{"):]
            problem = f"right arrow completes {field}"
        widget = self.query_one(f"#p-{name}", Static)
        widget.update(markup(problem))
        widget.set_class(bool(problem), "shown")
        widget.set_class(typing, "hint")

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        field = (event.input.id or "").removeprefix("f-")
        if field not in FIELD_LABELS:
            return
        self.leave_armed = False
        self._check_field(field, event.value)
        if field == self.focused_field:
            self._show_preview()
        if field in OPENER_FIELDS or field == "third_party_reference":
            self._show_opener()

    @on(Input.Blurred)
    def _left_field(self, event: Input.Blurred) -> None:
        field = (event.input.id or "").removeprefix("f-")
        if field in OPENER_FIELDS or field == "third_party_reference":
            self._measure()

    @on(Input.Submitted)
    def _next_field(self, _event: Input.Submitted) -> None:
        self.focus_next()

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        """The preview follows the field being edited."""
        field = (event.widget.id or "").removeprefix("f-")
        if field in FIELD_LABELS:
            self.focused_field = field
        elif event.widget.id == "track-objections":
            self.focused_field = "objections"
        self._show_preview()

    # -- preview and lengths ------------------------------------------------------------

    def _load_preview(self) -> None:
        studio = self.app.service.studio
        try:
            self.preview = studio.preview_contact(self.preview_list, self.original)
        except TrackEditError as exc:
            self.notify(markup(str(exc)), severity="error")
            self.preview = PreviewContact(None, None)
        self.query_one("#preview-head", Static).update(
            markup(f"Preview: {self.preview.describe()}")
        )
        self._fill_objections()
        self._show_preview()
        self._measure()

    def _fill_in(self, template: str) -> str:
        return self.app.service.studio.render(template, self.current(), self.preview,
                                              self.app.rep.name)

    def opener_text(self) -> str:
        """The opener as said to the preview contact."""
        return self.app.service.studio.opener(self.current(), self.preview, self.app.rep.name)

    def _rebuttal_of(self, key: str, override: str | None) -> str:
        entry = self.library.get(key)
        return override or (entry.rebuttal if entry else "")

    def _show_preview(self) -> None:
        widget = self.query_one("#preview-text", Static)
        if self.focused_field == "objections":
            row = self._objection_row()
            if row is None:
                widget.update("No likely objections: ctrl+o adds one from the library.")
                return
            key, override = self.draft.objections[row]
            entry = self.library.get(key)
            said = self._fill_in(self._rebuttal_of(key, override))
            widget.update(markup(f"\"{entry.text if entry else key}\" -> {said}", one_line=False))
            return
        template = self.query_one(f"#f-{self.focused_field}", Input).value
        label = FIELD_LABELS[self.focused_field]
        if merge_problem := problem_text(template):
            widget.update(markup(f"{label}: {merge_problem}"))
            return
        widget.update(markup(f"{label}: {self._fill_in(template) or '(empty)'}", one_line=False))

    def _show_opener(self) -> None:
        studio = self.app.service.studio
        widget = self.query_one("#opener-length", Static)
        text = self.opener_text()
        length = self.lengths.get(text)
        if self.length_error is not None:
            line = f"Opener length not measured: {self.length_error}"
        elif not text:
            line = "Opener: write the engage statement and impact question to time it"
        elif length is None and text in self.requested:
            line = f"Opener: timing it at {studio.rate} wpm..."
        elif length is None:
            line = "Opener changed: timed again when you leave the field"
        else:
            line = length.text(f"Opener at {studio.rate} wpm", "engage phase")
        widget.update(markup(line))
        widget.set_class(bool(length and length.over), "warning")

    def _measure(self) -> None:
        """Measure the opener and every rebuttal off the UI thread (cached per text)."""
        texts = [self.opener_text()]
        texts += [self._fill_in(self._rebuttal_of(k, o)) for k, o in self.draft.objections]
        self.requested.update(texts)
        self._show_opener()
        self.run_worker(lambda: self._measure_texts(texts), thread=True, exclusive=True,
                        group="studio-lengths")

    def _measure_texts(self, texts: list[str]) -> None:
        from callcoach.core.drills.speech import SpeechError

        studio = self.app.service.studio
        for n, text in enumerate(texts):
            if not text or text in self.lengths:
                continue
            limit = studio.engage_seconds if n == 0 else studio.objection_seconds
            try:
                length = studio.spoken(text, limit)
            except SpeechError as exc:
                self.app.call_from_thread(self._measured, text, None, str(exc))
                return
            self.app.call_from_thread(self._measured, text, length, None)

    def _measured(self, text: str, length: SpokenLength | None, error: str | None) -> None:
        if not self.is_attached:
            return
        if error is not None:
            self.length_error = error
        elif length is not None:
            self.lengths[text] = length
        self._show_opener()
        self._update_lengths()

    def _fill_objections(self) -> None:
        table = self.query_one("#track-objections", DataTable)
        row = table.cursor_row
        table.clear()
        for key, override in self.draft.objections:
            entry = self.library.get(key)
            source = "track" if override else "library"
            table.add_row(
                cell(entry.text if entry else key),
                self._length_cell(key, override),
                cell(f"({source}) {self._rebuttal_of(key, override)}"),
                key=key,
            )
        if self.draft.objections:
            table.move_cursor(row=min(row or 0, len(self.draft.objections) - 1))

    def _length_cell(self, key: str, override: str | None) -> str:
        text = self._fill_in(self._rebuttal_of(key, override))
        return length_cell(self.lengths.get(text), self.length_error)

    def _update_lengths(self) -> None:
        table = self.query_one("#track-objections", DataTable)
        for key, override in self.draft.objections:
            table.update_cell(key, "say", self._length_cell(key, override))

    # -- objections ---------------------------------------------------------------------

    def _objection_row(self) -> int | None:
        row = self.query_one("#track-objections", DataTable).cursor_row
        if not self.draft.objections or row is None or not 0 <= row < len(self.draft.objections):
            return None
        return row

    def _objections_changed(self, select: int | None = None) -> None:
        self.leave_armed = False
        self._fill_objections()
        if select is not None:
            self.query_one("#track-objections", DataTable).move_cursor(row=select)
        self._show_preview()
        self._measure()

    def action_add_objection(self) -> None:
        """Add a likely objection from the library."""
        used = {k for k, _ in self.draft.objections}
        choices = [e for e in self.library.values() if e.key not in used]

        def done(index: int | None) -> None:
            if index is None:
                return
            self.draft.objections.append((choices[index].key, None))
            self._objections_changed(len(self.draft.objections) - 1)

        self.app.push_screen(
            ChoicePicker("Add a likely objection", [f"{e.text}  [{e.key}]" for e in choices],
                         "Every library objection is on this track already (o on the studio "
                         "list adds to the library)."),
            done,
        )

    def remove_objection(self) -> None:
        """Take the highlighted objection off the track."""
        row = self._objection_row()
        if row is not None:
            del self.draft.objections[row]
            self._objections_changed(max(0, row - 1) if self.draft.objections else None)

    def move_objection(self, step: int) -> None:
        """Move the highlighted objection ``step`` places."""
        row = self._objection_row()
        if row is None:
            return
        target = row + step
        if 0 <= target < len(self.draft.objections):
            items = self.draft.objections
            items[row], items[target] = items[target], items[row]
            self._objections_changed(target)

    @on(DataTable.RowSelected, "#track-objections")
    def _edit_rebuttal(self, _event: DataTable.RowSelected) -> None:
        row = self._objection_row()
        if row is None:
            return
        key, override = self.draft.objections[row]
        entry = self.library.get(key)
        library_text = entry.rebuttal if entry else ""

        def check(value: str) -> None:
            problem = problem_text(value)
            if problem:
                raise TrackEditError(problem)

        def done(value: str | None) -> None:
            if value is None:
                return
            value = value.strip()
            new = None if not value or value == library_text.strip() else value
            self.draft.objections[row] = (key, new)
            self._objections_changed(row)

        self.app.push_screen(
            TextPrompt(
                f"Rebuttal to \"{entry.text if entry else key}\" on this track "
                "(empty: the library's)",
                override or library_text, save=check, merge_fields=True,
            ),
            done,
        )

    # -- keys ---------------------------------------------------------------------------

    def _status(self, text: str, error: bool = False) -> None:
        widget = self.query_one("#editor-status", Static)
        widget.update(markup(text))
        widget.set_class(error, "error")

    def action_save(self) -> None:
        """Save the track; a refusal names the field and the value, nothing is written."""
        draft = self.current()
        try:
            saved = self.app.service.studio.save(draft, self.original)
        except TrackEditError as exc:
            self._status(f"Not saved: {exc}", error=True)
            self.notify(markup(f"Not saved: {exc}"), severity="error")
            m = re.search(r": (\w+): ", str(exc))
            if m and m.group(1) in FIELD_LABELS:
                self.query_one(f"#f-{m.group(1)}", Input).focus()
            return
        self.original = saved
        self.draft = draft
        self.saved = self._copy(draft)
        self.leave_armed = False
        self.query_one("#editor-title", Static).update(markup(f"Talk track: {saved}"))
        self._show_cluster()
        self._measure()
        self._status(f"Saved {saved!r}. Esc returns to the studio, where a assigns it.")
        self.notify(markup(f"Saved talk track {saved!r}."))

    def action_preview_list(self) -> None:
        """Choose the call list whose first contact fills the preview."""
        names = self.app.service.studio.list_names()

        def done(index: int | None) -> None:
            if index is not None:
                self.preview_list = names[index]
                self._load_preview()

        self.app.push_screen(
            ChoicePicker("Preview with a contact of", names,
                         "No call lists yet: the preview uses the fallbacks."),
            done,
        )

    def action_read_aloud(self) -> None:
        """Say the opener (or the highlighted rebuttal) at the rep's rate."""
        if self.focused_field == "objections" and (row := self._objection_row()) is not None:
            text, what = self._fill_in(self._rebuttal_of(*self.draft.objections[row])), "rebuttal"
        else:
            text, what = self.opener_text(), "opener"
        if not text:
            self._status("Nothing to read: the opener is empty.", error=True)
            return
        self._status(f"Reading the {what} aloud...")
        self.run_worker(lambda: self._speak(text, what), thread=True, exclusive=True,
                        group="studio-speak")

    def _speak(self, text: str, what: str) -> None:
        from callcoach.tui.screens.drill_run import app_speaker

        speaker = app_speaker(self.app)
        status = speaker.ensure_checked()
        if not status.ok:
            self.app.call_from_thread(self._status, status.notice().replace(
                "Objections are shown as text.", f"The {what} is on screen."))
            return
        speaker.speak(text)
        self.app.call_from_thread(self._status, f"Reading the {what} aloud ({status.player}).")

    def action_back(self) -> None:
        """Back to the studio; unsaved changes need a second Esc."""
        if self.dirty and not self.leave_armed:
            self.leave_armed = True
            self._status("Unsaved changes: ctrl+s saves, Esc again leaves without saving.",
                         error=True)
            return
        self.app.pop_screen()


def _hint(field: str) -> str:
    """A placeholder saying what the method wants from a field."""
    return plain({
        "engage_statement": "Hi {first_name}, {rep_name} here - we help teams like {reference} ...",
        "impact_question": "Your target is X; where is {company} tracking today?",
        "meeting_ask": "Could we take 20 minutes on Tuesday or Wednesday?",
        "voicemail_script": "Hi {first_name}, {rep_name}: teams like {reference} ...",
        "third_party_reference": "a customer this cluster knows",
        "parking_lot_line": "Great question - first item on our agenda. Which email?",
        "greeting": "Front desk, {first_name} speaking.",
    }.get(field, ""))
