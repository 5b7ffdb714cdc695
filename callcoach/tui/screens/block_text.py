"""The block screens' wording: lines and panels built from plain values (no widgets)."""

from __future__ import annotations

from datetime import datetime

from callcoach.core.service.block import (
    OutcomeResult,
    QueueOutlook,
    clock_text,
    contact_zone,
    render_track_text,
    when_text,
)
from callcoach.storage.models import TalkTrack
from callcoach.tui.text import markup, plain

#: While the team server is unreachable, how often the screen tries to reach it again.
OFFLINE_RETRY_SECONDS = 5.0


def empty_list_text(list_name: str, outlook: QueueOutlook | None, now: datetime) -> str:
    """The contact card when the list has no one to call now, and why."""
    rows = [f"[b]No one to call on {markup(list_name)} right now.[/b]"]
    if outlook is not None and outlook.servable and outlook.next_due_at:
        wait = clock_text((outlook.next_due_at - now).total_seconds())
        rows.append(f"{outlook.servable} contacts come back later (next in {wait}).")
    elif outlook is not None and outlook.servable:
        rows.append(f"{outlook.servable} contacts are outside their calling hours.")
    else:
        rows.append("Every contact on it has been worked.")
    rows.append("Press [b]l[/b] for another list or [b]e[/b] to end the block.")
    return "\n".join(rows)


def offline_text(waiting: int) -> str:
    """The contact card while the team server is away, with the outcomes kept here."""
    saved = (
        f"{waiting} outcome(s) saved on this machine; they are written when it is back."
        if waiting
        else "Every outcome so far is on the server."
    )
    return (
        f"[b]Waiting for the team server.[/b]\n{saved}\n"
        f"Trying again every {OFFLINE_RETRY_SECONDS:g} s."
    )


def saved_line(outcome_label: str, result: OutcomeResult) -> tuple[str, str]:
    """The line after an outcome is saved, and its level ("ok", or "error" when the
    meeting's invite could not be written)."""
    text = f"Saved: {outcome_label} - {plain(result.contact.full_name)}."
    when = (
        result.callback.due_at
        if result.callback is not None
        else result.meeting.starts_at
        if result.meeting is not None
        else None
    )
    if when is not None:
        text += f" {when_text(when, contact_zone(result.contact.timezone))}."
    if result.ics_path is not None:
        text += f" Invite: {plain(result.ics_path)}"
        if result.ics_gaps:
            return f"{text} - but {plain('; '.join(result.ics_gaps))}.", "warn"
        return text, "ok"
    if result.ics_error:
        return f"{text} Meeting saved, but {plain(result.ics_error)}", "error"
    return text, "ok"


def track_preview(track: TalkTrack | None, rep_name: str) -> str:
    """The talk track shown once more before a block starts (markup, text escaped)."""
    if track is None:
        return "This list has no talk track: you will call without a script."

    def fill(text: str) -> str:
        return markup(render_track_text(text, None, rep_name, track), one_line=False)

    body = (
        f"[b]Engage[/b]  {fill(track.engage_statement)}\n\n"
        f"[b]Impact[/b]  {fill(track.impact_question)}\n\n"
        f"[b]Ask[/b]     {fill(track.meeting_ask)}"
    )
    if track.voicemail_script:
        body += f"\n\n[b]Voicemail[/b]  {fill(track.voicemail_script)}"
    return body


def resume_text(list_name: str, started_at: datetime, left: float, in_call: bool) -> str:
    """What the offer to resume an unfinished block says about it."""
    return f"{plain(list_name)}: started {started_at:%a %H:%M} UTC, {clock_text(left)} left" + (
        ", a call was in progress." if in_call else "."
    )


def live_elsewhere_text(list_name: str, started_at: datetime, where: str) -> str:
    """What the second window is told about a block another window is serving."""
    return (
        f"{plain(list_name)}: started {started_at:%a %H:%M} UTC, live in another window "
        f"({plain(where)}). Taking it over here ends that window's hold: it stops serving "
        "at its next key, and a call open there is logged here."
    )
