"""The outcome catalogue: one row per outcome, and everything derived from the rows."""

from __future__ import annotations

from callcoach.catalog.outcomes import (
    ASKED_OUTCOMES,
    BY_KEY,
    CONNECT_OUTCOMES,
    KEY_RANGE,
    OUTCOME_KEYS,
    OUTCOMES,
    RETRY_OUTCOMES,
    ContactStatus,
    Outcome,
    Settlement,
    is_connect,
    is_conversation,
    keys_of,
    label,
)


def test_every_outcome_has_one_row_with_its_own_key():
    assert [kind.outcome for kind in OUTCOMES] == list(Outcome)
    assert len({kind.key for kind in OUTCOMES}) == len(OUTCOMES)
    assert len({kind.binding_id for kind in OUTCOMES}) == len(OUTCOMES)
    assert KEY_RANGE == "1-8"
    assert OUTCOME_KEYS["7"] is Outcome.MEETING and BY_KEY["8"].outcome is Outcome.DO_NOT_CALL


def test_the_method_sets_follow_from_the_rows():
    # METHOD.md: a connect is any outcome where the target person answered (5-8).
    assert keys_of([k for k in OUTCOMES if k.outcome in CONNECT_OUTCOMES]) == "5-8"
    assert ASKED_OUTCOMES == {Outcome.CALLBACK, Outcome.MEETING}
    assert RETRY_OUTCOMES == {Outcome.NO_ANSWER, Outcome.VOICEMAIL, Outcome.GATEKEEPER}
    retried = {k.next_status for k in OUTCOMES if k.retried}
    assert retried == {ContactStatus.RETRY}


def test_rules_in_python():
    assert is_connect("gatekeeper", 1) and not is_connect("voicemail", 0)
    assert is_conversation("meeting", 0) and not is_conversation("do_not_call", 0)
    assert is_conversation("no_answer", 2)


def test_objection_settlement():
    settles = {k.outcome: k.settles for k in OUTCOMES}
    assert settles[Outcome.MEETING] is settles[Outcome.CALLBACK] is Settlement.OVERCOME
    assert settles[Outcome.NOT_INTERESTED] is settles[Outcome.DO_NOT_CALL] is Settlement.LAST_LOST
    assert settles[Outcome.NO_ANSWER] is Settlement.NONE


def test_labels_and_key_lists():
    assert label("meeting") == "meeting set"
    assert label(Outcome.NOT_INTERESTED) == "connected - not interested"
    assert label("something_else") == "something_else"
    assert keys_of(OUTCOMES[:2]) == "1, 2"
    assert keys_of([OUTCOMES[0], OUTCOMES[2]]) == "1, 3"
