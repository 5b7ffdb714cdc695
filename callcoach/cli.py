"""Command line: ``callcoach`` opens the TUI; subcommands import, list, report and more.

Heavy libraries (Textual, SQLAlchemy, phonenumbers) are imported inside the handlers so
``callcoach --help`` stays instant. Every expected failure ends as one line on stderr and
exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from callcoach import __version__
from callcoach.errors import CallcoachError


class UserError(CallcoachError):
    """A problem with the command line itself; printed as one line."""


def _open(args: argparse.Namespace):  # noqa: ANN202 - storage.db.Database
    from callcoach.storage.db import open_database

    return open_database(args.db)


def _settings(args: argparse.Namespace):  # noqa: ANN202 - config.Settings
    from callcoach.config import load_settings

    return load_settings(Path(args.config) if args.config else None)


def cmd_tui(args: argparse.Namespace) -> int:
    """Open the TUI on the home screen (seeding the demo data into a brand-new database)."""
    from callcoach.clock import SystemClock
    from callcoach.core.seed import seed_demo_if_empty
    from callcoach.tui.app import make_app

    settings = _settings(args)
    db = _open(args)
    clock = SystemClock()
    seed_demo_if_empty(db, clock)
    app = make_app(db=db, settings=settings, clock=clock, rep_name=args.rep or settings.rep)
    app.run()
    return app.return_code or 0


def cmd_import(args: argparse.Namespace) -> int:
    """Import a CSV of contacts into one or more clustered call lists."""
    from callcoach.clock import SystemClock
    from callcoach.core.importer import ImportOptions, import_file

    db = _open(args)
    options = ImportOptions(
        list_name=args.list,
        cluster_by=args.cluster_by,
        default_region=args.default_region,
        skip_invalid=args.skip_invalid,
        min_cluster_size=args.min_cluster,
    )
    report = import_file(db, Path(args.file), options, SystemClock())
    print(report.render())
    return 0 if report.ok else 1


def cmd_lists(args: argparse.Namespace) -> int:
    """Print every call list with its cluster, contacts and callable-now count."""
    from callcoach.clock import SystemClock
    from callcoach.core.lists import list_summaries

    settings = _settings(args)
    db = _open(args)
    with db.session() as session:
        rows = list_summaries(session, SystemClock().now(), settings.window)
    if not rows:
        print("No call lists yet. Import one with: callcoach import FILE --cluster-by vertical")
        return 0
    header = ("List", "Cluster", "Contacts", "Callable now", "Last block")
    table = [
        (
            r.name,
            f"{r.dimension}: {r.value}" if r.value else r.dimension,
            str(r.contacts),
            str(r.callable_now),
            r.last_block_at.astimezone().strftime("%Y-%m-%d %H:%M") if r.last_block_at else "-",
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(row[i]) for row in table)) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for row in table:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    return 0


def cmd_tracks_load(args: argparse.Namespace) -> int:
    """Load talk tracks and objections from a TOML file (insert or update by name)."""
    from callcoach.core.tracks import load_tracks_file

    db = _open(args)
    summary = load_tracks_file(db, Path(args.file))
    print(summary.render())
    return 0


def _drill_table(header: Sequence[str], rows: list[Sequence[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def cmd_drill(args: argparse.Namespace) -> int:
    """Run objection drills in the TUI (or list the speech voices)."""
    from callcoach.core.speech import Pyttsx3Synthesizer, SpeechError, make_speaker

    settings = _settings(args)
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
            _drill_table(
                ("Voice id", "Name", "Languages"),
                [(v.id, v.name, ",".join(v.languages)) for v in voices],
            )
            print(f"{len(voices)} voices; use one with: callcoach drill --voice ID")
            return 0
        if voice not in {v.id for v in voices} and voice not in {v.name for v in voices}:
            raise UserError(f"--voice {voice!r}: no such voice (see callcoach drill --list-voices)")
    from callcoach.clock import SystemClock
    from callcoach.core.drill_sets import find_drill_set
    from callcoach.tui.screens.drills import DrillsScreen, make_drill_app

    if args.rounds is not None and not 1 <= args.rounds <= 100:
        raise UserError(f"--rounds {args.rounds}: expected 1 to 100")
    db = _open(args)
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
    app = make_drill_app(db, settings, SystemClock(), args.rep or settings.rep, speaker, screen)
    try:
        app.run()  # type: ignore[attr-defined]
    finally:
        speaker.close()
    return app.return_code or 0  # type: ignore[attr-defined]


def cmd_drill_load(args: argparse.Namespace) -> int:
    """Load drill sets from a TOML file (insert or update by name)."""
    from callcoach.core.drill_sets import load_drill_sets_file

    db = _open(args)
    print(load_drill_sets_file(db, Path(args.file)).render())
    return 0


def cmd_drill_sets(args: argparse.Namespace) -> int:
    """List the drill sets."""
    from callcoach.core.drill_sets import list_drill_sets

    db = _open(args)
    with db.session() as session:
        sets = list_drill_sets(session)
    if not sets:
        print("No drill sets yet. Load some with: callcoach drill load data/drill_sets.toml")
        return 0
    _drill_table(
        ("Set", "Objections", "Talk track", "Sessions", "Last drilled"),
        [
            (
                s.name,
                str(s.objections),
                s.track or "-",
                str(s.sessions),
                s.last_drilled_at.astimezone().strftime("%Y-%m-%d %H:%M")
                if s.last_drilled_at
                else "-",
            )
            for s in sets
        ],
    )
    return 0


def cmd_drill_from_track(args: argparse.Namespace) -> int:
    """Create or refresh a drill set from a talk track's likely objections."""
    from callcoach.core.drill_sets import drill_cards, drill_set_from_track

    db = _open(args)
    drill_set = drill_set_from_track(db, args.track, args.name)
    with db.session() as session:
        count = len(drill_cards(session, drill_set.id))
    print(f"drill set {drill_set.name!r}: {count} objections from talk track {args.track!r}")
    return 0


def cmd_drill_progress(args: argparse.Namespace) -> int:
    """Print drill progress per trainee and objection, beside live-call overcome rates."""
    from callcoach.clock import SystemClock
    from callcoach.core.drills import drill_progress
    from callcoach.core.reps import find_rep

    db = _open(args)
    with db.session() as session:
        trainee_id = None
        if args.trainee:
            rep = find_rep(session, args.trainee)
            if rep is None:
                raise UserError(f"--trainee {args.trainee!r}: no such rep")
            trainee_id = rep.id
        rows = drill_progress(session, SystemClock().now(), trainee_id=trainee_id)
    if not rows:
        print("No drills scored yet. Start one with: callcoach drill")
        return 0

    def f(v: float | None, suffix: str = "") -> str:
        return "-" if v is None else f"{v:.1f}{suffix}"

    _drill_table(
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


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    """Run the schema migrations on the database."""
    from callcoach.storage.db import current_revision, head_revision, safe_url

    db = _open(args)
    print(f"{safe_url(db.url)}: schema at {current_revision(db.engine)} (head {head_revision()})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser."""
    parser = argparse.ArgumentParser(
        prog="callcoach",
        description="Coach phone prospecting call blocks in the terminal. "
        "With no command, opens the TUI.",
    )
    parser.add_argument("--version", action="version", version=f"callcoach {__version__}")
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database URL (default: $CALLCOACH_DATABASE_URL, else SQLite in the data dir)",
    )
    parser.add_argument("--config", metavar="FILE", help="settings file (TOML)")
    parser.add_argument("--rep", metavar="NAME", help="who is using callcoach")
    parser.set_defaults(handler=cmd_tui)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    p = sub.add_parser("import", help="import contacts from a CSV into clustered call lists")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--list", metavar="NAME", help="list name (prefix when clustering)")
    p.add_argument("--cluster-by", choices=["vertical", "region", "size", "role"])
    p.add_argument(
        "--default-region", metavar="CC", default="US",
        help="country for numbers without +country code (default US)",
    )
    p.add_argument("--skip-invalid", action="store_true", help="import valid rows, list the rest")
    p.add_argument(
        "--min-cluster", type=int, default=5, metavar="N",
        help="clusters smaller than N merge into an 'Other' list (default 5)",
    )
    p.set_defaults(handler=cmd_import)

    p = sub.add_parser("lists", help="show call lists with contacts and callable-now counts")
    p.set_defaults(handler=cmd_lists)

    p = sub.add_parser("tracks", help="talk tracks and objections")
    tsub = p.add_subparsers(title="tracks commands", metavar="ACTION", required=True)
    q = tsub.add_parser("load", help="load talk tracks/objections from a TOML file")
    q.add_argument("file", metavar="FILE")
    q.set_defaults(handler=cmd_tracks_load)

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

    p = sub.add_parser("db", help="database maintenance")
    dsub = p.add_subparsers(title="db commands", metavar="ACTION", required=True)
    q = dsub.add_parser("upgrade", help="apply schema migrations")
    q.set_defaults(handler=cmd_db_upgrade)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``callcoach`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("callcoach: interrupted", file=sys.stderr)
        return 130
    except CallcoachError as exc:
        print(f"callcoach: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
