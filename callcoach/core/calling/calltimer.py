"""The shape of a call in time: which phase a call is in after N seconds, with its cue.

Pure functions over :class:`callcoach.config.CallPhases`; widgets only render the result,
so phase boundaries live in configuration and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from callcoach.config import CallPhases

ORDINALS = {1: "1st", 2: "2nd", 3: "3rd"}


def ordinal(n: int) -> str:
    """1 -> "1st", 2 -> "2nd", 4 -> "4th"."""
    return ORDINALS.get(n, f"{n}th")


def clock_text(seconds: float) -> str:
    """Seconds as m:ss (negative clamps to 0:00; an hour or more as h:mm:ss)."""
    total = max(0, int(seconds))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


@dataclass(frozen=True)
class CallPhase:
    """Where a call stands: a key for styling, a short label and the coaching cue."""

    key: str  # engage | ask | objections | warn | stop
    label: str
    cue: str
    level: str  # ok | warn | stop
    objection_number: int | None = None
    starts_at: int = 0  # seconds from the dial
    ends_at: int | None = None
    #: the talk-track parts to read now: "engage", "impact", "ask", "rebuttal"
    focus: tuple[str, ...] = ()


def phase_at(elapsed: float, phases: CallPhases) -> CallPhase:
    """The phase of a call ``elapsed`` seconds after the dial."""
    e = max(0.0, elapsed)
    if e < phases.engage_until:
        return CallPhase(
            "engage",
            f"0:00-{clock_text(phases.engage_until)} Engage + impact",
            "Introduce yourself, give the engage statement, ask the impact question.",
            "ok",
            starts_at=0,
            ends_at=phases.engage_until,
        )
    if e < phases.ask_until:
        return CallPhase(
            "ask",
            f"{clock_text(phases.engage_until)}-{clock_text(phases.ask_until)} Ask",
            "Use their answer: ask for the meeting - a date and a time.",
            "ok",
            starts_at=phases.engage_until,
            ends_at=phases.ask_until,
        )
    if e < phases.warn_at:
        n = 1 + int((e - phases.ask_until) // phases.objection_seconds)
        start = phases.ask_until + (n - 1) * phases.objection_seconds
        return CallPhase(
            "objections",
            f"{clock_text(phases.ask_until)}-{clock_text(phases.warn_at)} Objection {n}",
            f"Objections (~{phases.objection_seconds} s each): acknowledge, back to the impact, "
            "ask for the meeting again.",
            "ok",
            objection_number=n,
            starts_at=start,
            ends_at=min(start + phases.objection_seconds, phases.warn_at),
        )
    if e < phases.stop_at:
        return CallPhase(
            "warn",
            f"{clock_text(phases.warn_at)} Diminishing returns",
            f"Past {clock_text(phases.warn_at)}: diminishing returns - ask once more or wrap up.",
            "warn",
            starts_at=phases.warn_at,
            ends_at=phases.stop_at,
        )
    return CallPhase(
        "stop",
        f"{clock_text(phases.stop_at)} End the call",
        f"Past {clock_text(phases.stop_at)}: end the call now, log it and dial the next one.",
        "stop",
        starts_at=phases.stop_at,
    )


def call_phase(elapsed: float, objections_logged: int, phases: CallPhases) -> CallPhase:
    """The phase of the call as it actually goes: the clock until the prospect objects,
    then the objection being handled (the Nth logged), with the 2:00 and 3:00 warnings
    on top. Its ``focus`` names the talk-track parts the rep should be reading."""
    e = max(0.0, elapsed)
    n = max(0, objections_logged)
    if e >= phases.warn_at:
        timed = phase_at(e, phases)
        focus = ("rebuttal",) if n else ("ask",)
        return replace(timed, objection_number=n or None, focus=focus)
    if n == 0:
        if e < phases.ask_until:
            timed = phase_at(e, phases)
            return replace(timed, focus=("engage", "impact") if timed.key == "engage" else ("ask",))
        # Past the ask with no objection logged: still asking (the clock alone would
        # claim objections the prospect has not raised).
        return CallPhase(
            "ask",
            f"{clock_text(phases.engage_until)}-{clock_text(phases.warn_at)} Ask",
            "Ask for the meeting - a date and a time. When they object, press o.",
            "ok",
            starts_at=phases.engage_until,
            ends_at=phases.warn_at,
            focus=("ask",),
        )
    return CallPhase(
        "objections",
        f"Objection {n} (~{phases.objection_seconds} s)",
        f"~{phases.objection_seconds} s: acknowledge, back to the impact, ask again.",
        "ok",  # the objection panel shows the count's level; the timer keeps time's
        objection_number=n,
        starts_at=phases.ask_until,
        ends_at=phases.warn_at,
        focus=("rebuttal",),
    )


def phase_boundaries(phases: CallPhases) -> list[int]:
    """Every instant (seconds from the dial) at which the phase or its cue changes."""
    points = {0, phases.engage_until, phases.ask_until, phases.warn_at, phases.stop_at}
    t = phases.ask_until
    while t < phases.warn_at:
        points.add(t)
        t += phases.objection_seconds
    return sorted(points)


def objection_cue(count: int) -> str:
    """The method's cue for the number of objections raised so far on this call."""
    if count <= 0:
        return "No objection yet: get to the ask."
    if count == 1:
        return "1st objection: a reflex, not a reason. Take it away and ask again."
    if count == 2:
        return "2nd objection: answer briefly, return to the impact, ask again."
    if count == 3:
        return "3rd objection: decide now - meeting, callback or end the call."
    if count == 4:
        return "4th objection: this is the last one. Ask once more, then end the call."
    return f"{ordinal(count)} objection: past four - end the call and dial the next one."
