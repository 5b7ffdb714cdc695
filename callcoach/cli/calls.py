"""``callcoach meetings`` and ``callbacks``: list them by scope; record meetings held or
not; release or reassign callbacks."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from callcoach.cli.args import in_session, number, open_db
from callcoach.cli.output import print_table, say


def _scoped_rows(
    args: argparse.Namespace,
    rep_names: Sequence[str],
    lister: Callable[..., list[Any]],
    now: datetime,
    noun: str,
) -> list[Any] | None:
    """``lister``'s rows for ``--scope`` and the reps named; None once it has said there
    are no ``noun``."""
    from callcoach.core.review.filters import resolve_rep_ids

    scope = args.scope
    rows = in_session(
        args, lambda session: lister(session, now, scope, resolve_rep_ids(session, rep_names))
    )
    if not rows:
        say(f"No {scope} {noun}." if scope != "all" else f"No {noun} yet.")
        return None
    return rows


def cmd_meetings_list(args: argparse.Namespace) -> int:
    """Print meetings: upcoming (default), past, unrecorded or all, with held/no-show."""
    from callcoach.clock import SystemClock
    from callcoach.core.calling.meetings import list_meetings
    from callcoach.core.lists.phones import display_phone
    from callcoach.core.review.filters import parse_zone

    zone = parse_zone(args.tz)
    scope = args.scope
    rows = _scoped_rows(args, args.meeting_rep or [], list_meetings, SystemClock().now(), "meetings")
    if rows is None:
        return 0
    table = [
        (
            str(r.id),
            r.starts_at.astimezone(zone).strftime("%a %Y-%m-%d %H:%M"),
            r.kind.replace("_", " "),
            r.rep,
            r.contact,
            r.company,
            r.email or display_phone(r.phone),
            r.status,
            "; ".join(r.agenda) or "-",
        )
        for r in rows
    ]
    say(f"{scope.capitalize()} meetings ({zone.key})")
    print_table(
        ("ID", "When", "Kind", "Rep", "Contact", "Company", "Email/phone", "Held", "Agenda"), table
    )
    if scope in ("past", "unrecorded"):
        say("Record them: callcoach meetings held ID... / callcoach meetings no-show ID...")
    return 0


def _record_meetings(args: argparse.Namespace, held: bool | None, word: str) -> int:
    from callcoach.clock import SystemClock
    from callcoach.core.calling.meetings import record_held

    ids = [int(number(v, "meeting id", whole=True)) for v in args.ids]
    done = in_session(args, lambda session: record_held(session, ids, held, SystemClock().now()))
    say(f"{len(done)} meeting{'s' if len(done) != 1 else ''} marked {word}: "
          + ", ".join(str(m.id) for m in done))
    return 0


def cmd_meetings_held(args: argparse.Namespace) -> int:
    """Mark meetings as held."""
    return _record_meetings(args, True, "held")


def cmd_meetings_no_show(args: argparse.Namespace) -> int:
    """Mark meetings as not held (no-show)."""
    return _record_meetings(args, False, "no-show")


def cmd_meetings_clear(args: argparse.Namespace) -> int:
    """Forget whether meetings were held (unknown again)."""
    return _record_meetings(args, None, "unknown")


def cmd_callbacks_list(args: argparse.Namespace) -> int:
    """Print callbacks: open (default), due or all, with who holds each."""
    from callcoach.clock import SystemClock
    from callcoach.core.calling.callbacks import list_callbacks
    from callcoach.core.lists.phones import display_phone
    from callcoach.core.review.filters import parse_zone

    zone = parse_zone(args.tz)
    scope = args.scope
    now = SystemClock().now()
    rows = _scoped_rows(args, args.cb_rep or [], list_callbacks, now, "callbacks")
    if rows is None:
        return 0
    table = [
        (
            str(r.id),
            r.due_at.astimezone(zone).strftime("%a %Y-%m-%d %H:%M"),
            r.status(now),
            r.rep,
            r.held_by,
            r.contact,
            r.company,
            display_phone(r.phone),
            r.list_name,
        )
        for r in rows
    ]
    say(f"{scope.capitalize()} callbacks ({zone.key})")
    print_table(
        ("ID", "Due", "Status", "Rep", "Served to", "Contact", "Company", "Phone", "List"),
        table,
    )
    if scope != "all":
        say("Hand them on: callcoach callbacks release ID... / "
              "callcoach callbacks assign ID... --to NAME")
    return 0


def _callback_targets(args: argparse.Namespace, session: object) -> tuple[list[int], tuple]:
    from callcoach.core.review.filters import resolve_rep_ids

    ids = [int(number(v, "callback id", whole=True)) for v in args.ids]
    return ids, resolve_rep_ids(session, args.cb_from or [])


def _said(callbacks: list, word: str) -> None:
    n = len(callbacks)
    if not n:
        say(f"No open callbacks to {word}.")
        return
    say(f"{n} callback{'s' if n != 1 else ''} {word}: " + ", ".join(str(c.id) for c in callbacks))


def cmd_callbacks_release(args: argparse.Namespace) -> int:
    """Release callbacks to the team: any rep working the list is served them when due."""
    from callcoach.core.calling.callbacks import release_callbacks

    db = open_db(args)
    with db.session() as session:
        ids, from_reps = _callback_targets(args, session)
        done = release_callbacks(session, ids, from_reps)
    _said(done, "released to the team")
    return 0


def cmd_callbacks_assign(args: argparse.Namespace) -> int:
    """Give callbacks to another rep."""
    from callcoach.core.calling.callbacks import assign_callbacks
    from callcoach.core.review.filters import resolve_rep_ids

    db = open_db(args)
    with db.session() as session:
        ids, from_reps = _callback_targets(args, session)
        (to,) = resolve_rep_ids(session, [args.to], "--to")
        done = assign_callbacks(session, to, ids, from_reps)
    _said(done, f"assigned to {args.to}")
    return 0


def _listing_with_scopes(
    p: argparse.ArgumentParser,
    noun: str,
    handler: Callable[[argparse.Namespace], int],
    rep_dest: str,
    rep_help: str,
    scopes: Sequence[tuple[str, str]],
) -> argparse._SubParsersAction:
    """A listing command (``callcoach meetings``, ``callbacks``): ``--rep`` and ``--tz``,
    the first scope by default and one action per scope; returns the actions, for more."""

    def listing_options(parser: argparse.ArgumentParser, default: object) -> None:
        # SUPPRESS on the actions: options given before the action are not reset by it
        parser.add_argument("--rep", dest=rep_dest, action="append", metavar="NAME",
                            default=default, help=rep_help)
        parser.add_argument("--tz", metavar="ZONE", default=default,
                            help="display time zone (default: this machine's)")

    listing_options(p, None)
    p.set_defaults(handler=handler, scope=scopes[0][0])
    actions = p.add_subparsers(title=f"{noun} commands", metavar="ACTION")
    for scope, text in scopes:
        q = actions.add_parser(scope, help=text)
        listing_options(q, argparse.SUPPRESS)
        q.set_defaults(handler=handler, scope=scope)
    return actions


def add_meetings(sub: argparse._SubParsersAction) -> None:
    """``meetings [upcoming|past|unrecorded|all]``, ``meetings held|no-show|clear ID...``."""
    p = sub.add_parser("meetings", help="meetings booked on calls; record whether each was held")

    msub = _listing_with_scopes(
        p, "meetings", cmd_meetings_list, "meeting_rep", "only this rep's meetings (repeatable)",
        (("upcoming", "meetings still to come, soonest first (the default)"),
         ("past", "meetings that have started, latest first"),
         ("unrecorded", "past meetings nobody has marked held or no-show"),
         ("all", "every meeting, latest first")),
    )
    for action, handler, text in (
        ("held", cmd_meetings_held, "mark past meetings as held"),
        ("no-show", cmd_meetings_no_show, "mark past meetings as not held"),
        ("clear", cmd_meetings_clear, "forget whether meetings were held"),
    ):
        q = msub.add_parser(action, help=text)
        q.add_argument("ids", nargs="+", metavar="ID")
        q.set_defaults(handler=handler)


def add_callbacks(sub: argparse._SubParsersAction) -> None:
    """``callbacks [open|due|all]``, ``callbacks release|assign ID...``."""
    p = sub.add_parser(
        "callbacks", help="callbacks prospects asked for: who holds them; release or reassign"
    )

    csub = _listing_with_scopes(
        p, "callbacks", cmd_callbacks_list, "cb_rep", "only callbacks this rep took (repeatable)",
        (("open", "callbacks not called back yet, soonest first (the default)"),
         ("due", "open callbacks that are due now"),
         ("all", "every callback, latest due first")),
    )
    for action, handler, text in (
        ("release", cmd_callbacks_release,
         "release callbacks to the team: any rep on the list is served them when due"),
        ("assign", cmd_callbacks_assign, "give callbacks to another rep"),
    ):
        q = csub.add_parser(action, help=text)
        q.add_argument("ids", nargs="*", metavar="ID")
        q.add_argument("--rep", dest="cb_from", action="append", metavar="NAME",
                       help="every open callback this rep took (repeatable)")
        if action == "assign":
            q.add_argument("--to", required=True, metavar="NAME", help="the rep who takes them")
        q.set_defaults(handler=handler)
