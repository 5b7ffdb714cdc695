"""``callcoach export activities``: the block's calls and meetings, back into the CRM.

Each logged call and each meeting becomes one row in the column layout a CRM's activity
import reads: HubSpot's call and meeting imports (two files), Salesforce's Task and Event
imports through Data Loader (two files, API field names), or one plain CSV with every field.
The contact is named by the CRM record id, email and phone it was imported with, so the
CRM attaches each activity to the record it came from.

What a run wrote is recorded per activity and target, so the next run writes only what is
new (``include_exported`` writes everything in the period again). The files are written
whole (atomically) before the record is committed; if the record cannot be written the
files are removed again, so a failure never leaves activities marked as exported that no
file holds. Text cells that a spreadsheet would run as a formula are neutralised.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from callcoach.catalog.outcomes import BY_OUTCOME, Outcome
from callcoach.core.review.export import neutralise
from callcoach.errors import CallcoachError
from callcoach.files import write_atomically
from callcoach.storage.db import Database
from callcoach.storage.sql import activities as sql

TARGETS = ("hubspot", "salesforce", "csv")


class ExportError(CallcoachError):
    """A one-line reason the export cannot run (bad flag value, unwritable file)."""


#: HubSpot's default call outcomes (hs_call_disposition labels) for each callcoach outcome.
HUBSPOT_OUTCOME: dict[Outcome, str] = {
    Outcome.NO_ANSWER: "No answer",
    Outcome.VOICEMAIL: "Left voicemail",
    Outcome.GATEKEEPER: "Left live message",
    Outcome.WRONG_NUMBER: "Wrong number",
    Outcome.NOT_INTERESTED: "Connected",
    Outcome.CALLBACK: "Connected",
    Outcome.MEETING: "Connected",
    Outcome.DO_NOT_CALL: "Connected",
}
#: Salesforce's Task.CallDisposition (free text, up to 255): the disposition names a
#: Salesforce call centre commonly uses.
SALESFORCE_DISPOSITION: dict[Outcome, str] = {
    Outcome.NO_ANSWER: "No Answer",
    Outcome.VOICEMAIL: "Left Voicemail",
    Outcome.GATEKEEPER: "Gatekeeper",
    Outcome.WRONG_NUMBER: "Wrong Number",
    Outcome.NOT_INTERESTED: "Connected - Not Interested",
    Outcome.CALLBACK: "Connected - Callback Requested",
    Outcome.MEETING: "Connected - Meeting Set",
    Outcome.DO_NOT_CALL: "Connected - Do Not Call",
}

HUBSPOT_CALLS = (
    "Activity date", "Call title", "Call direction", "Call status", "Call outcome",
    "Call duration", "Call notes", "To number", "Contact Record ID", "Contact Email",
)
HUBSPOT_MEETINGS = (
    "Activity date", "Meeting name", "Meeting start time", "Meeting end time",
    "Meeting location", "Meeting outcome", "Meeting description", "Contact Record ID",
    "Contact Email",
)
SALESFORCE_TASKS = (
    "WhoId", "Subject", "ActivityDate", "Status", "Priority", "Type", "TaskSubtype",
    "CallType", "CallDurationInSeconds", "CallDisposition", "Description",
    "Contact Email", "Contact Phone",
)
SALESFORCE_EVENTS = (
    "WhoId", "Subject", "StartDateTime", "EndDateTime", "Location", "Type", "Description",
    "Contact Email", "Contact Phone",
)
PLAIN = (
    "activity", "callcoach_id", "record_id", "email", "phone", "first_name", "last_name",
    "company", "list", "rep", "start_time", "duration_seconds", "outcome", "outcome_label",
    "notes", "objections_raised", "objections_overcome", "meeting_start", "meeting_minutes",
    "meeting_kind", "attendee_email", "parked_questions",
)

#: How a meeting happens, in words for the CRM's location field.
MEETING_PLACE = {"web": "Web meeting", "phone": "Phone", "in_person": "In person"}

_E164 = re.compile(r"\+[0-9]{6,15}( ext\. [0-9]{1,10})?")


@dataclass(frozen=True)
class ExportRequest:
    """What to export: the target CRM, the period (local dates, inclusive), reps, and where."""

    target: str
    zone: str
    since: date | None = None
    until: date | None = None
    rep_ids: tuple[int, ...] = ()
    include_exported: bool = False
    output: Path | None = None  # None: callcoach-TARGET-YYYYMMDD-HHMM.csv here


@dataclass
class ExportResult:
    """What a run wrote: the files (with their row counts), calls and meetings."""

    calls: int = 0
    meetings: int = 0
    files: list[tuple[Path, int]] = field(default_factory=list)
    earlier: int = 0  # activities in the period skipped because they were exported before


def _cell(value: object) -> str:
    """A text cell, formula-safe. Numbers, our own timestamps and strict E.164 numbers
    (a plus and digits: no formula can hide there) are written as they are."""
    if value is None:
        return ""
    text = str(value)
    if _E164.fullmatch(text):
        return text
    return neutralise(text)


def _csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(header)
    for row in rows:
        w.writerow([v if isinstance(v, int | float) else _cell(v) for v in row])
    return out.getvalue()


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _utc_minute(t: datetime) -> str:
    """``2026-12-04 14:05`` in UTC (HubSpot: set the import's time zone to UTC)."""
    return _aware(t).astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _sf_datetime(t: datetime) -> str:
    """Salesforce Data Loader's date-time: ``2026-12-04T14:05:00.000Z``."""
    return _aware(t).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _local_iso(t: datetime, zone: ZoneInfo) -> str:
    """``2026-12-04T09:05:00-05:00``: the time in the display zone, with its offset."""
    return _aware(t).astimezone(zone).replace(microsecond=0).isoformat()


def _phone(row: dict[str, Any]) -> str:
    ext = row.get("extension") or ""
    return f"{row['phone']} ext. {ext}" if ext else str(row["phone"])


def _name(row: dict[str, Any]) -> str:
    return " ".join(p for p in (row["first_name"], row["last_name"]) if p) or row["phone"]


def _objection_lines(objections: list[tuple[str, str, bool | None]]) -> list[str]:
    words = {True: "overcome", False: "not overcome", None: "not marked"}
    return [f"{i}. {text} ({words[overcome]})" for i, (_, text, overcome) in
            enumerate(objections, 1)]


def _description(row: dict[str, Any], objections: list[tuple[str, str, bool | None]]) -> str:
    """The call's notes, then its objections in order with how each ended."""
    parts = [row["notes"].strip()] if (row["notes"] or "").strip() else []
    if objections:
        parts.append("Objections: " + "; ".join(_objection_lines(objections)))
    parts.append(f"Logged by callcoach ({row['rep_name']}, list {row['list_name']})")
    return "\n".join(parts)


def _duration(row: dict[str, Any]) -> int:
    return int(round(row["duration_seconds"] or 0))


def _meeting_title(row: dict[str, Any]) -> str:
    company = f" ({row['company']})" if row["company"] else ""
    return f"Meeting with {_name(row)}{company}"


def _place(row: dict[str, Any]) -> str:
    return MEETING_PLACE.get(row["kind"], str(row["kind"]))


def _attendee(row: dict[str, Any]) -> str:
    return str(row["attendee_email"] or row["contact_email"] or "")


def _hubspot(calls: list[dict[str, Any]], meetings: list[dict[str, Any]],
             objections: dict[int, list[tuple[str, str, bool | None]]],
             zone: ZoneInfo) -> list[tuple[str, str, int]]:
    call_rows = []
    for r in calls:
        outcome = Outcome(r["outcome"])
        call_rows.append([
            _utc_minute(r["dialed_at"]), f"Cold call: {BY_OUTCOME[outcome].label}", "Outbound",
            "Completed", HUBSPOT_OUTCOME[outcome], _duration(r) * 1000,
            _description(r, objections.get(r["id"], [])), _phone(r), r["record_id"],
            r["contact_email"],
        ])
    meeting_rows = []
    for m in meetings:
        end = _aware(m["starts_at"]) + timedelta(minutes=m["duration_minutes"])
        meeting_rows.append([
            _utc_minute(m["booked_at"]), _meeting_title(m), _utc_minute(m["starts_at"]),
            _utc_minute(end), _place(m), "Scheduled", m["parked_questions"], m["record_id"],
            _attendee(m),
        ])
    return [("calls", _csv(HUBSPOT_CALLS, call_rows), len(call_rows)),
            ("meetings", _csv(HUBSPOT_MEETINGS, meeting_rows), len(meeting_rows))]


def _salesforce(calls: list[dict[str, Any]], meetings: list[dict[str, Any]],
                objections: dict[int, list[tuple[str, str, bool | None]]],
                zone: ZoneInfo) -> list[tuple[str, str, int]]:
    task_rows = []
    for r in calls:
        outcome = Outcome(r["outcome"])
        task_rows.append([
            r["record_id"], f"Call: {BY_OUTCOME[outcome].label}",
            _aware(r["dialed_at"]).astimezone(zone).date().isoformat(), "Completed", "Normal",
            "Call", "Call", "Outbound", _duration(r), SALESFORCE_DISPOSITION[outcome],
            _description(r, objections.get(r["id"], [])), r["contact_email"], _phone(r),
        ])
    event_rows = []
    for m in meetings:
        end = _aware(m["starts_at"]) + timedelta(minutes=m["duration_minutes"])
        event_rows.append([
            m["record_id"], _meeting_title(m), _sf_datetime(m["starts_at"]), _sf_datetime(end),
            _place(m), "Meeting", m["parked_questions"], _attendee(m), _phone(m),
        ])
    return [("tasks", _csv(SALESFORCE_TASKS, task_rows), len(task_rows)),
            ("events", _csv(SALESFORCE_EVENTS, event_rows), len(event_rows))]


def _plain(calls: list[dict[str, Any]], meetings: list[dict[str, Any]],
           objections: dict[int, list[tuple[str, str, bool | None]]],
           zone: ZoneInfo) -> list[tuple[str, str, int]]:
    rows: list[list[object]] = []
    for r in calls:
        raised = objections.get(r["id"], [])
        rows.append([
            "call", r["id"], r["record_id"], r["contact_email"], _phone(r), r["first_name"],
            r["last_name"], r["company"], r["list_name"], r["rep_name"],
            _local_iso(r["dialed_at"], zone), _duration(r), r["outcome"],
            BY_OUTCOME[Outcome(r["outcome"])].label, r["notes"],
            "; ".join(key for key, _, _ in raised),
            "; ".join(key for key, _, overcome in raised if overcome),
            "", "", "", "", "",
        ])
    for m in meetings:
        rows.append([
            "meeting", m["id"], m["record_id"], m["contact_email"], _phone(m), m["first_name"],
            m["last_name"], m["company"], m["list_name"], m["rep_name"],
            _local_iso(m["booked_at"], zone), "", "meeting", BY_OUTCOME[Outcome.MEETING].label,
            "", "", "", _local_iso(m["starts_at"], zone), m["duration_minutes"], m["kind"],
            _attendee(m), m["parked_questions"],
        ])
    return [("", _csv(PLAIN, rows), len(rows))]


_RENDER: dict[str, Callable[..., list[tuple[str, str, int]]]] = {
    "hubspot": _hubspot, "salesforce": _salesforce, "csv": _plain,
}


def output_paths(target: str, output: Path | None, now: datetime) -> dict[str, Path]:
    """Where each of the target's files goes: ``FILE`` for plain CSV; ``STEM-calls.csv`` and
    ``STEM-meetings.csv`` (HubSpot) or ``STEM-tasks.csv`` and ``STEM-events.csv``
    (Salesforce) beside ``FILE``, one per import. A folder gets the default names inside."""
    default = f"callcoach-{target}-{now.strftime('%Y%m%d-%H%M')}.csv"
    base = output / default if output is not None and output.is_dir() else output or Path(default)
    parts = {"hubspot": ("calls", "meetings"), "salesforce": ("tasks", "events"),
             "csv": ("",)}[target]
    suffix = base.suffix or ".csv"
    return {p: base.with_name(f"{base.stem}-{p}{suffix}") if p else base.with_suffix(suffix)
            for p in parts}


def export_activities(db: Database, request: ExportRequest, now: datetime) -> ExportResult:
    """Write the activities ``request`` asks for and record them as exported to its target."""
    if request.target not in TARGETS:
        raise ExportError(f"--format {request.target!r}: expected one of {', '.join(TARGETS)}")
    if request.since and request.until and request.until < request.since:
        raise ExportError(f"--until {request.until} is before --since {request.since}")
    zone = ZoneInfo(request.zone)
    start = (datetime.combine(request.since, datetime.min.time(), zone).astimezone(UTC)
             if request.since else None)
    end = (datetime.combine(request.until + timedelta(days=1), datetime.min.time(), zone)
           .astimezone(UTC) if request.until else None)
    paths = output_paths(request.target, request.output, now.astimezone(zone))
    for path in paths.values():
        if path.is_dir():
            raise ExportError(f"--output {path}: is a directory")
    result = ExportResult()
    written: list[Path] = []
    try:
        with db.transaction() as session:
            calls = sql.call_rows(session, request.target, start, end, request.rep_ids,
                                  request.include_exported)
            meetings = sql.meeting_rows(session, request.target, start, end, request.rep_ids,
                                        request.include_exported)
            if not request.include_exported:
                every = sql.call_rows(session, request.target, start, end, request.rep_ids, True)
                result.earlier = len(every) - len(calls)
            if not calls and not meetings:
                return result
            objections = sql.objections_of(session, [r["id"] for r in calls])
            for part, text, count in _RENDER[request.target](calls, meetings, objections, zone):
                if count == 0:
                    continue
                path = paths[part]
                try:
                    write_atomically(path, text.encode("utf-8"))
                except OSError as exc:
                    raise ExportError(f"--output {path}: cannot write ({exc.strerror})") from None
                written.append(path)
                result.files.append((path, count))
            sql.record_exported(session, request.target, "call", [r["id"] for r in calls], now)
            sql.record_exported(session, request.target, "meeting",
                                [m["id"] for m in meetings], now)
    except BaseException:
        # Nothing is recorded as exported unless every file is whole: remove what was written.
        for path in written:
            path.unlink(missing_ok=True)
        raise
    result.calls, result.meetings = len(calls), len(meetings)
    return result
