"""The talk-track studio: every track with the lists and clusters it serves; create, copy,
edit and assign tracks; the objection library (add, rename, rewrite a rebuttal).

A track is edited on :class:`~callcoach.tui.screens.studio_editor.TrackEditorScreen`.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from callcoach.core.service.studio import (
    AssignTarget,
    LibraryEntry,
    SpokenLength,
    TrackDraft,
    TrackEditError,
    TrackRow,
    parse_cluster,
)
from callcoach.errors import CallcoachError
from callcoach.tui.screens.studio_dialogs import (
    ChoicePicker,
    ObjectionForm,
    TextPrompt,
    length_cell,
)
from callcoach.tui.text import cell, markup


class StudioScreen(Screen):
    """Every talk track with its cluster and the lists it serves."""

    CSS_PATH = "studio.tcss"
    BINDINGS = [
        Binding("enter,e", "edit", "Edit", id="studio.edit"),
        Binding("n", "new", "New", id="studio.new"),
        Binding("c", "copy", "Copy", id="studio.copy"),
        Binding("a", "assign", "Assign", id="studio.assign"),
        Binding("o", "library", "Objections", id="studio.library"),
        Binding("escape", "back", "Back", id="studio.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[TrackRow] = []

    def compose(self) -> ComposeResult:
        """Title, the track table, the highlighted track's lists, a status line."""
        yield Header()
        yield Static("Talk-track studio", id="studio-title", classes="studio-title")
        yield DataTable(id="tracks", cursor_type="row", zebra_stripes=True)
        yield Static("", id="studio-detail")
        yield Static("", id="studio-status", classes="muted")
        yield Footer()

    def on_mount(self) -> None:
        """Fill the table."""
        table = self.query_one("#tracks", DataTable)
        table.add_columns("Track", "Cluster", "Lists", "Obj.")
        self.refresh_tracks()
        table.focus()

    def on_unmount(self) -> None:
        """Leaving the studio: stop the synthesis engine used for timing."""
        self.app.service.studio.close()

    def on_screen_resume(self) -> None:
        """Back from the editor or the library: show what changed."""
        self.refresh_tracks(self.selected_name())

    def refresh_tracks(self, select: str | None = None) -> None:
        """Reload the tracks, keeping ``select`` highlighted."""
        self.rows = self.app.service.studio.tracks()
        table = self.query_one("#tracks", DataTable)
        table.clear()
        for row in self.rows:
            lists = ", ".join(row.serves())
            table.add_row(cell(row.label), cell(row.cluster or "-"), cell(lists or "-"),
                          str(row.objections), key=row.name)
        names = [r.name.lower() for r in self.rows]
        if select and select.lower() in names:
            table.move_cursor(row=names.index(select.lower()))
        self._show_detail()
        if not self.rows:
            self.query_one("#studio-detail", Static).update(
                "No talk tracks yet: n writes one (engage statement, impact question, meeting ask)."
            )

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        """The highlighted track's lists, in full."""
        self._show_detail()

    def on_data_table_row_selected(self, _event: DataTable.RowSelected) -> None:
        """Enter on a track: edit it."""
        self.action_edit()

    def _show_detail(self) -> None:
        row = self.selected()
        detail = self.query_one("#studio-detail", Static)
        if row is None:
            detail.update("")
            return
        cluster = f"cluster {row.cluster}" if row.cluster else "no cluster"
        lists = ", ".join(row.serves()) if row.serves() else "no call list yet (a assigns one)"
        starter = (
            "\nThe starter track, to rewrite: every list without a track of its own uses it."
            if row.origin == "starter" else ""
        )
        detail.update(markup(f"{row.name}: {cluster}; lists: {lists}{starter}", one_line=False))

    def selected(self) -> TrackRow | None:
        """The track under the cursor."""
        table = self.query_one("#tracks", DataTable)
        row = table.cursor_row
        if not self.rows or row is None or not 0 <= row < len(self.rows):
            return None
        return self.rows[row]

    def selected_name(self) -> str | None:
        """The name of the track under the cursor."""
        row = self.selected()
        return row.name if row else None

    def _status(self, text: str) -> None:
        self.query_one("#studio-status", Static).update(markup(text, one_line=False))

    def action_new(self) -> None:
        """Write a new track."""
        from callcoach.tui.screens.studio_editor import TrackEditorScreen

        self.app.push_screen(TrackEditorScreen(TrackDraft(name=""), original=None))

    def action_edit(self) -> None:
        """Edit the highlighted track."""
        from callcoach.tui.screens.studio_editor import TrackEditorScreen

        name = self.selected_name()
        if name is None:
            self.notify("No track selected: n writes a new one.", severity="warning")
            return
        try:
            draft = self.app.service.studio.draft(name)
        except CallcoachError as exc:
            self.notify(markup(str(exc)), severity="error")
            return
        self.app.push_screen(TrackEditorScreen(draft, original=draft.name))

    def action_copy(self) -> None:
        """Copy the highlighted track under a new name."""
        name = self.selected_name()
        if name is None:
            self.notify("No track selected to copy.", severity="warning")
            return
        studio = self.app.service.studio

        def done(new_name: str | None) -> None:
            if new_name:
                self.refresh_tracks(new_name.strip())
                self._status(f"Copied {name!r} to {new_name.strip()!r} (no cluster yet: a assigns it).")

        self.app.push_screen(
            TextPrompt(f"Copy {name!r} as", f"{name} (copy)",
                       save=lambda new: studio.copy(name, new)),
            done,
        )

    def action_assign(self) -> None:
        """Assign the highlighted track to a call list or a cluster value."""
        name = self.selected_name()
        if name is None:
            self.notify("No track selected to assign.", severity="warning")
            return
        studio = self.app.service.studio
        targets = studio.targets()

        picker: ChoicePicker

        def typed(text: str) -> str | None:
            """``vertical=Dental`` typed: a cluster no list is in yet."""
            return f"cluster: {text.strip()} (new)" if "=" in text else None

        def done(index: int | None) -> None:
            if index is None:
                return
            try:
                if index == ChoicePicker.TYPED:
                    dimension, value = parse_cluster(picker.typed)
                    target = AssignTarget(f"cluster: {dimension}={value}", dimension=dimension,
                                          value=value)
                else:
                    target = targets[index]
                result = studio.assign(name, target)
            except TrackEditError as exc:
                self.notify(markup(str(exc)), severity="error")
                return
            self.refresh_tracks(name)
            self._status(result.render())

        picker = ChoicePicker(
            f"Assign {name!r} to a call list or a whole cluster (or type DIMENSION=VALUE)",
            [t.label for t in targets],
            "No call lists yet: type a cluster such as vertical=Dental, or import a list",
            typed_label=typed,
        )
        self.app.push_screen(picker, done)

    def action_library(self) -> None:
        """Open the objection library."""
        self.app.push_screen(LibraryScreen())

    def action_back(self) -> None:
        """Back to home."""
        self.app.pop_screen()


class LibraryScreen(Screen):
    """The objection library: add one, rename one, rewrite a rebuttal; how long each says."""

    CSS_PATH = "studio.tcss"
    BINDINGS = [
        Binding("enter,e", "edit", "Edit", id="library.edit"),
        Binding("n", "add", "Add", id="library.add"),
        Binding("escape", "back", "Back", id="library.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[LibraryEntry] = []
        self.lengths: dict[str, SpokenLength] = {}
        self.length_errors: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        """Title, the library table, the highlighted objection in full."""
        yield Header()
        yield Static("Objection library", id="library-title", classes="studio-title")
        yield DataTable(id="library", cursor_type="row", zebra_stripes=True)
        yield Static("", id="library-detail")
        yield Footer()

    def on_mount(self) -> None:
        """Fill the table and measure the rebuttals."""
        table = self.query_one("#library", DataTable)
        table.add_column("Objection", key="text")
        table.add_column("Say", key="say", width=7)
        table.add_column("Tracks", key="tracks")
        table.add_column("Rebuttal", key="rebuttal")
        self.refresh_library()
        table.focus()

    def refresh_library(self, select: str | None = None) -> None:
        """Reload the library (keeping ``select`` highlighted) and measure what is new."""
        self.entries = self.app.service.studio.library()
        table = self.query_one("#library", DataTable)
        table.clear()
        for entry in self.entries:
            table.add_row(
                cell(entry.text),
                length_cell(self.lengths.get(entry.rebuttal), self.length_errors.get(entry.rebuttal)),
                str(entry.tracks), cell(entry.rebuttal),
                key=entry.key,
            )
        keys = [e.key for e in self.entries]
        if select in keys:
            table.move_cursor(row=keys.index(select))
        self._show_detail()
        self.run_worker(self._measure, thread=True, exclusive=True, group="studio-library")

    def _measure(self) -> None:
        """Off the UI thread: each rebuttal's spoken length against the objection slot."""
        from callcoach.core.drills.speech import SpeechError

        studio = self.app.service.studio
        nobody = studio.preview_contact(None, None)
        for entry in list(self.entries):
            text = entry.rebuttal
            if text in self.lengths or text in self.length_errors:
                continue
            spoken = studio.render(text, TrackDraft(name=""), nobody, self.app.rep.name)
            try:
                length: SpokenLength | None = studio.spoken(spoken, studio.objection_seconds)
                error = None
            except SpeechError as exc:
                length, error = None, str(exc)
            self.app.call_from_thread(self._measured, text, length, error)
            if error is not None:
                return  # no engine: one message, not one per objection

    def _measured(self, text: str, length: SpokenLength | None, error: str | None) -> None:
        if not self.is_attached:
            return
        if error is not None:
            self.length_errors[text] = error
            for entry in self.entries:
                self.length_errors.setdefault(entry.rebuttal, error)
        elif length is not None:
            self.lengths[text] = length
        table = self.query_one("#library", DataTable)
        for entry in self.entries:
            if entry.rebuttal in self.lengths or entry.rebuttal in self.length_errors:
                table.update_cell(entry.key, "say", length_cell(
                    self.lengths.get(entry.rebuttal), self.length_errors.get(entry.rebuttal)))
        self._show_detail()

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        """The highlighted objection in full."""
        self._show_detail()

    def on_data_table_row_selected(self, _event: DataTable.RowSelected) -> None:
        """Enter on an objection: edit it."""
        self.action_edit()

    def selected(self) -> LibraryEntry | None:
        """The objection under the cursor."""
        row = self.query_one("#library", DataTable).cursor_row
        if not self.entries or row is None or not 0 <= row < len(self.entries):
            return None
        return self.entries[row]

    def _show_detail(self) -> None:
        entry = self.selected()
        detail = self.query_one("#library-detail", Static)
        if entry is None:
            detail.update("The library is empty: n adds an objection.")
            return
        studio = self.app.service.studio
        length = self.lengths.get(entry.rebuttal)
        error = self.length_errors.get(entry.rebuttal)
        if error is not None:
            said = f"Rebuttal length not measured: {error}"
        elif length is None:
            said = "Rebuttal length: measuring..."
        else:
            said = "Rebuttal " + length.text("length", f"objection slot at {studio.rate} wpm")
        detail.update(markup(
            f"[{entry.key}] {entry.text}\n{entry.rebuttal}\n{said}", one_line=False
        ))
        detail.set_class(bool(length and length.over), "warning")

    def action_add(self) -> None:
        """Add an objection to the library."""
        studio = self.app.service.studio
        added: list[str] = []

        def save(text: str, rebuttal: str) -> None:
            added.append(studio.add_objection(text, rebuttal))

        def done(saved: bool | None) -> None:
            if saved and added:
                self.refresh_library(added[-1])
                self.notify(markup(f"Added objection {added[-1]!r} to the library."))

        self.app.push_screen(ObjectionForm("New objection", "", "", save), done)

    def action_edit(self) -> None:
        """Rename the highlighted objection or rewrite its library rebuttal."""
        entry = self.selected()
        if entry is None:
            self.notify("No objection selected: n adds one.", severity="warning")
            return
        studio = self.app.service.studio

        def done(saved: bool | None) -> None:
            if saved:
                self.refresh_library(entry.key)

        self.app.push_screen(
            ObjectionForm(
                f"Objection {entry.key!r} (used by {entry.tracks} track(s))", entry.text,
                entry.rebuttal, lambda text, rebuttal: studio.update_objection(entry.key, text, rebuttal),
            ),
            done,
        )

    def action_back(self) -> None:
        """Back to the studio."""
        self.app.pop_screen()
