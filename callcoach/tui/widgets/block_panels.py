"""Panels of the call block screen: contact card, call timer, talk track, objections.

They only render what the screen hands them (core dataclasses and numbers); no SQL and no
rules here. Times come from the screen, which reads the injected clock.
"""

from __future__ import annotations

from datetime import datetime

from rich.segment import Segment
from textual.content import Content
from textual.geometry import Region
from textual.renderables.digits import DIGITS, DIGITS3X3, DIGITS3X3_BOLD
from textual.strip import Strip
from textual.visual import Visual
from textual.widgets import Digits, Static

from callcoach.catalog.outcomes import label as outcome_label
from callcoach.config import CallPhases
from callcoach.core.service.block import (
    ContactHistory,
    LoggedObjection,
    clock_text,
    contact_zone,
    display_phone,
    objection_cue,
    ordinal,
    phase_at,
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


class ContactCard(Panel):
    """Who is being called: name, title, company, phone, local time, attempts, history."""

    def show_contact(
        self,
        contact: Contact | None,
        history: ContactHistory | None,
        now: datetime,
        max_attempts: int,
        pending_note: str = "",
        empty_text: str = "",
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
        rows: list[Content | str] = [
            bold(contact.full_name),
            plain(contact.title) or "-",
            plain(contact.company) or "-",
            "",
            phone,
            local_text,
            f"Attempt {attempt_no} of {max_attempts}",
        ]
        if history and history.last_outcome:
            label = outcome_label(history.last_outcome)
            rows.append(f"Last: {label}, {ago(history.last_called_at, now)}")
        else:
            rows.append("Last: never called")
        if contact.status == "callback":
            rows.append(bold("Callback they asked for"))
        for note in (history.notes if history else [])[:2]:
            rows.append(Content.assemble(dim("Note:"), " ", plain(note.splitlines()[0][:60])))
        if pending_note:
            rows.append(Content.assemble(bold("New note:"), " ", plain(pending_note[:60])))
        self.show(lines(*rows))


class CallTimer(Panel):
    """Elapsed call time against the two-minute target, with the phase and its cue."""

    def show_timer(
        self,
        elapsed: float | None,
        phases: CallPhases,
        interrupted: bool = False,
        paused: bool = False,
    ) -> None:
        """Render the timer (``elapsed`` None: no call in progress)."""
        if elapsed is None:
            self.set_level("ok")
            if paused:
                hint: Content | str = "Block paused: p to resume."
            else:
                hint = Content.assemble("Press ", bold("d"), " to dial.")
            self.show(lines(bold("Not in a call"), hint))
            return
        phase = phase_at(elapsed, phases)
        self.set_level(phase.level)
        width = 30
        filled = min(width, int(width * elapsed / max(1, phases.stop_at)))
        mark = int(width * phases.target / max(1, phases.stop_at))
        bar = "".join("█" if i < filled else ("|" if i == mark else "·") for i in range(width))
        head = Content.assemble(
            bold(f"Call {clock_text(elapsed)}"), f" / {clock_text(phases.target)} target"
        )
        if interrupted:
            head = Content.assemble(head, "  ", bold("(interrupted - log the outcome)"))
        self.show(lines(head, bar, bold(phase.label), phase.cue))


class TrackPanel(Panel):
    """Engage statement, impact question and meeting ask, merge fields filled."""

    def show_track(self, title: str, engage: str, impact: str, ask: str) -> None:
        """Render the three lines of the talk track."""
        if not (engage or impact or ask):
            self.show(lines(bold(title), "This list has no talk track yet."))
            return
        self.show(
            lines(
                bold(title),
                Content.assemble(bold("Engage"), "  ", plain(engage)),
                Content.assemble(bold("Impact"), "  ", plain(impact)),
                Content.assemble(bold("Ask"), "     ", plain(ask)),
            )
        )


class ObjectionPanel(Panel):
    """Objections raised on this call, in order, with the latest rebuttal and the cue."""

    def show_objections(
        self, objections: list[LoggedObjection], in_call: bool, rebuttal: str = ""
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
        rows.append(Content.assemble(bold("Rebuttal:"), " ", plain(rebuttal or objections[-1].rebuttal)))
        self.show(lines(*rows))
