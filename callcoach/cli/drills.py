"""``callcoach drill``: objection drills in the TUI, and drill sets loaded, listed, made from
a talk track; drill progress per trainee."""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from callcoach.cli.args import UserError, check_rep_flag, in_session, open_db, settings_of
from callcoach.cli.output import local_minute, print_table, say
from callcoach.core.drills.figures import number_text, percent_text, trend_text

if TYPE_CHECKING:
    from sqlmodel import Session

    from callcoach.core.drills.assignments import AssignmentStatus


def cmd_drill(args: argparse.Namespace) -> int:
    """Run objection drills in the TUI (or list the speech voices)."""
    from callcoach.core.drills.speech import Pyttsx3Synthesizer, SpeechError, make_speaker

    settings = settings_of(args)
    voice = args.voice or settings.drill.voice
    rate = args.rate if args.rate is not None else settings.drill.rate
    if not 80 <= rate <= 450:
        raise UserError(f"--rate {rate}: expected 80 to 450 words per minute")
    if args.list_voices or (voice and not args.no_voice):
        synth = Pyttsx3Synthesizer()
        try:
            voices = synth.voices()
        except SpeechError as exc:
            raise UserError(f"cannot list voices: {exc}") from None
        finally:
            synth.close()
        if args.list_voices:
            print_table(
                ("Voice id", "Name", "Languages"),
                [(v.id, v.name, ",".join(v.languages)) for v in voices],
            )
            say(f"{len(voices)} voices; use one with: callcoach drill --voice ID")
            return 0
        if voice not in {v.id for v in voices} and voice not in {v.name for v in voices}:
            raise UserError(f"--voice {voice!r}: no such voice (see callcoach drill --list-voices)")
    from callcoach.clock import SystemClock
    from callcoach.core.drills.sets import find_drill_set
    from callcoach.tui.app import make_app
    from callcoach.tui.screens.drills import DrillsScreen

    if args.rounds is not None and not 1 <= args.rounds <= 100:
        raise UserError(f"--rounds {args.rounds}: expected 1 to 100")
    db = open_db(args, announce=True)
    check_rep_flag(db, args.rep)
    check_rep_flag(db, args.trainee, "--trainee")
    check_rep_flag(db, args.trainer, "--trainer")
    set_name = args.set
    if set_name:
        with db.session() as session:
            set_name = find_drill_set(session, set_name).name
    speaker = make_speaker(voice, rate, enabled=not args.no_voice)
    screen = DrillsScreen(
        set_name=set_name,
        trainee=args.trainee,
        trainer=args.trainer,
        simulate=args.simulate,
        autostart=bool(set_name),
        rounds=args.rounds,
    )
    app = make_app(db, settings, SystemClock(), args.rep or settings.rep, screen, speaker)
    try:
        app.run()
    finally:
        speaker.close()
    return app.return_code or 0


def cmd_drill_load(args: argparse.Namespace) -> int:
    """Load drill sets from a TOML file (insert or update by name)."""
    from callcoach.core.drills.sets import load_drill_sets_file

    db = open_db(args)
    say(load_drill_sets_file(db, Path(args.file)).render())
    return 0


def cmd_drill_sets(args: argparse.Namespace) -> int:
    """List the drill sets."""
    from callcoach.core.drills.sets import list_drill_sets

    sets = in_session(args, list_drill_sets)
    if not sets:
        say("No drill sets yet. Load some with: callcoach drill load data/drill_sets.toml")
        return 0
    print_table(
        ("Set", "Objections", "Talk track", "Sessions", "Last drilled"),
        [
            (s.name, str(s.objections), s.track or "-", str(s.sessions), local_minute(s.last_drilled_at))
            for s in sets
        ],
    )
    return 0


def cmd_drill_from_track(args: argparse.Namespace) -> int:
    """Create or refresh a drill set from a talk track's likely objections."""
    from callcoach.core.drills.sets import drill_cards, drill_set_from_track

    db = open_db(args)
    drill_set = drill_set_from_track(db, args.track, args.name)
    with db.session() as session:
        count = len(drill_cards(session, drill_set.id))
    say(f"drill set {drill_set.name!r}: {count} objections from talk track {args.track!r}")
    return 0


def cmd_drill_progress(args: argparse.Namespace) -> int:
    """Print drill progress per trainee and objection, beside live-call overcome rates, then
    the drill assignments with their completion."""
    from callcoach.clock import SystemClock
    from callcoach.core.drills.assignments import assignments
    from callcoach.core.drills.progress import drill_progress
    from callcoach.core.reps import require_rep

    db = open_db(args)
    now = SystemClock().now()
    with db.session() as session:
        trainee_id = None
        if args.trainee:
            trainee_id = require_rep(session, args.trainee, "--trainee").id
        rows = drill_progress(
            session, now, trainee_id=trainee_id, include_live=trainee_id is not None
        )
        assigned = assignments(session, trainee_id)
    if not rows:
        say("No drills scored yet. Start one with: callcoach drill")
    else:
        print_table(
            ("Trainee", "Objection", "Drilled", "Avg", "Self", "Trainer", "Trend", "Answer",
             "Timeouts", "Box", "Live", "Overcome"),
            [
                (
                    r.trainee, r.objection_key, str(r.prompts), number_text(r.avg_overall),
                    number_text(r.self_avg), number_text(r.trainer_avg), trend_text(r.trend),
                    number_text(r.avg_answer_seconds, suffix=" s"), str(r.timeouts), str(r.box),
                    str(r.live_raised), percent_text(r.live_overcome_rate),
                )
                for r in rows
            ],
        )
    if assigned:
        say()
        say("Assignments:")
        print_table(ASSIGNMENT_HEADER, _assignment_rows(assigned, now.astimezone().date()))
    return 0


def parse_due(text: str, today: date) -> date:
    """``--due``: a date YYYY-MM-DD, or +N for N days from today (one-line error otherwise)."""
    value = text.strip()
    if value.startswith("+") and value[1:].isdigit():
        return today + timedelta(days=int(value[1:]))
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(f"--due {text!r}: expected a date like 2026-12-31 or +7 (days from today)") from None


def _assignment_rows(rows: list[AssignmentStatus], today: date) -> list[tuple[str, ...]]:
    return [
        (
            r.trainee, r.set_name, r.due_on.isoformat(), r.status(today),
            f"{r.drilled}/{r.objections}", r.assigned_by or "-", local_minute(r.assigned_at),
        )
        for r in rows
    ]


ASSIGNMENT_HEADER = ("Trainee", "Set", "Due", "Status", "Drilled", "Assigned by", "Assigned")


def cmd_drill_assign(args: argparse.Namespace) -> int:
    """Assign a drill set to a trainee with a due date."""
    from callcoach.clock import SystemClock
    from callcoach.core.drills.assignments import assign_drill_set

    now = SystemClock().now()
    today = now.astimezone().date()
    due = parse_due(args.due, today)
    status, created = in_session(
        args,
        lambda session: assign_drill_set(session, args.set, args.trainee, due, now, args.trainer),
    )
    verb = "assigned" if created else "re-assigned"
    say(
        f"{verb} drill set {status.set_name!r} to {status.trainee}, due {due.isoformat()} "
        f"({status.status(today)}; {status.completion})"
    )
    return 0


def cmd_drill_assignments(args: argparse.Namespace) -> int:
    """List drill assignments with their completion (open ones unless --all)."""
    from callcoach.clock import SystemClock
    from callcoach.core.drills.assignments import assignments, existing_rep

    today = SystemClock().now().astimezone().date()

    def work(session: Session) -> list[AssignmentStatus]:
        trainee_id = existing_rep(session, args.trainee, "--trainee").id if args.trainee else None
        return assignments(session, trainee_id, include_done=args.all)

    rows = in_session(args, work)
    if not rows:
        say("No open drill assignments." if not args.all else "No drill assignments.")
        say("Assign one with: callcoach drill assign SET --trainee NAME --due YYYY-MM-DD")
        return 0
    print_table(ASSIGNMENT_HEADER, _assignment_rows(rows, today))
    return 0


def cmd_drill_unassign(args: argparse.Namespace) -> int:
    """Remove a drill set's assignment to a trainee."""
    from callcoach.core.drills.assignments import unassign_drill_set

    status = in_session(args, lambda session: unassign_drill_set(session, args.set, args.trainee))
    say(f"unassigned drill set {status.set_name!r} from {status.trainee} ({status.completion})")
    return 0


def add_drill(sub: argparse._SubParsersAction) -> None:
    """``drill [--set NAME ...]`` and its actions ``load``, ``sets``, ``from-track``, ``assign``,
    ``assignments``, ``unassign``, ``progress``."""
    p = sub.add_parser(
        "drill",
        help="objection drills: spoken objections, timed answers, scores",
        description="Run objection drills (opens the Drills screen), or manage drill sets.",
    )
    p.add_argument("--set", metavar="NAME", help="drill set to start right away")
    p.add_argument("--trainee", metavar="NAME", help="who answers (default: --rep)")
    p.add_argument("--trainer", metavar="NAME", help="who scores (default: the trainee)")
    p.add_argument("--no-voice", action="store_true", help="text only, no speech")
    p.add_argument("--voice", metavar="ID", help="speech voice id (see --list-voices)")
    p.add_argument("--rate", type=int, metavar="WPM", help="speech rate in words per minute")
    p.add_argument("--simulate", action="store_true",
                   help="call simulation: opening, then up to four chained objections")
    p.add_argument("--rounds", type=int, metavar="N", help="rounds per single drill")
    p.add_argument("--list-voices", action="store_true", help="list speech voices and exit")
    p.set_defaults(handler=cmd_drill)
    dsub = p.add_subparsers(title="drill commands", metavar="ACTION")
    q = dsub.add_parser("load", help="load drill sets from a TOML file ([[drill_set]] tables)")
    q.add_argument("file", metavar="FILE")
    q.set_defaults(handler=cmd_drill_load)
    q = dsub.add_parser("sets", help="list drill sets")
    q.set_defaults(handler=cmd_drill_sets)
    q = dsub.add_parser("from-track", help="make a drill set from a talk track's objections")
    q.add_argument("track", metavar="TRACK", help="talk track name")
    q.add_argument("--name", metavar="NAME", help="set name (default 'Track: TRACK')")
    q.set_defaults(handler=cmd_drill_from_track)
    q = dsub.add_parser("assign", help="assign a drill set to a trainee with a due date")
    q.add_argument("set", metavar="SET", help="drill set name")
    q.add_argument("--trainee", metavar="NAME", required=True, help="an existing rep")
    q.add_argument("--due", metavar="DATE", required=True, help="YYYY-MM-DD, or +N days")
    q.add_argument("--trainer", metavar="NAME", help="who assigns it (an existing rep)")
    q.set_defaults(handler=cmd_drill_assign)
    q = dsub.add_parser("assignments", help="drill assignments, due first, with completion")
    q.add_argument("--trainee", metavar="NAME")
    q.add_argument("--all", action="store_true", help="finished ones too")
    q.set_defaults(handler=cmd_drill_assignments)
    q = dsub.add_parser("unassign", help="remove a drill set's assignment to a trainee")
    q.add_argument("set", metavar="SET", help="drill set name")
    q.add_argument("--trainee", metavar="NAME", required=True)
    q.set_defaults(handler=cmd_drill_unassign)
    q = dsub.add_parser("progress", help="drill scores per trainee and objection")
    q.add_argument("--trainee", metavar="NAME")
    q.set_defaults(handler=cmd_drill_progress)
