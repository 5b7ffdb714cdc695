"""The outcome catalogue: every way a call can end, defined once.

Each row says which key logs it, how it is stored, how it is labelled, whether it counts
as a connect or a conversation, whether an unreached contact comes back for another try,
and which queue status the contact moves to. The block screen's bindings and footer, the
help screen, the queue's retry rules and status map, the scorecard's definitions and the
storage layer's column values are all derived from :data:`OUTCOMES`. Adding an outcome is
one row here (plus its tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ContactStatus(StrEnum):
    """Where a contact stands in the calling queue."""

    NEW = "new"  # never called
    RETRY = "retry"  # unreached, due again at next_call_at
    CALLBACK = "callback"  # asked to be called back at next_call_at
    MEETING = "meeting"  # meeting set: never served again
    NOT_INTERESTED = "not_interested"
    BAD_DATA = "bad_data"  # wrong number / bad data
    EXHAUSTED = "exhausted"  # max attempts reached
    DO_NOT_CALL = "dnc"


class Outcome(StrEnum):
    """How a call ended (stored as its value); the key order is the catalogue's."""

    NO_ANSWER = "no_answer"
    VOICEMAIL = "voicemail"
    GATEKEEPER = "gatekeeper"
    WRONG_NUMBER = "wrong_number"
    NOT_INTERESTED = "not_interested"
    CALLBACK = "callback"
    MEETING = "meeting"
    DO_NOT_CALL = "do_not_call"


class Settlement(StrEnum):
    """What an outcome says about the call's objections the rep left unmarked."""

    NONE = "none"  # nothing: they stay unmarked
    OVERCOME = "overcome"  # a meeting or callback: every one was taken away
    LAST_LOST = "last_lost"  # a refusal: the last one raised won


@dataclass(frozen=True)
class OutcomeKind:
    """One row of the catalogue."""

    outcome: Outcome
    key: str  # the block screen key that logs it
    label: str  # the status line and reports: "connected - not interested"
    short: str  # the footer: "NotInt"
    connect: bool  # the target person answered
    asked: bool  # a meeting or callback was asked for: a conversation even with no objection
    retried: bool  # the contact comes back later (until the attempts run out)
    next_status: ContactStatus  # the contact's status after it (RETRY: due again later)
    settles: Settlement = Settlement.NONE  # how unmarked objections are marked when it is logged

    @property
    def value(self) -> str:
        """The stored value (``call_attempt.outcome``)."""
        return self.outcome.value

    @property
    def binding_id(self) -> str:
        """The block screen's binding id for this outcome's key (remappable by id)."""
        return f"block.{self.outcome.value}"


OUTCOMES: tuple[OutcomeKind, ...] = (
    OutcomeKind(Outcome.NO_ANSWER, "1", "no answer", "NoAns",
                connect=False, asked=False, retried=True, next_status=ContactStatus.RETRY),
    OutcomeKind(Outcome.VOICEMAIL, "2", "voicemail left", "VM",
                connect=False, asked=False, retried=True, next_status=ContactStatus.RETRY),
    OutcomeKind(Outcome.GATEKEEPER, "3", "gatekeeper", "Gatekpr",
                connect=False, asked=False, retried=True, next_status=ContactStatus.RETRY),
    OutcomeKind(Outcome.WRONG_NUMBER, "4", "wrong number / bad data", "Wrong#",
                connect=False, asked=False, retried=False, next_status=ContactStatus.BAD_DATA),
    OutcomeKind(Outcome.NOT_INTERESTED, "5", "connected - not interested", "NotInt",
                connect=True, asked=False, retried=False, next_status=ContactStatus.NOT_INTERESTED,
                settles=Settlement.LAST_LOST),
    OutcomeKind(Outcome.CALLBACK, "6", "callback requested", "Callbk",
                connect=True, asked=True, retried=False, next_status=ContactStatus.CALLBACK,
                settles=Settlement.OVERCOME),
    OutcomeKind(Outcome.MEETING, "7", "meeting set", "Meeting",
                connect=True, asked=True, retried=False, next_status=ContactStatus.MEETING,
                settles=Settlement.OVERCOME),
    OutcomeKind(Outcome.DO_NOT_CALL, "8", "do not call", "DNC",
                connect=True, asked=False, retried=False, next_status=ContactStatus.DO_NOT_CALL,
                settles=Settlement.LAST_LOST),
)

#: Catalogue rows by outcome, and by the key that logs them.
BY_OUTCOME: dict[Outcome, OutcomeKind] = {kind.outcome: kind for kind in OUTCOMES}
BY_KEY: dict[str, OutcomeKind] = {kind.key: kind for kind in OUTCOMES}

#: The outcome keys in catalogue order, and as a range for messages ("1-8").
OUTCOME_KEYS: dict[str, Outcome] = {kind.key: kind.outcome for kind in OUTCOMES}
KEY_RANGE = f"{OUTCOMES[0].key}-{OUTCOMES[-1].key}"

#: Derived sets: where the target person answered, where a meeting or callback was asked
#: for, and where an unreached contact is tried again later.
CONNECT_OUTCOMES = frozenset(kind.outcome for kind in OUTCOMES if kind.connect)
ASKED_OUTCOMES = frozenset(kind.outcome for kind in OUTCOMES if kind.asked)
RETRY_OUTCOMES = frozenset(kind.outcome for kind in OUTCOMES if kind.retried)


def label(outcome: Outcome | str) -> str:
    """The outcome's label ("meeting set"); an unknown stored value is shown as it is."""
    try:
        return BY_OUTCOME[Outcome(outcome)].label
    except ValueError:
        return str(outcome)


def keys_of(kinds: tuple[OutcomeKind, ...] | list[OutcomeKind]) -> str:
    """The keys of some outcomes as a reader says them: "5-8" for a run, "1, 3" otherwise."""
    keys = [kind.key for kind in kinds]
    if len(keys) > 2 and all(int(b) - int(a) == 1 for a, b in zip(keys, keys[1:], strict=False)):
        return f"{keys[0]}-{keys[-1]}"
    return ", ".join(keys)


def is_connect(outcome: str | None, objections: int = 0) -> bool:
    """A connect: the target person answered, or an objection was logged on the call."""
    return outcome in CONNECT_OUTCOMES or objections > 0


def is_conversation(outcome: str | None, objections: int = 0) -> bool:
    """A conversation: a connect past the opening (an objection, or a meeting/callback asked)."""
    return objections > 0 or outcome in ASKED_OUTCOMES
