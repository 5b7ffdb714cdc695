"""The block screen's corrections and picks beside the outcome keys: ``u`` undoes the last
outcome (the call re-opens with its objections and notes), ``s`` skips the contact on
screen (not a dial: back in the queue later), ``/`` finds a contact of the list to call
next. Mixed into :class:`~callcoach.tui.screens.block.BlockScreen`; the writes go through
its save pipeline like every other key's."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from textual.binding import Binding

from callcoach.catalog.outcomes import KEY_RANGE
from callcoach.catalog.outcomes import label as outcome_label
from callcoach.core.service.block import NextContact, Undone
from callcoach.tui.screens.block_find import FindContactDialog

if TYPE_CHECKING:
    from callcoach.clock import FakeClock
    from callcoach.core.service.block import (
        BlockService,
        ContactHistory,
        LoggedObjection,
        OutcomeJournal,
        ZoneCache,
    )
    from callcoach.storage.models import CallAttempt, CallBlock, CallList, Contact
    from callcoach.tui.screens.block_saving import SavePipeline

#: The keys, with their palette descriptions (remappable by id like every block key).
MOVE_BINDINGS = [
    Binding("u", "undo", "Undo", show=False, id="block.undo",
            tooltip="Undo the last outcome: the call re-opens with its objections and notes"),
    Binding("s", "skip", "Skip", show=False, id="block.skip",
            tooltip="Skip this contact without dialling: back in the queue later"),
    Binding("slash", "find", "Find", show=False, id="block.find",
            tooltip="Find a contact in this list by name, company or number to call next"),
]


class BlockMoves:
    """Undo, skip and find for the block screen (a mixin: the screen supplies the state)."""

    if TYPE_CHECKING:  # what BlockScreen provides
        app: Any
        service: BlockService
        block_id: int
        block: CallBlock | None
        call_list: CallList | None
        contact: Contact | None
        attempt: CallAttempt | None
        history: ContactHistory | None
        objections: list[LoggedObjection]
        pending_note: str
        empty_text: str
        finished: bool
        tally: list[int]
        journal: OutcomeJournal | None
        zone_cache: ZoneCache | None
        offline_retry_at: float | None
        _saves: SavePipeline

        def say(self, text: str, level: str = "") -> None: ...
        def render_all(self) -> None: ...
        def _busy(self) -> bool: ...
        def _live(self) -> bool: ...
        def _press_clock(self) -> FakeClock: ...
        def _show_next(self, nxt: NextContact) -> str: ...
        def _go_offline(self, reason: str) -> None: ...
        def _mark_rendered(self) -> None: ...
        def call_after_refresh(self, callback: Any, *args: Any) -> bool: ...

    #: the client_uuid of the outcome logged last on this screen (what u takes back)
    last_outcome_uuid: str | None = None

    def _online(self) -> bool:
        if self.finished or self._busy():
            return False
        if self.offline_retry_at is not None:
            self.say("Waiting for the team server: your outcomes are safe on this machine.")
            return False
        return True

    # ------------------------------------------------------------ u: undo

    def action_undo(self) -> None:
        """Undo the last outcome of this block: its call re-opens on screen."""
        if not self._online():
            return
        if self.attempt is not None:
            self.say(
                f"A call is open: log it ({KEY_RANGE}) first; u takes back the outcome "
                "logged last.",
                "warn",
            )
            return
        contact_id = self.contact.id if self.contact is not None else None
        job = partial(
            self.service.undo_last, self._press_clock(), self.journal, self.block_id,
            self.last_outcome_uuid, contact_id,
        )
        self._saves.submit(job, self._undone, "undo", "the undo")

    def _undone(self, done: Undone) -> None:
        saved = done.saved
        if saved.journaled:
            self._go_offline(saved.message)
            self.render_all()
            return
        result = saved.result
        assert result is not None
        dropped = self.pending_note
        self.pending_note = ""
        self.last_outcome_uuid = None
        self.contact, self.attempt = result.contact, result.attempt
        self.history, self.objections = done.history, done.objections
        if done.tally is not None:
            self.tally = done.tally
        self.empty_text = ""
        text = f"Undone: {outcome_label(result.outcome)}. Call open again: log it ({KEY_RANGE})"
        text += result.cancel_note + "."
        if dropped:
            text += " The note typed for the next contact was dropped."
        self.say(text, "warn" if result.cancel_error else "ok")
        self.render_all()
        self.call_after_refresh(self._undo_shown)

    def _undo_shown(self) -> None:
        self._mark_rendered()  # the benchmark's "undo -> previous contact shown"

    # ------------------------------------------------------------ s: skip

    def action_skip(self) -> None:
        """Skip the contact on screen without dialling (back in the queue later)."""
        if not self._live():
            return
        if self.attempt is not None:
            self.say(f"In a call: log its outcome ({KEY_RANGE}) instead of skipping.", "warn")
            return
        contact = self.contact
        assert contact is not None and self.block is not None
        job = partial(
            self.service.skip, self._press_clock(), self.journal, self.block, self.zone_cache,
            contact.id,
        )
        self._saves.submit(
            job, partial(self._skipped, contact.full_name), f"skip - {contact.full_name}",
            "the skip",
        )

    def _skipped(self, who: str, nxt: NextContact) -> None:
        self.pending_note = ""
        self._show_next(nxt)
        if self.contact is not None:
            self.say(f"Skipped {who}: back in the queue later. Not a dial.")
        self.render_all()

    # ------------------------------------------------------------ /: find

    def action_find(self) -> None:
        """Find a contact of this list (name, company or number) and call them next."""
        if self.finished or self._busy():
            return
        if self.offline_retry_at is not None:
            self.say("Waiting for the team server: your outcomes are safe on this machine.")
            return
        if self.attempt is not None:
            self.say(f"In a call: log its outcome ({KEY_RANGE}) before finding another.",
                     "warn")
            return
        service, clock, block_id = self.service, self.app.clock, self.block_id
        name = self.call_list.name if self.call_list is not None else "this list"
        self.app.push_screen(
            FindContactDialog(name, lambda text: service.find_contacts(clock, block_id, text)),
            self._found,
        )

    def _found(self, contact_id: int | None) -> None:
        if contact_id is None or self.finished or self._busy():
            return
        if self.contact is not None and self.contact.id == contact_id:
            self.say("That contact is on screen already: press d to dial.")
            return
        assert self.block is not None
        job = partial(
            self.service.serve_chosen, self._press_clock(), self.journal, self.block, contact_id
        )
        self._saves.submit(job, self._chosen, "finding the contact", "the contact found")

    def _chosen(self, nxt: NextContact) -> None:
        self.pending_note = ""
        self._show_next(nxt)
        if self.contact is not None:
            self.say(f"Next: {self.contact.full_name} - press d to dial.")
        self.render_all()
