"""``callcoach notes``: coaching notes a manager or trainer writes for a rep; list and add."""

from __future__ import annotations

import argparse

from callcoach.cli.args import UserError, number, open_db, settings_of
from callcoach.cli.output import local_minute, print_table, say


def cmd_notes_list(args: argparse.Namespace) -> int:
    """List coaching notes, newest first (one rep's with --rep)."""
    from callcoach.core.review.filters import resolve_rep_ids
    from callcoach.core.review.notes import list_notes

    db = open_db(args)
    with db.session() as session:
        rep_ids = resolve_rep_ids(session, args.note_rep or ())
        rows = list_notes(session, rep_ids=rep_ids, unread_only=args.unread)
    if not rows:
        say("No coaching notes yet. Write one with: callcoach notes add --rep NAME --text ...")
        return 0
    print_table(
        ("ID", "Written", "Rep", "By", "About", "Read", "Note"),
        [
            (str(n.id), local_minute(n.written_at), n.rep, n.author or "-", n.about or "-",
             local_minute(n.read_at) if n.read_at else "unread", " ".join(n.text.split()))
            for n in rows
        ],
    )
    return 0


def cmd_notes_add(args: argparse.Namespace) -> int:
    """Write a coaching note for a rep (the author: --as, else the global --rep or settings)."""
    from callcoach.clock import SystemClock
    from callcoach.core.reps import require_rep
    from callcoach.core.review.notes import add_note

    author_name = args.note_author or args.rep or settings_of(args).rep
    if not author_name:
        raise UserError('notes add: say who writes it with --as NAME (or rep = "NAME" in the '
                        "settings file)")
    attempt = int(number(args.attempt, "--attempt", whole=True)) if args.attempt else None
    block = int(number(args.block, "--block", whole=True)) if args.block else None
    db = open_db(args)
    with db.session() as session:
        rep = require_rep(session, args.note_rep, "--rep")
        source = "--as" if args.note_author else "--rep" if args.rep else "the settings' rep"
        author = require_rep(session, author_name, source)
        note = add_note(
            session, rep_id=int(rep.id or 0), author_id=int(author.id or 0), text=args.text,
            now=SystemClock().now(), attempt_id=attempt, block_id=block,
            objection_key=args.objection,
        )
    about = f" about {note.about}" if note.about else ""
    say(f"note {note.id} for {note.rep} by {note.author}{about}, {local_minute(note.written_at)}")
    return 0


def add_notes(sub: argparse._SubParsersAction) -> None:
    """``notes [list] [--rep NAME] [--unread]``, ``notes add --rep NAME --text TEXT``."""
    p = sub.add_parser("notes", help="coaching notes for reps: list (the default) or add")

    def list_options(parser: argparse.ArgumentParser, default: object) -> None:
        # SUPPRESS on the action's copies: options given before ``list`` are not reset by it
        parser.add_argument("--rep", dest="note_rep", action="append", metavar="NAME",
                            default=default, help="only this rep's notes (repeatable)")
        parser.add_argument("--unread", action="store_true",
                            default=default if default is argparse.SUPPRESS else False,
                            help="only notes the rep has not read yet")

    list_options(p, None)
    p.set_defaults(handler=cmd_notes_list)
    nsub = p.add_subparsers(title="notes commands", metavar="ACTION")
    q = nsub.add_parser("list", help="list notes, newest first (the default)")
    list_options(q, argparse.SUPPRESS)
    q.set_defaults(handler=cmd_notes_list)
    q = nsub.add_parser("add", help="write a note for a rep (as a manager or trainer)")
    q.add_argument("--rep", dest="note_rep", required=True, metavar="NAME",
                   help="the rep the note is for")
    q.add_argument("--text", required=True, metavar="TEXT", help="the note")
    q.add_argument("--as", dest="note_author", metavar="NAME",
                   help="who writes it (default: the global --rep, else the settings' rep)")
    about = q.add_mutually_exclusive_group()
    about.add_argument("--attempt", metavar="ID", help="about this call attempt")
    about.add_argument("--block", metavar="ID", help="about this call block")
    about.add_argument("--objection", metavar="KEY", help="about this objection (its key)")
    q.set_defaults(handler=cmd_notes_add)
