"""Starting a call block: the track once more and the length, or resuming one left open."""

from __future__ import annotations

from collections.abc import Callable

from callcoach.core.service.block import BlockError
from callcoach.storage.models import CallBlock
from callcoach.tui.screens.block import BlockScreen
from callcoach.tui.screens.block_dialogs import ChoiceDialog, StartBlockDialog
from callcoach.tui.screens.block_text import resume_text, track_preview
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
    """Offer to resume (or close) a block left open, e.g. by a crash.

    ``then`` runs after the old block was ended (e.g. start the block that was asked for).
    """
    service, clock = app.service.block, app.clock
    info = service.resume_info(open_block)
    in_call = info.in_call
    left = service.resumable_seconds(open_block)
    body = resume_text(info.list_name, open_block.started_at, left, in_call)

    def chosen(choice: str | None) -> None:
        if choice == "resume":
            b = service.recover_block(clock, open_block.id)
            app.push_screen(BlockScreen(b.id))
        elif choice == "end":
            # Time since the last sign of life was not calling time: count it as a pause.
            service.recover_block(clock, open_block.id)
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
