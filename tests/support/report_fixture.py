"""A small, hand-computed call history for the manager-review tests.

Display zone America/New_York. The fake clock stands at Mon 2026-11-23 14:00 UTC (09:00 in
New York), so "last week" is Mon 2026-11-16 .. Sun 2026-11-22 and "this week" starts
2026-11-23. Every figure the tests assert is worked out by hand in the comments below.

Attempts (local New York time of the dial; * = connect, c = conversation, M = meeting):

block B1 Ana, SaaS East, Mon 11-16 09:00
   1 09:01 no_answer        30s gap 10
   2 09:03 voicemail        40s gap 20
   3 09:05 not_interested*  60s gap 15
   4 09:08 meeting*cM      150s gap  5  [send_info overcome]            held = True
   5 09:12 callback*c      200s gap 30
   6 09:16 gatekeeper*c     25s gap 10  [send_info not overcome]  (connect via objection)
block B2 Ana, Retail West, Wed 11-18 14:00
   7 14:01 no_answer        20s gap  0
   8 14:03 meeting*cM      190s gap 12  [not_interested ok, budget ok]   held = False
   9 14:08 do_not_call*     30s gap  8
block B3 Ben, SaaS East, Thu 11-19 10:00
  10 10:01 no_answer        30s gap  5
  11 10:03 wrong_number     10s gap  5
  12 10:05 not_interested*c 100s gap 20 [budget x, send_info x, not_interested x]
  13 10:09 meeting*cM      170s gap 10                                   held unknown
  14 10:12 (in progress: outcome NULL, never counted)
block B6 Ben, SaaS East, Sun 11-22 23:20 (04:20 UTC Monday: last week locally!)
  19 23:21 no_answer        20s gap 30
block B4 Ben, Retail West, Mon 11-23 08:00 (this week)
  15 08:01 voicemail        30s gap  0
  16 08:04 callback*c       90s gap 10  [not_interested ok]
block B5 Ana, SaaS East, Wed 10-28 09:00 EDT (October, before the DST change)
  17 09:01 meeting*cM      120s gap  0  [send_info ok, budget ok, not_interested ok,
                                          send_info ok]                  held = True
  18 09:05 no_answer        30s gap 20
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from callcoach.storage.db import Database
from callcoach.storage.models import (
    AttemptObjection,
    CallAttempt,
    CallBlock,
    CallList,
    Contact,
    Meeting,
    Objection,
    Rep,
    WeeklyGoal,
)

NY = ZoneInfo("America/New_York")
ZONE = "America/New_York"
CONNECT = {"not_interested", "callback", "meeting", "do_not_call"}

# (number, block, local dial time, seconds, gap, outcome, objections, held)
ATTEMPTS = [
    (1, "B1", "2026-11-16 09:01", 30, 10, "no_answer", [], None),
    (2, "B1", "2026-11-16 09:03", 40, 20, "voicemail", [], None),
    (3, "B1", "2026-11-16 09:05", 60, 15, "not_interested", [], None),
    (4, "B1", "2026-11-16 09:08", 150, 5, "meeting", [("send_info", True)], True),
    (5, "B1", "2026-11-16 09:12", 200, 30, "callback", [], None),
    (6, "B1", "2026-11-16 09:16", 25, 10, "gatekeeper", [("send_info", False)], None),
    (7, "B2", "2026-11-18 14:01", 20, 0, "no_answer", [], None),
    (8, "B2", "2026-11-18 14:03", 190, 12, "meeting",
     [("not_interested", True), ("budget", True)], False),
    (9, "B2", "2026-11-18 14:08", 30, 8, "do_not_call", [], None),
    (10, "B3", "2026-11-19 10:01", 30, 5, "no_answer", [], None),
    (11, "B3", "2026-11-19 10:03", 10, 5, "wrong_number", [], None),
    (12, "B3", "2026-11-19 10:05", 100, 20, "not_interested",
     [("budget", False), ("send_info", False), ("not_interested", False)], None),
    (13, "B3", "2026-11-19 10:09", 170, 10, "meeting", [], None),
    (14, "B3", "2026-11-19 10:12", None, 3, None, [], None),
    (19, "B6", "2026-11-22 23:21", 20, 30, "no_answer", [], None),
    (15, "B4", "2026-11-23 08:01", 30, 0, "voicemail", [], None),
    (16, "B4", "2026-11-23 08:04", 90, 10, "callback", [("not_interested", True)], None),
    (17, "B5", "2026-10-28 09:01", 120, 0, "meeting",
     [("send_info", True), ("budget", True), ("not_interested", True), ("send_info", True)],
     True),
    (18, "B5", "2026-10-28 09:05", 30, 20, "no_answer", [], None),
]

BLOCKS = {
    "B1": ("Ana", "SaaS East", "2026-11-16 09:00"),
    "B2": ("Ana", "Retail West", "2026-11-18 14:00"),
    "B3": ("Ben", "SaaS East", "2026-11-19 10:00"),
    "B6": ("Ben", "SaaS East", "2026-11-22 23:20"),
    "B4": ("Ben", "Retail West", "2026-11-23 08:00"),
    "B5": ("Ana", "SaaS East", "2026-10-28 09:00"),
}

GOALS = [
    ("Ana", date(2026, 11, 16), 3, 40, 2),
    ("Ben", date(2026, 11, 16), 2, 30, 1),
    ("Ana", date(2026, 11, 23), 4, 50, 2),
]


def local(text: str) -> datetime:
    """A New York wall-clock time as aware UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=NY).astimezone(UTC)


def build(db: Database) -> dict[str, int]:
    """Write the history; returns ids by name (reps, lists, blocks)."""
    ids: dict[str, int] = {}
    with db.transaction() as s:
        for name, role in (("Ana", "sdr"), ("Ben", "sdr"), ("Mia", "manager")):
            rep = Rep(name=name, role=role)
            s.add(rep)
            s.flush()
            ids[name] = rep.id
        for name, dim, value in (("SaaS East", "vertical", "saas"),
                                 ("Retail West", "region", "west")):
            cl = CallList(name=name, cluster_dimension=dim, cluster_value=value)
            s.add(cl)
            s.flush()
            ids[name] = cl.id
        objections = {}
        for pos, (key, text) in enumerate(
            (("send_info", "Send me some information"), ("not_interested", "Not interested"),
             ("budget", "No budget"))
        ):
            o = Objection(key=key, text=text, rebuttal="...", position=pos)
            s.add(o)
            s.flush()
            objections[key] = o.id
        for bname, (rep, lst, start) in BLOCKS.items():
            b = CallBlock(rep_id=ids[rep], list_id=ids[lst], started_at=local(start),
                          ended_at=local(start) + timedelta(minutes=52), status="finished")
            s.add(b)
            s.flush()
            ids[bname] = b.id
        for number, bname, when, secs, gap, outcome, objs, held in ATTEMPTS:
            rep, lst, _ = BLOCKS[bname]
            contact = Contact(list_id=ids[lst], first_name=f"C{number}",
                              phone=f"+1212555{number:04d}")
            s.add(contact)
            s.flush()
            dialed = local(when)
            done = dialed + timedelta(seconds=secs) if secs is not None else None
            connect = outcome in CONNECT or bool(objs)
            a = CallAttempt(
                block_id=ids[bname], rep_id=ids[rep], contact_id=contact.id, list_id=ids[lst],
                dialed_at=dialed, ended_at=done, logged_at=done, outcome=outcome,
                duration_seconds=secs, gap_seconds=gap, connected=connect,
                conversation=bool(objs) or outcome in ("meeting", "callback"),
            )
            s.add(a)
            s.flush()
            ids[f"A{number}"] = a.id
            for pos, (key, overcome) in enumerate(objs, start=1):
                s.add(AttemptObjection(attempt_id=a.id, objection_id=objections[key],
                                       position=pos, raised_at=dialed + timedelta(seconds=60),
                                       overcome=overcome))
            if outcome == "meeting":
                s.add(Meeting(attempt_id=a.id, contact_id=contact.id, rep_id=ids[rep],
                              starts_at=dialed + timedelta(days=3), held=held))
        for rep, week, blocks, dials, meetings in GOALS:
            s.add(WeeklyGoal(rep_id=ids[rep], week_start=week, blocks=blocks, dials=dials,
                             meetings=meetings))
    return ids
