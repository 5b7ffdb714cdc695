"""Command line: ``callcoach`` opens the TUI; subcommands import, list, report and more.

Heavy libraries (Textual, SQLAlchemy, phonenumbers) are imported inside the handlers so
``callcoach --help`` stays instant. Every expected failure ends as one line on stderr and
exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

from callcoach import __version__
from callcoach.errors import CallcoachError


class UserError(CallcoachError):
    """A problem with the command line itself; printed as one line."""


def _print_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Print left-aligned columns under a header, two spaces apart."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _open(args: argparse.Namespace):  # noqa: ANN202 - storage.db.Database
    from callcoach.storage.db import open_database

    return open_database(args.db)


def _settings(args: argparse.Namespace):  # noqa: ANN202 - config.Settings
    from callcoach.config import load_settings

    return load_settings(Path(args.config) if args.config else None)


@contextmanager
def _gc_paused_until_first_screen() -> Iterator[None]:
    """Start-up builds hundreds of thousands of objects that all stay alive (modules, models,
    CSS): the cyclic collector would scan them again and again for nothing (about a tenth of
    a second). The app turns it back on once its first screen is painted; on any other way
    out it is turned back on here."""
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def cmd_tui(args: argparse.Namespace) -> int:
    """Open the TUI on the home screen (seeding the demo data into a brand-new database)."""
    with _gc_paused_until_first_screen():
        from callcoach.clock import SystemClock
        from callcoach.core.demo.seed import seed_demo_if_empty
        from callcoach.tui.app import make_app

        settings = _settings(args)
        db = _open(args)
        clock = SystemClock()
        seed_demo_if_empty(db, clock)
        app = make_app(db=db, settings=settings, clock=clock, rep_name=args.rep or settings.rep)
        app.run()
    return app.return_code or 0


def cmd_block(args: argparse.Namespace) -> int:
    """Open the TUI straight into a call block on one list."""
    with _gc_paused_until_first_screen():
        return _run_block(args)


def _run_block(args: argparse.Namespace) -> int:
    from functools import partial

    from callcoach.clock import SystemClock
    from callcoach.core.lists.call_lists import find_list
    from callcoach.tui.app import make_app
    from callcoach.tui.screens.block_start import start_block_flow

    if args.minutes is not None and not 1 <= args.minutes <= 240:
        raise UserError(f"--minutes {args.minutes:g}: expected 1 to 240")
    settings = _settings(args)
    db = _open(args)
    with db.session() as session:
        found = find_list(session, args.list)
        if found is None:
            from callcoach.core.lists.call_lists import list_summaries

            names = [r.name for r in list_summaries(session, SystemClock().now(), settings.window)]
            known = ", ".join(names[:8]) + (" ..." if len(names) > 8 else "")
            raise UserError(f"--list {args.list!r}: no such call list (known: {known or 'none'})")
    rep_name = args.block_rep or args.rep or settings.rep
    start = partial(start_block_flow, list_id=found.id, minutes=args.minutes)
    app = make_app(db=db, settings=settings, clock=SystemClock(), rep_name=rep_name, start=start)
    app.run()
    return app.return_code or 0


def cmd_import(args: argparse.Namespace) -> int:
    """Import a CSV of contacts into one or more clustered call lists."""
    from callcoach.clock import SystemClock
    from callcoach.core.lists.importer import ImportOptions, import_file

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
    from callcoach.core.lists.call_lists import list_summaries

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
    _print_table(header, table)
    return 0


def cmd_tracks_load(args: argparse.Namespace) -> int:
    """Load talk tracks and objections from a TOML file (insert or update by name)."""
    from callcoach.core.lists.tracks import load_tracks_file

    db = _open(args)
    summary = load_tracks_file(db, Path(args.file))
    print(summary.render())
    return 0


def cmd_drill(args: argparse.Namespace) -> int:
    """Run objection drills in the TUI (or list the speech voices)."""
    from callcoach.core.drills.speech import Pyttsx3Synthesizer, SpeechError, make_speaker

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
            _print_table(
                ("Voice id", "Name", "Languages"),
                [(v.id, v.name, ",".join(v.languages)) for v in voices],
            )
            print(f"{len(voices)} voices; use one with: callcoach drill --voice ID")
            return 0
        if voice not in {v.id for v in voices} and voice not in {v.name for v in voices}:
            raise UserError(f"--voice {voice!r}: no such voice (see callcoach drill --list-voices)")
    from callcoach.clock import SystemClock
    from callcoach.core.drills.sets import find_drill_set
    from callcoach.tui.app import make_app
    from callcoach.tui.screens.drills import DrillsScreen

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
    app = make_app(db, settings, SystemClock(), args.rep or settings.rep, screen, speaker)
    try:
        app.run()
    finally:
        speaker.close()
    return app.return_code or 0  # type: ignore[attr-defined]


def cmd_drill_load(args: argparse.Namespace) -> int:
    """Load drill sets from a TOML file (insert or update by name)."""
    from callcoach.core.drills.sets import load_drill_sets_file

    db = _open(args)
    print(load_drill_sets_file(db, Path(args.file)).render())
    return 0


def cmd_drill_sets(args: argparse.Namespace) -> int:
    """List the drill sets."""
    from callcoach.core.drills.sets import list_drill_sets

    db = _open(args)
    with db.session() as session:
        sets = list_drill_sets(session)
    if not sets:
        print("No drill sets yet. Load some with: callcoach drill load data/drill_sets.toml")
        return 0
    _print_table(
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
    from callcoach.core.drills.sets import drill_cards, drill_set_from_track

    db = _open(args)
    drill_set = drill_set_from_track(db, args.track, args.name)
    with db.session() as session:
        count = len(drill_cards(session, drill_set.id))
    print(f"drill set {drill_set.name!r}: {count} objections from talk track {args.track!r}")
    return 0


def cmd_drill_progress(args: argparse.Namespace) -> int:
    """Print drill progress per trainee and objection, beside live-call overcome rates."""
    from callcoach.clock import SystemClock
    from callcoach.core.drills.run import drill_progress
    from callcoach.core.reps import find_rep

    db = _open(args)
    with db.session() as session:
        trainee_id = None
        if args.trainee:
            rep = find_rep(session, args.trainee)
            if rep is None:
                raise UserError(f"--trainee {args.trainee!r}: no such rep")
            trainee_id = rep.id
        rows = drill_progress(
            session, SystemClock().now(), trainee_id=trainee_id, include_live=trainee_id is not None
        )
    if not rows:
        print("No drills scored yet. Start one with: callcoach drill")
        return 0

    def f(v: float | None, suffix: str = "") -> str:
        return "-" if v is None else f"{v:.1f}{suffix}"

    _print_table(
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


def cmd_reps_list(args: argparse.Namespace) -> int:
    """Print every rep with their role and activity."""
    from callcoach.core.reps import list_reps

    db = _open(args)
    with db.session() as session:
        rows = list_reps(session)
    if not rows:
        print("No reps yet. Add one with: callcoach reps add NAME --role sdr")
        return 0
    table = [
        (
            r.name,
            r.role,
            r.email or "-",
            str(r.blocks),
            str(r.dials),
            r.last_call_at.astimezone().strftime("%Y-%m-%d %H:%M") if r.last_call_at else "-",
            "" if r.active else "inactive",
        )
        for r in rows
    ]
    _print_table(("Rep", "Role", "Email", "Blocks", "Dials", "Last call", ""), table)
    return 0


def cmd_reps_add(args: argparse.Namespace) -> int:
    """Add a rep with a role."""
    from callcoach.core.reps import add_rep

    db = _open(args)
    with db.session() as session:
        rep = add_rep(session, args.name, args.role, args.email)
    print(f"added {rep.name} ({rep.role})")
    return 0


def cmd_reps_set(args: argparse.Namespace) -> int:
    """Change a rep's role, email or active flag."""
    from callcoach.core.reps import update_rep

    if args.role is None and args.email is None and args.active is None:
        raise UserError("reps set: give --role, --email, --active or --inactive")
    db = _open(args)
    with db.session() as session:
        rep = update_rep(session, args.name, role=args.role, email=args.email, active=args.active)
    state = "" if rep.active else ", inactive"
    print(f"{rep.name}: {rep.role}{', ' + rep.email if rep.email else ''}{state}")
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    """Run the schema migrations on the database and say from which version to which."""
    from callcoach.storage.db import resolve_database_url, safe_url, upgrade_database

    url = resolve_database_url(args.db)
    before, after = upgrade_database(url)
    if before == after:
        print(f"{safe_url(url)}: schema already at {after}, nothing to do")
    else:
        print(f"{safe_url(url)}: schema upgraded {before} -> {after}")
    return 0


def cmd_db_status(args: argparse.Namespace) -> int:
    """Print the database's schema version beside the one this callcoach expects."""
    from callcoach.storage.db import inspect_schema, resolve_database_url, safe_url, schema_refusal

    url = resolve_database_url(args.db)
    check = inspect_schema(url)
    print(f"{safe_url(url)}: schema {check.current_text}, callcoach expects {check.expected_text}")
    hint = schema_refusal(url, check)
    if check.state == "empty":
        hint = "empty: it is created when callcoach first opens it (or by callcoach db upgrade)"
    if hint:
        print(hint)
    return 0 if check.state == "current" else 1


def cmd_db_backup(args: argparse.Namespace) -> int:
    """Copy the SQLite database to FILE with SQLite's backup API (safe while in use)."""
    from callcoach.storage.db import backup_sqlite

    target = backup_sqlite(args.db, Path(args.file))
    print(f"backed up to {target} ({target.stat().st_size // 1024} KiB)")
    return 0


# --- manager review: report, plan, goals, dashboard (issue 4) -----------------------------

REPORT_FORMATS = ("table", "csv", "json", "html")


def _number(text: str, flag: str, whole: bool = False) -> float:
    """A number from a flag's text, or a one-line error naming flag and value."""
    try:
        value = float(text.replace(",", "").replace("_", "")) if not whole else int(text)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise UserError(f"{flag} {text!r}: expected {kind}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise UserError(f"{flag} {text!r}: expected a finite number")
    return value


def _write_output(text: str, output: str | None) -> None:
    """Print, or write ``output`` atomically (never a half-written file)."""
    import os
    import tempfile

    if not output:
        sys.stdout.write(text)
        return
    path = Path(output).expanduser()
    if path.is_dir():
        raise UserError(f"--output {output}: is a directory")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".callcoach-", dir=path.parent or Path("."))
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        raise UserError(f"--output {output}: cannot write ({exc.strerror})") from None
    print(f"wrote {path}", file=sys.stderr)


def cmd_report(args: argparse.Namespace) -> int:
    """Print or write the scorecard for one breakdown (same figures as the dashboard)."""
    from callcoach.clock import SystemClock
    from callcoach.core.review import export
    from callcoach.core.review.reports import breakdown_names, build_report, resolve_filter

    if args.format not in REPORT_FORMATS:
        raise UserError(f"--format {args.format!r}: expected one of {', '.join(REPORT_FORMATS)}")
    if args.by not in breakdown_names():
        raise UserError(f"--by {args.by!r}: expected one of {', '.join(breakdown_names())}")
    clock = SystemClock()
    db = _open(args)
    with db.session() as session:
        f = resolve_filter(session, clock.now(), args.tz, args.period, args.since, args.until,
                           args.report_rep or (), args.list or ())
        if args.format == "html":
            from callcoach.core.review.scorecard_html import build_scorecard

            text = build_scorecard(session, args.by, f, clock.now())
        else:
            table = build_report(session, args.by, f)
            render = {"table": export.render_text, "csv": export.render_csv,
                      "json": export.render_json}[args.format]
            text = render(table)
    _write_output(text, args.output)
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    """Work back from a quota to the call blocks per week it needs."""
    from callcoach.clock import SystemClock
    from callcoach.core.review.planner import PlanInput, make_plan
    from callcoach.core.review.reports import parse_zone, resolve_rep_ids

    mto = args.meeting_to_opportunity
    inputs = PlanInput(
        quota=_number(args.quota, "--quota"),
        deal_size=_number(args.deal_size, "--deal-size"),
        close_ratio=_number(args.close_ratio, "--close-ratio"),
        weeks=int(_number(args.weeks, "--weeks", whole=True)),
        closed=_number(args.closed, "--closed"),
        meeting_to_opportunity=None if mto is None else _number(mto, "--meeting-to-opportunity"),
    )
    inputs.validate()
    lookback = int(_number(args.lookback_weeks, "--lookback-weeks", whole=True))
    if not 1 <= lookback <= 104:
        raise UserError(f"--lookback-weeks {lookback}: expected 1 to 104")
    zone = parse_zone(args.tz).key
    db = _open(args)
    with db.session() as session:
        rep_ids = resolve_rep_ids(session, [args.plan_rep] if args.plan_rep else [])
        plan = make_plan(session, inputs, SystemClock().now(), zone, rep_ids,
                         scope=args.plan_rep or "the team", lookback_weeks=lookback)
    print("\n".join(plan.lines()))
    return 0


def cmd_goals_set(args: argparse.Namespace) -> int:
    """Set one rep's goals for a week."""
    from callcoach.core.review.goals import set_goal
    from callcoach.core.review.reports import parse_date, resolve_rep_ids

    week = parse_date(args.week, "--week")
    values = [int(_number(v, flag, whole=True)) for v, flag in
              ((args.blocks, "--blocks"), (args.dials, "--dials"), (args.meetings, "--meetings"))]
    db = _open(args)
    with db.session() as session:
        (rep_id,) = resolve_rep_ids(session, [args.goal_rep])
        goal = set_goal(session, rep_id, week, *values)
    print(f"goal for {args.goal_rep}, week of {goal.week_start}: {goal.blocks} blocks, "
          f"{goal.dials} dials, {goal.meetings} meetings")
    return 0


def cmd_goals_show(args: argparse.Namespace) -> int:
    """Show each rep's progress against the week's goals."""
    from callcoach.clock import SystemClock
    from callcoach.core.review.goals import goal_progress, monday_of
    from callcoach.core.review.reports import parse_date, parse_zone, resolve_rep_ids

    zone = parse_zone(args.tz)
    week = parse_date(args.week, "--week") if args.week else SystemClock().now().astimezone(
        zone).date()
    db = _open(args)
    with db.session() as session:
        rep_ids = resolve_rep_ids(session, [args.goal_rep] if args.goal_rep else [])
        rows = goal_progress(session, week, zone.key, rep_ids)
    print(f"Goals, week of {monday_of(week)} ({zone.key})")
    if not rows:
        print("(no goals and no calls this week)")
    for p in rows:
        print(f"{p.rep:<20} blocks {p.cell('blocks'):<14} dials {p.cell('dials'):<16} "
              f"meetings {p.cell('meetings')}")
    return 0


def cmd_meetings_list(args: argparse.Namespace) -> int:
    """Print meetings: upcoming (default), past, unrecorded or all, with held/no-show."""
    from callcoach.clock import SystemClock
    from callcoach.core.calling.meetings import list_meetings
    from callcoach.core.lists.phones import display_phone
    from callcoach.core.review.reports import parse_zone, resolve_rep_ids

    zone = parse_zone(args.tz)
    scope = args.scope
    db = _open(args)
    with db.session() as session:
        rep_ids = resolve_rep_ids(session, args.meeting_rep or [])
        rows = list_meetings(session, SystemClock().now(), scope, rep_ids)
    if not rows:
        print(f"No {scope} meetings." if scope != "all" else "No meetings yet.")
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
    print(f"{scope.capitalize()} meetings ({zone.key})")
    _print_table(
        ("ID", "When", "Kind", "Rep", "Contact", "Company", "Email/phone", "Held", "Agenda"), table
    )
    if scope in ("past", "unrecorded"):
        print("Record them: callcoach meetings held ID... / callcoach meetings no-show ID...")
    return 0


def _record_meetings(args: argparse.Namespace, held: bool | None, word: str) -> int:
    from callcoach.clock import SystemClock
    from callcoach.core.calling.meetings import record_held

    ids = [int(_number(v, "meeting id", whole=True)) for v in args.ids]
    db = _open(args)
    with db.session() as session:
        done = record_held(session, ids, held, SystemClock().now())
    print(f"{len(done)} meeting{'s' if len(done) != 1 else ''} marked {word}: "
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
    from callcoach.core.review.reports import parse_zone, resolve_rep_ids

    zone = parse_zone(args.tz)
    scope = args.scope
    now = SystemClock().now()
    db = _open(args)
    with db.session() as session:
        rep_ids = resolve_rep_ids(session, args.cb_rep or [])
        rows = list_callbacks(session, now, scope, rep_ids)
    if not rows:
        print(f"No {scope} callbacks." if scope != "all" else "No callbacks yet.")
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
    print(f"{scope.capitalize()} callbacks ({zone.key})")
    _print_table(
        ("ID", "Due", "Status", "Rep", "Served to", "Contact", "Company", "Phone", "List"),
        table,
    )
    if scope != "all":
        print("Hand them on: callcoach callbacks release ID... / "
              "callcoach callbacks assign ID... --to NAME")
    return 0


def _callback_targets(args: argparse.Namespace, session: object) -> tuple[list[int], tuple]:
    from callcoach.core.review.reports import resolve_rep_ids

    ids = [int(_number(v, "callback id", whole=True)) for v in args.ids]
    return ids, resolve_rep_ids(session, args.cb_from or [])


def _said(callbacks: list, word: str) -> None:
    n = len(callbacks)
    if not n:
        print(f"No open callbacks to {word}.")
        return
    print(f"{n} callback{'s' if n != 1 else ''} {word}: " + ", ".join(str(c.id) for c in callbacks))


def cmd_callbacks_release(args: argparse.Namespace) -> int:
    """Release callbacks to the team: any rep working the list is served them when due."""
    from callcoach.core.calling.callbacks import release_callbacks

    db = _open(args)
    with db.session() as session:
        ids, from_reps = _callback_targets(args, session)
        done = release_callbacks(session, ids, from_reps)
    _said(done, "released to the team")
    return 0


def cmd_callbacks_assign(args: argparse.Namespace) -> int:
    """Give callbacks to another rep."""
    from callcoach.core.calling.callbacks import assign_callbacks
    from callcoach.core.review.reports import ReportError, resolve_rep_ids

    db = _open(args)
    with db.session() as session:
        ids, from_reps = _callback_targets(args, session)
        try:
            (to,) = resolve_rep_ids(session, [args.to])
        except ReportError:
            raise UserError(f"--to {args.to!r}: no such rep (see: callcoach reps)") from None
        done = assign_callbacks(session, to, ids, from_reps)
    _said(done, f"assigned to {args.to}")
    return 0


def cmd_recount(args: argparse.Namespace) -> int:
    """Recompute stored connect/conversation flags from outcomes and objections."""
    from callcoach.core.review.metrics import flag_mismatches, sync_flags

    db = _open(args)
    with db.session() as session:
        wrong = flag_mismatches(session)
        fixed = sync_flags(session) if wrong and not args.check else 0
    if args.check:
        print(f"{wrong} call attempts have connect/conversation flags that disagree with the "
              "definitions")
        return 1 if wrong else 0
    print(f"recounted: {fixed} call attempts corrected")
    return 0


def cmd_demo_history(args: argparse.Namespace) -> int:
    """Fill the demo lists with a made-up team's last weeks of blocks (once)."""
    from callcoach.clock import SystemClock
    from callcoach.core.demo.history import generate_demo_history
    from callcoach.core.demo.seed import seed_demo_if_empty

    weeks = int(_number(args.weeks, "--weeks", whole=True))
    settings = _settings(args)
    db = _open(args)
    clock = SystemClock()
    if seed_demo_if_empty(db, clock):
        print("seeded the demo lists, talk tracks and objections into a new database")
    tty = sys.stdout.isatty()

    def progress(line: str) -> None:
        if tty:
            print(f"\r{line:<60}", end="", flush=True)

    stats = generate_demo_history(db, clock, settings, weeks=weeks, progress=progress)
    if tty:
        print()
    print(
        f"demo history: {stats.reps} demo reps, {stats.blocks} blocks, {stats.dials} dials, "
        f"{stats.meetings} meetings, {stats.callbacks} callbacks, {stats.drills} drills "
        f"({stats.first_day} .. {stats.last_day}); open the dashboard with: callcoach dashboard"
    )
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    """Open the TUI on the manager dashboard."""
    with _gc_paused_until_first_screen():
        from callcoach.clock import SystemClock
        from callcoach.core.review.reports import parse_zone
        from callcoach.tui.app import make_app
        from callcoach.tui.screens.dashboard import DashboardScreen

        zone = parse_zone(args.tz).key
        settings = _settings(args)
        db = _open(args)
        app = make_app(db, settings, SystemClock(), args.rep or settings.rep, DashboardScreen(zone))
        app.run()
    return app.return_code or 0


def add_review_commands(sub: argparse._SubParsersAction) -> None:
    """``report``, ``plan``, ``goals`` and ``dashboard``: the manager's commands."""
    p = sub.add_parser("report", help="scorecard by rep, list, cluster, week, hour, weekday, "
                       "objection (table, csv, json, html)")
    p.add_argument("--by", default="rep", metavar="WHAT",
                   help="rep | list | cluster | week | hour | weekday | objection | drill "
                   "(default rep)")
    p.add_argument("--period", default="this-week", metavar="NAME",
                   help="this-week | last-week | this-month | last-month (default this-week; "
                   "--since/--until win)")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="first day (inclusive)")
    p.add_argument("--until", metavar="YYYY-MM-DD", help="last day (inclusive)")
    p.add_argument("--rep", dest="report_rep", action="append", metavar="NAME",
                   help="only this rep (repeatable)")
    p.add_argument("--list", action="append", metavar="NAME", help="only this list (repeatable)")
    p.add_argument("--tz", metavar="ZONE", help="display time zone (default: this machine's)")
    p.add_argument("--format", default="table", metavar="FMT", help="table | csv | json | html")
    p.add_argument("--output", metavar="FILE", help="write to FILE instead of printing")
    p.set_defaults(handler=cmd_report)

    p = sub.add_parser("plan", help="pipeline planner: quota -> call blocks per week")
    p.add_argument("--quota", required=True, metavar="AMOUNT")
    p.add_argument("--deal-size", required=True, metavar="AMOUNT")
    p.add_argument("--close-ratio", required=True, metavar="N",
                   help="opportunities per win (4), or a win rate below 1 (0.25)")
    p.add_argument("--meeting-to-opportunity", metavar="RATE",
                   help="share of meetings that become opportunities (default: measured held "
                   "rate, else 0.5)")
    p.add_argument("--weeks", default="13", metavar="N", help="weeks left (default 13)")
    p.add_argument("--closed", default="0", metavar="AMOUNT", help="revenue already won")
    p.add_argument("--rep", dest="plan_rep", metavar="NAME", help="use this rep's rates")
    p.add_argument("--lookback-weeks", default="12", metavar="N",
                   help="weeks of history to measure rates over (default 12)")
    p.add_argument("--tz", metavar="ZONE", help="display time zone (default: this machine's)")
    p.set_defaults(handler=cmd_plan)

    p = sub.add_parser("goals", help="weekly goals per rep")
    gsub = p.add_subparsers(title="goals commands", metavar="ACTION", required=True)
    q = gsub.add_parser("set", help="set a rep's goals for a week")
    q.add_argument("--rep", dest="goal_rep", required=True, metavar="NAME")
    q.add_argument("--week", required=True, metavar="YYYY-MM-DD", help="any day of the week")
    q.add_argument("--blocks", default="0", metavar="N")
    q.add_argument("--dials", default="0", metavar="N")
    q.add_argument("--meetings", default="0", metavar="N")
    q.set_defaults(handler=cmd_goals_set)
    q = gsub.add_parser("show", help="progress against this week's goals")
    q.add_argument("--rep", dest="goal_rep", metavar="NAME")
    q.add_argument("--week", metavar="YYYY-MM-DD", help="any day of the week (default today)")
    q.add_argument("--tz", metavar="ZONE", help="display time zone (default: this machine's)")
    q.set_defaults(handler=cmd_goals_show)

    p = sub.add_parser("recount", help="recompute connect/conversation flags of past calls "
                       "from their outcomes and objections")
    p.add_argument("--check", action="store_true", help="only count disagreeing calls")
    p.set_defaults(handler=cmd_recount)

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

    p = sub.add_parser("demo", help="demo data: a made-up team's call history on the demo lists")
    dsub = p.add_subparsers(title="demo commands", metavar="ACTION", required=True)
    q = dsub.add_parser(
        "history",
        help="play four demo reps through the last weeks of call blocks on the demo lists, "
        "so the dashboard, scorecard and planner have figures (once per database)",
    )
    q.add_argument("--weeks", default="4", metavar="N", help="weeks of history, 1-12 (default 4)")
    q.set_defaults(handler=cmd_demo_history)

    p = sub.add_parser("dashboard", help="open the manager dashboard in the TUI")
    p.add_argument("--tz", metavar="ZONE", help="display time zone (default: this machine's)")
    p.set_defaults(handler=cmd_dashboard)


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: what is wrong and where the help is, no usage dump."""

    def error(self, message: str) -> NoReturn:
        """Print ``PROG: error: MESSAGE (see 'PROG --help')`` and exit with status 2."""
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


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


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser."""
    parser = _Parser(
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

    p = sub.add_parser("block", help="start a timed call block on a list (opens the TUI)")
    p.add_argument("--list", required=True, metavar="NAME", help="the call list to work")
    p.add_argument(
        "--minutes", type=float, metavar="N", help="block length (default from settings: 52)"
    )
    p.add_argument("--rep", dest="block_rep", metavar="NAME", help="who is calling")
    p.set_defaults(handler=cmd_block)

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

    p = sub.add_parser("db", help="database maintenance")
    dsub = p.add_subparsers(title="db commands", metavar="ACTION", required=True)
    q = dsub.add_parser("upgrade", help="apply schema migrations (back up first)")
    q.set_defaults(handler=cmd_db_upgrade)
    q = dsub.add_parser("status", help="show the schema version against the expected one")
    q.set_defaults(handler=cmd_db_status)
    q = dsub.add_parser("backup", help="copy the SQLite database to FILE (PostgreSQL: pg_dump)")
    q.add_argument("file", metavar="FILE")
    q.set_defaults(handler=cmd_db_backup)
    add_review_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``callcoach`` console script."""
    try:
        try:
            return _main(argv)
        finally:
            sys.stdout.flush()  # here, so a closed pipe is seen here, not at exit
    except BrokenPipeError:
        # The reader went away (``callcoach meetings | head``): stop quietly, as the
        # shell's own tools do, with the status of a process ended by SIGPIPE.
        _discard_stdout()
        return 141


def _discard_stdout() -> None:
    """Point stdout at /dev/null: Python's own flush at exit must not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, io.UnsupportedOperation):
        pass  # not a real file (a test's capture): nothing is flushed at exit


def _main(argv: Sequence[str] | None) -> int:
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
    except Exception as exc:
        # The server went away after the database was opened: still one line, no password.
        message = _connection_trouble(args, exc)
        if message is None:
            raise
        print(f"callcoach: error: {message}", file=sys.stderr)
        return 2


def _connection_trouble(args: argparse.Namespace, exc: Exception) -> str | None:
    """One line for a lost database connection, else None (a real bug: let it show)."""
    if not type(exc).__module__.startswith("sqlalchemy"):
        return None
    from callcoach.core.calling.journal import connection_trouble
    from callcoach.storage.db import resolve_database_url

    return connection_trouble(resolve_database_url(args.db), exc)


if __name__ == "__main__":
    raise SystemExit(main())
