"""Panels of the call block screen: contact card, call timer, talk track, objections.

They only render what the screen hands them (core dataclasses and numbers); no SQL and no
rules here. Times come from the screen, which reads the injected clock.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from rich.segment import Segment
from textual.containers import VerticalScroll
from textual.content import Content
from textual.events import Resize
from textual.geometry import Region
from textual.renderables.digits import DIGITS, DIGITS3X3, DIGITS3X3_BOLD
from textual.strip import Strip
from textual.visual import Visual
from textual.widget import Widget
from textual.widgets import Digits, Static

from callcoach.catalog.outcomes import label as outcome_label
from callcoach.config import CallPhases
from callcoach.core.service.block import (
    CallPhase,
    Colleague,
    ContactHistory,
    LoggedObjection,
    call_phase,
    clock_text,
    contact_zone,
    display_phone,
    objection_cue,
    ordinal,
)
from callcoach.storage.models import Contact
from callcoach.tui.text import plain


def ago(then: datetime | None, now: datetime) -> str:
    """A short relative time: "3 min ago", "2 h ago", "4 days ago"."""
    if then is None:
        return "never"
    secs = max(0.0, (now - then).total_seconds())
    if secs < 90:
        return "just now"
    if secs < 90 * 60:
        return f"{round(secs / 60)} min ago"
    if secs < 36 * 3600:
        return f"{round(secs / 3600)} h ago"
    return f"{round(secs / 86400)} days ago"


#: One line break, to join lines built as Content (no markup to parse on the hot path).
NEWLINE = Content("\n")


def lines(*parts: Content | str) -> Content:
    """Lines of content (each a Content or plain text) joined into one Content."""
    return NEWLINE.join(Content(plain(p, one_line=False)) if isinstance(p, str) else p for p in parts)


def bold(text: str) -> Content:
    """``text`` in bold (what ``[b]...[/b]`` markup gives, without parsing markup)."""
    return Content.styled(plain(text), "b")


def dim(text: str) -> Content:
    """``text`` dimmed."""
    return Content.styled(plain(text), "dim")


class Panel(Static):
    """A fixed-size panel that repaints only the rows whose content changed.

    A Static repaints its whole area on every update. The block screen replaces most of
    its text after every outcome, but in a panel of 24 rows only the lines that name the
    contact differ: this renders the new content once, compares it row by row with what is
    on screen and marks only the rows that differ for repainting (Textual's line API:
    ``render_line`` plus ``refresh(region)``). Size, style or selection changes repaint
    everything, as usual. Content is built as :class:`Content` (no markup parsing) by the
    panels below; :meth:`show_text` takes markup for the rarer messages.
    """

    # No links in these panels: skip Textual's per-render link styling.
    auto_links = False

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._content = Content("")
        self._strips: list[Strip] | None = None
        self._strips_key: tuple | None = None

    def render(self) -> Content:
        """The current content (also used for auto height and by tests reading the text)."""
        return self._content

    def _key(self) -> tuple:
        return (self.size, self.visual_style, self.text_selection)

    def _render_strips(self) -> list[Strip]:
        """The content as strips for the current size and style (cached until they change)."""
        key = self._key()
        if self._strips is None or key != self._strips_key:
            width, height = self.size
            self._strips = Visual.to_strips(self, self._content, width, height, self.visual_style)
            self._strips_key = key
        return self._strips

    def render_line(self, y: int) -> Strip:
        """One row of the content area."""
        strips = self._render_strips()
        if y < len(strips):
            return strips[y]
        return Strip.blank(self.size.width, self.visual_style.rich_style)

    def show_text(self, markup: str) -> None:
        """Replace the content with ``markup`` (Textual content markup)."""
        self.show(Content.from_markup(markup))

    def show(self, content: Content) -> None:
        """Replace the content; repaint only the rows that differ (nothing if none do)."""
        if content.is_same(self._content):
            return
        old, old_key = self._strips, self._strips_key
        self._content = content
        self._strips = None
        if self.styles.height is not None and self.styles.height.is_auto:
            # Sized by its content: the new text may take more or fewer rows.
            self.refresh(layout=True)
            return
        if old is None or not self.size or old_key != self._key():
            self.refresh()
            return
        new = self._render_strips()
        width = self.size.width
        rows = [y for y in range(max(len(old), len(new)))
                if y >= len(old) or y >= len(new) or old[y] != new[y]]
        # One region per run of consecutive changed rows.
        regions: list[Region] = []
        for y in rows:
            if regions and regions[-1].bottom == y:
                last = regions[-1]
                regions[-1] = Region(0, last.y, width, last.height + 1)
            else:
                regions.append(Region(0, y, width, 1))
        if regions:
            self.refresh(*regions)

    def set_level(self, level: str) -> None:
        """Style the panel for ``level`` (ok / warn / stop) without needless restyles."""
        self.set_class(level == "warn", "warn")
        self.set_class(level == "stop", "stop")


class Countdown(Digits):
    """The block clock in Textual's 3x3 digit font, drawn row by row as plain strings.

    Digits draws through a Rich renderable, the dearest thing in a frame here, and the
    clock changes every second; three ready-made rows of box-drawing glyphs in the
    widget's own style cost a fraction of that (Textual's line API: ``render_line``).
    """

    auto_links = False

    _rows_for: tuple[str, bool] | None = None
    _rows: tuple[str, str, str] = ("", "", "")

    def glyph_rows(self) -> tuple[str, str, str]:
        """The three rows of glyphs for the current value (as Digits draws them)."""
        bold = bool(self.visual_style.bold)
        if self._rows_for != (self.value, bold):
            glyphs = DIGITS3X3_BOLD if bold else DIGITS3X3
            rows: list[list[str]] = [[], [], []]
            for character in self.value.replace(".", "•"):
                position = DIGITS.find(character) * 3
                if position < 0:
                    rows[0].append(" ")
                    rows[1].append(" ")
                    rows[2].append(character)
                else:
                    for row, glyph in zip(rows, glyphs[position : position + 3], strict=True):
                        row.append(glyph.ljust(3))
            self._rows = tuple("".join(row) for row in rows)  # type: ignore[assignment]
            self._rows_for = (self.value, bold)
        return self._rows

    def render(self) -> Content:
        """The rows as Content (for measuring and for tests reading the screen)."""
        return Content("\n".join(self.glyph_rows()))

    def render_line(self, y: int) -> Strip:
        """Row ``y`` of the glyphs in the widget's style (the rest of the row is padding)."""
        rows = self.glyph_rows()
        text = rows[y][: self.size.width] if y < len(rows) else ""
        return Strip([Segment(text, self.visual_style.rich_style)], len(text))


#: Marks the talk-track part the phase says to read now (blank keeps the text aligned).
FOCUS_MARK = "▶ "
NO_MARK = "  "


def note_lines(notes: list[str]) -> list[str]:
    """Every note line of the contact's recent calls, most recent call first, in the order
    written within a call (a call's notes are stored one per line)."""
    return [line for note in notes for line in note.splitlines() if line.strip()]


class ScriptScroll(VerticalScroll, can_focus=False):
    """The talk track and the objections, scrolled by the screen's key when they do not fit;
    tells ``on_overflow`` whenever whether they fit changes."""

    def __init__(self, *children: Widget, id: str | None = None) -> None:
        super().__init__(*children, id=id)
        self.overflows = False
        self.on_overflow: Callable[[bool], None] | None = None
        #: keep the end (the current rebuttal) in view as the content changes
        self.follow_end = False

    def show_end(self, follow: bool) -> None:
        """Scroll to the end and stay there while the content changes (``follow``), or
        back to the top."""
        self.follow_end = follow
        if follow:
            self.scroll_end(animate=False, immediate=True)
        else:
            self.scroll_home(animate=False, immediate=True)

    def _check_overflow(self) -> None:
        overflows = self.max_scroll_y > 0
        if overflows != self.overflows:
            self.overflows = overflows
            if self.on_overflow is not None:
                self.on_overflow(overflows)

    def watch_virtual_size(self) -> None:
        """The content grew or shrank."""
        if self.follow_end:
            self.scroll_end(animate=False, immediate=True)
        self.call_after_refresh(self._check_overflow)

    def on_resize(self, event: Resize) -> None:
        """The terminal (or the layout) changed the room there is."""
        if self.follow_end:
            self.scroll_end(animate=False, immediate=True)
        self.call_after_refresh(self._check_overflow)


class ContactCard(Panel):
    """Who is being called: name, title, company, phone, local time, attempts, history.

    ``compact`` (set by the screen in one column) packs name, title, company, phone and
    history into two rows; on a short terminal the screen's CSS also cuts every row to
    one line with an ellipsis (class ``cut``). Otherwise every row wraps in full.
    """

    compact = False

    def show_contact(
        self,
        contact: Contact | None,
        history: ContactHistory | None,
        now: datetime,
        max_attempts: int,
        pending_note: str = "",
        empty_text: str = "",
        colleagues: Sequence[Colleague] = (),
    ) -> None:
        """Render ``contact`` (or ``empty_text``, markup, when there is none)."""
        if contact is None:
            self.show_text(empty_text or "No contact on screen.")
            return
        tz = contact_zone(contact.timezone)
        if tz is not None:
            local = now.astimezone(tz)
            local_text = f"{local:%a %H:%M} local ({contact.timezone})"
        else:
            local_text = "local time unknown"
        attempt_no = (history.attempts if history else contact.attempts) + 1
        phone = bold(display_phone(contact.phone))
        if contact.extension:
            phone = Content.assemble(phone, f" ext {plain(contact.extension)}")
        if history and history.last_outcome:
            label = outcome_label(history.last_outcome)
            last = f"Last: {label}, {ago(history.last_called_at, now)}"
        else:
            last = "Last: never called"
        notes = note_lines(history.notes if history else [])
        rows: list[Content | str]
        if self.compact:
            rows = [
                Content.assemble(
                    bold(contact.full_name), " · ", plain(contact.title) or "-",
                    " · ", plain(contact.company) or "-",
                ),
                Content.assemble(
                    phone, f"  {local_text}  Attempt {attempt_no}/{max_attempts}  {last}"
                ),
            ]
        else:
            rows = [
                bold(contact.full_name),
                plain(contact.title) or "-",
                plain(contact.company) or "-",
                "",
                phone,
                local_text,
                f"Attempt {attempt_no} of {max_attempts}",
                last,
            ]
        if contact.status == "callback":
            rows.append(bold("Callback they asked for"))
        rows.extend(Content.assemble(dim("Note:"), " ", plain(note)) for note in notes)
        if pending_note:
            rows.append(Content.assemble(bold("New note:"), " ", plain(pending_note)))
        if colleagues:
            rows.append(colleague_line(colleagues, now) if self.compact else bold(
                f"Also at {plain(contact.company)}:"
            ))
            if not self.compact:
                rows.extend(colleague_row(c, now) for c in colleagues)
        self.show(lines(*rows))


def colleague_row(colleague: Colleague, now: datetime) -> Content:
    """One colleague reached at the same company: who, their outcome and when."""
    title = f", {plain(colleague.title)}" if colleague.title else ""
    return Content.assemble(
        "  ", bold(colleague.full_name), title, ": ",
        outcome_label(colleague.outcome), f", {ago(colleague.called_at, now)}",
        dim(" (this block)") if colleague.this_block else "",
    )


def colleague_line(colleagues: Sequence[Colleague], now: datetime) -> Content:
    """The colleagues on one line, for the compact card."""
    first = colleagues[0]
    more = f" +{len(colleagues) - 1} more" if len(colleagues) > 1 else ""
    return Content.assemble(
        dim("Also here:"), " ", bold(first.full_name), ": ",
        outcome_label(first.outcome), f", {ago(first.called_at, now)}{more}",
    )


class CallTimer(Panel):
    """Elapsed call time against the two-minute target, with the phase and its cue.

    The phase follows the call (:func:`call_phase`): the clock until the prospect objects,
    then the objection being handled. ``compact`` packs it into two rows.
    """

    compact = False

    def show_timer(
        self,
        elapsed: float | None,
        phases: CallPhases,
        interrupted: bool = False,
        paused: bool = False,
        objections: int = 0,
    ) -> CallPhase | None:
        """Render the timer (``elapsed`` None: no call in progress); returns the phase."""
        if elapsed is None:
            self.set_level("ok")
            if paused:
                hint: Content | str = "Block paused: p to resume."
            else:
                hint = Content.assemble("Press ", bold("d"), " to dial.")
            if self.compact:
                self.show(Content.assemble(bold("Not in a call"), "  ", hint))
            else:
                self.show(lines(bold("Not in a call"), hint))
            return None
        phase = call_phase(elapsed, objections, phases)
        self.set_level(phase.level)
        width = 12 if self.compact else 30
        filled = min(width, int(width * elapsed / max(1, phases.stop_at)))
        mark = int(width * phases.target / max(1, phases.stop_at))
        bar = "".join("█" if i < filled else ("|" if i == mark else "·") for i in range(width))
        head = Content.assemble(
            bold(f"Call {clock_text(elapsed)}"), f" / {clock_text(phases.target)}"
        )
        if self.compact:
            stopped = bold("  (interrupted: log it)") if interrupted else ""
            self.show(lines(
                Content.assemble(head, " ", bar, "  ", bold(phase.label), stopped), phase.cue
            ))
            return phase
        head = Content.assemble(head, " target")
        if interrupted:
            head = Content.assemble(head, "  ", bold("(interrupted - log the outcome)"))
        self.show(lines(head, bar, bold(phase.label), phase.cue))
        return phase


def _part(label: str, text: str, focus: tuple[str, ...], key: str) -> Content:
    """One talk-track part, marked and bold-labelled when the phase says to read it now."""
    if key in focus:
        return Content.assemble(
            Content.styled(FOCUS_MARK, "bold $accent"),
            Content.styled(label, "bold reverse"), " ", plain(text),
        )
    return Content.assemble(NO_MARK, bold(label), " ", plain(text))


class TrackPanel(Panel):
    """Engage statement, impact question and meeting ask, merge fields filled; the part
    to read now is marked."""

    def show_track(
        self, title: str, engage: str, impact: str, ask: str, focus: tuple[str, ...] = ()
    ) -> None:
        """Render the three parts of the talk track, each wrapped in full."""
        if not (engage or impact or ask):
            self.show(lines(bold(title), "This list has no talk track yet."))
            return
        self.show(
            lines(
                bold(title),
                _part("Engage", engage, focus, "engage"),
                _part("Impact", impact, focus, "impact"),
                _part("Ask   ", ask, focus, "ask"),
            )
        )


class ObjectionPanel(Panel):
    """Objections raised on this call, in order, with the latest rebuttal and the cue."""

    def show_objections(
        self,
        objections: list[LoggedObjection],
        in_call: bool,
        rebuttal: str = "",
        focus: tuple[str, ...] = (),
    ) -> None:
        """Render the objection list; ``rebuttal`` is the latest one with merge fields filled."""
        n = len(objections)
        self.set_level("ok" if n < 3 else ("warn" if n == 3 else "stop"))
        if n == 0:
            # The same text before and during a call, so dialling does not repaint it.
            self.show(lines(
                bold("Objections: 0"),
                dim("o logs one, in order, as the prospect raises it (during a call)."),
            ))
            return
        rows: list[Content | str] = [
            Content.assemble(bold(f"Objections: {n}"), "  ", objection_cue(n))
        ]
        marks = {True: "✓ overcome", False: "✗ not overcome", None: "? y/x to mark"}
        for o in objections:
            rows.append(
                Content.assemble(f"{ordinal(o.position)}  {plain(o.text)}  ", dim(marks[o.overcome]))
            )
        rows.append(_part("Rebuttal", rebuttal or objections[-1].rebuttal, focus, "rebuttal"))
        self.show(lines(*rows))
