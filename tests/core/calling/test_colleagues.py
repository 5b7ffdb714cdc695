"""Same-company colleagues on the contact card: who at the company was reached (the person
answered) in this block or in the last 30 days, with the outcome of their latest such call.
Both engines."""

from __future__ import annotations

from datetime import timedelta

from callcoach.catalog.outcomes import Outcome
from callcoach.core.calling import lifecycle
from callcoach.core.calling.colleagues import same_company_colleagues
from callcoach.storage.models import CallAttempt, Contact
from tests.support.blockkit import make_list, make_rep


def _attempt(s, block_id, rep_id, list_id, contact_id, outcome, at, connected=True):
    s.add(
        CallAttempt(
            block_id=block_id,
            rep_id=rep_id,
            contact_id=contact_id,
            list_id=list_id,
            dialed_at=at - timedelta(minutes=2),
            ended_at=at,
            logged_at=at,
            outcome=outcome.value,
            connected=connected,
        )
    )


def test_colleagues_reached_in_this_block_or_lately(db, clock):
    rep = make_rep(db)
    people = [
        {"first_name": "Ada", "last_name": "Byron", "company": "Molar Works", "title": "Owner"},
        {"first_name": "Ben", "last_name": "Cole", "company": "molar works "},
        {"first_name": "Cy", "last_name": "Dunn", "company": "Molar Works"},
        {"first_name": "Di", "last_name": "Ek", "company": "Gum Care"},
        {"first_name": "Ed", "last_name": "Fox", "company": " MOLAR WORKS", "title": "CFO"},
        {"first_name": "Zed", "last_name": "Young", "company": "Molar Works"},
        {"first_name": "Flo", "last_name": "Gee", "company": "Molar Works"},
    ]
    list_id, (ada, ben, cy, di, ed, zed, flo) = make_list(db, contacts=people)
    old_block = lifecycle.start_block(db, clock, rep_id=rep, list_id=list_id)
    lifecycle.end_block(db, clock, old_block.id)
    clock.advance(3600)
    block = lifecycle.start_block(db, clock, rep_id=rep, list_id=list_id)
    now = clock.now()
    with db.transaction() as s:
        # Ada: reached twice in this block; the latest outcome is the one shown.
        _attempt(s, block.id, rep, list_id, ada, Outcome.NOT_INTERESTED, now - timedelta(minutes=9))
        _attempt(s, block.id, rep, list_id, ada, Outcome.CALLBACK, now - timedelta(minutes=5))
        # Ben: no answer (not reached) in this block.
        _attempt(s, block.id, rep, list_id, ben, Outcome.NO_ANSWER, now - timedelta(minutes=3),
                 connected=False)
        # Cy: reached 40 days ago: too old.
        _attempt(s, old_block.id, rep, list_id, cy, Outcome.NOT_INTERESTED, now - timedelta(days=40))
        # Di: another company.
        _attempt(s, block.id, rep, list_id, di, Outcome.NOT_INTERESTED, now - timedelta(minutes=1))
        # Ed: reached ten days ago in another block.
        _attempt(s, old_block.id, rep, list_id, ed, Outcome.NOT_INTERESTED, now - timedelta(days=10))
        # Flo: dialled, still in the call (no outcome): not shown.
        s.add(CallAttempt(block_id=block.id, rep_id=rep, contact_id=flo, list_id=list_id,
                          dialed_at=now, connected=True))

    with db.session() as s:
        shown = same_company_colleagues(s, s.get(Contact, zed), block.id, now)
        assert [(c.full_name, c.outcome, c.this_block) for c in shown] == [
            ("Ada Byron", Outcome.CALLBACK.value, True),
            ("Ed Fox", Outcome.NOT_INTERESTED.value, False),
        ]
        assert shown[0].title == "Owner" and shown[0].called_at == now - timedelta(minutes=5)
        assert shown[1].called_at == now - timedelta(days=10)
        # The contact itself is never its own colleague.
        assert [c.full_name for c in same_company_colleagues(s, s.get(Contact, ada), block.id, now)] == [
            "Ed Fox"
        ]
        # A shorter window drops Ed; a contact with no company has no colleagues.
        assert [c.full_name for c in same_company_colleagues(s, s.get(Contact, zed), block.id, now,
                                                              days=5)] == ["Ada Byron"]
        assert same_company_colleagues(s, Contact(id=999, company="  "), block.id, now) == []
        # At most ``limit``.
        assert len(same_company_colleagues(s, s.get(Contact, zed), block.id, now, limit=1)) == 1
