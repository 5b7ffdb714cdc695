"""Starting a call block: the track once more and the length, or resuming one left open."""

from __future__ import annotations

from collections.abc import Callable

from callcoach.core.service.block import BlockError, HeldElsewhere
from callcoach.storage.models import CallBlock
from callcoach.tui.screens.block import BlockScreen
from callcoach.tui.screens.block_dialogs import ChoiceDialog, StartBlockDialog
from callcoach.tui.screens.block_text import live_elsewhere_text, resume_text, track_preview
from callcoach.tui.text import markup


def start_block_flow(app: object, list_id: int, minutes: float | None = None) -> None:
    """From home or the CLI: resume an open block, or show the track once more and start."""
    service, clock, settings, rep = app.service.block, app.clock, app.settings, app.rep
    info = service.start_info(rep.id, list_id)
    if info.open_block is not None:
        offer_resume(app, info.open_block, then=lambda: start_block_flow(app, list_id, minutes))
        return

    def started(chosen: float | None) -> None:
        if chosen is None:
            return
        try:
            b = service.start_block(clock, rep.id, list_id, chosen)
        except BlockError as exc:
            app.notify(markup(exc), severity="error")
            return
        app.push_screen(BlockScreen(b.id))

    app.push_screen(
        StartBlockDialog(
            info.list_name, track_preview(info.track, rep.name), minutes or settings.block_minutes
        ),
        started,
    )


def offer_resume(
    app: object, open_block: CallBlock, then: Callable[[], None] | None = None
) -> None:
    """Offer to resume (or close) a block left open, e.g. by a crash; a block another
    window still serves (its heartbeat has not lapsed) is offered only as an explicit
    takeover, with a warning that it ends that window's hold.

    ``then`` runs after the old block was ended (e.g. start the block that was asked for).
    """
    service, clock = app.service.block, app.clock
    holder = service.live_holder(open_block)
    if holder is not None:
        offer_takeover(app, open_block, holder.where())
        return
    info = service.resume_info(open_block)
    in_call = info.in_call
    left = service.resumable_seconds(open_block)
    body = resume_text(info.list_name, open_block.started_at, left, in_call)

    def chosen(choice: str | None) -> None:
        if choice == "resume":
            b = _recover(app, open_block.id)
            if b is not None:
                app.push_screen(BlockScreen(b.id))
        elif choice == "end":
            # Time since the last sign of life was not calling time: count it as a pause.
            if _recover(app, open_block.id) is None:
                return
            service.end_block(clock, open_block.id)
            from callcoach.tui.screens.block_summary import SummaryScreen

            if then is not None:
                then()  # underneath the summary: closing the summary leads on to it
            app.push_screen(SummaryScreen(open_block.id))

    app.push_screen(
        ChoiceDialog(
            "Unfinished call block",
            [
                ("resume", "Resume it" + (" and log that call" if in_call else "")),
                (
                    "end",
                    "End it (that call stays without an outcome) and see its summary"
                    if in_call
                    else "End it and see its summary",
                ),
                ("later", "Not now"),
            ],
            body,
        ),
        chosen,
    )


def offer_takeover(app: object, open_block: CallBlock, where: str) -> None:
    """The block is live in another window: leave it there, or take it over here (that
    window's hold ends: it is told on its next key and stops serving)."""
    service = app.service.block
    info = service.resume_info(open_block)
    body = live_elsewhere_text(info.list_name, open_block.started_at, where)

    def chosen(choice: str | None) -> None:
        if choice == "takeover":
            b = _recover(app, open_block.id, take_over=True)
            if b is not None:
                app.push_screen(BlockScreen(b.id))

    app.push_screen(
        ChoiceDialog(
            "Call block live in another window",
            [
                ("later", "Leave it in the other window"),
                ("takeover", "Take it over here: the other window stops serving"),
            ],
            body,
        ),
        chosen,
    )


def _recover(app: object, block_id: int, take_over: bool = False) -> CallBlock | None:
    """Resume the block in this window; None (the rep told why) when it cannot be."""
    try:
        return app.service.block.recover_block(app.clock, block_id, take_over=take_over)
    except (BlockError, HeldElsewhere) as exc:
        app.notify(markup(exc), severity="error")
        return None
