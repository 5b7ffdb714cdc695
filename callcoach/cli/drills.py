"""``callcoach drill``: objection drills in the TUI, and drill sets loaded, listed, made from
a talk track; drill progress per trainee."""

from __future__ import annotations

import argparse
from pathlib import Path

from callcoach.cli.args import UserError, check_rep_flag, in_session, open_db, settings_of
from callcoach.cli.output import local_minute, print_table, say


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
    db = open_db(args)
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
    """Print drill progress per trainee and objection, beside live-call overcome rates."""
    from callcoach.clock import SystemClock
    from callcoach.core.drills.progress import drill_progress
    from callcoach.core.reps import require_rep

    db = open_db(args)
    with db.session() as session:
        trainee_id = None
        if args.trainee:
            trainee_id = require_rep(session, args.trainee, "--trainee").id
        rows = drill_progress(
            session, SystemClock().now(), trainee_id=trainee_id, include_live=trainee_id is not None
        )
    if not rows:
        say("No drills scored yet. Start one with: callcoach drill")
        return 0

    def f(v: float | None, suffix: str = "") -> str:
        return "-" if v is None else f"{v:.1f}{suffix}"

    print_table(
        ("Trainee", "Objection", "Drilled", "Avg", "Self", "Trainer", "Answer", "Timeouts",
         "Box", "Live", "Overcome"),
        [
            (
                r.trainee, r.objection_key, str(r.prompts), f(r.avg_overall), f(r.self_avg),
                f(r.trainer_avg), f(r.avg_answer_seconds, " s"), str(r.timeouts), str(r.box),
                str(r.live_raised),
                "-" if r.live_overcome_rate is None else f"{r.live_overcome_rate * 100:.0f}%",
            )
            for r in rows
        ],
    )
    return 0


def add_drill(sub: argparse._SubParsersAction) -> None:
    """``drill [--set NAME ...]`` and its actions ``load``, ``sets``, ``from-track``, ``progress``."""
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
    q = dsub.add_parser("progress", help="drill scores per trainee and objection")
    q.add_argument("--trainee", metavar="NAME")
    q.set_defaults(handler=cmd_drill_progress)
