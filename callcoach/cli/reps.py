"""``callcoach reps``: list reps with role and activity; add one; change one."""

from __future__ import annotations

import argparse

from callcoach.cli.args import UserError, in_session
from callcoach.cli.output import local_minute, print_table, say


def cmd_reps_list(args: argparse.Namespace) -> int:
    """Print every rep with their role and activity."""
    from callcoach.core.reps import list_reps

    rows = in_session(args, list_reps)
    if not rows:
        say("No reps yet. Add one with: callcoach reps add NAME --role sdr")
        return 0
    table = [
        (
            r.name,
            r.role,
            r.email or "-",
            str(r.blocks),
            str(r.dials),
            local_minute(r.last_call_at),
            "" if r.active else "inactive",
        )
        for r in rows
    ]
    print_table(("Rep", "Role", "Email", "Blocks", "Dials", "Last call", ""), table)
    return 0


def cmd_reps_add(args: argparse.Namespace) -> int:
    """Add a rep with a role."""
    from callcoach.core.reps import add_rep

    rep = in_session(args, lambda session: add_rep(session, args.name, args.role, args.email))
    say(f"added {rep.name} ({rep.role})")
    return 0


def cmd_reps_set(args: argparse.Namespace) -> int:
    """Change a rep's role, email or active flag."""
    from callcoach.core.reps import update_rep

    if args.role is None and args.email is None and args.active is None:
        raise UserError("reps set: give --role, --email, --active or --inactive")
    rep = in_session(
        args,
        lambda session: update_rep(
            session, args.name, role=args.role, email=args.email, active=args.active
        ),
    )
    state = "" if rep.active else ", inactive"
    say(f"{rep.name}: {rep.role}{', ' + rep.email if rep.email else ''}{state}")
    return 0


def add_reps(sub: argparse._SubParsersAction) -> None:
    """``reps [list]``, ``reps add NAME``, ``reps set NAME``."""
    p = sub.add_parser("reps", help="list reps with their role; add a rep")
    p.set_defaults(handler=cmd_reps_list)
    rsub = p.add_subparsers(title="reps commands", metavar="ACTION")
    q = rsub.add_parser("list", help="list reps with role and activity (the default)")
    q.set_defaults(handler=cmd_reps_list)
    q = rsub.add_parser("add", help="add a rep")
    q.add_argument("name", metavar="NAME")
    q.add_argument("--role", choices=["sdr", "manager", "trainer"], default="sdr")
    q.add_argument("--email", metavar="ADDRESS")
    q.set_defaults(handler=cmd_reps_add)
    q = rsub.add_parser("set", help="change a rep's role, email or active flag")
    q.add_argument("name", metavar="NAME")
    q.add_argument("--role", choices=["sdr", "manager", "trainer"])
    q.add_argument("--email", metavar="ADDRESS", help="empty string clears it")
    q.add_argument("--active", dest="active", action="store_true", default=None)
    q.add_argument("--inactive", dest="active", action="store_false")
    q.set_defaults(handler=cmd_reps_set)
