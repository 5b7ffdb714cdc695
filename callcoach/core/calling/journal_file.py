"""The journal file: outcomes not yet on the server, kept on this machine.

One JSON object per line, appended and fsync'd before the rep is told the outcome is safe;
one file per database (keyed by the URL without password) in the data dir, guarded by a
lock file so several callcoach processes on one machine take turns. Lines that cannot be
read go to a ``.rejected`` file beside it with the reason. What is written to the server,
and when, is :mod:`callcoach.core.calling.journal`'s job.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from callcoach import paths
from callcoach.storage.urls import safe_url

try:  # POSIX: serialise appends and replays of several callcoach processes on one machine
    import fcntl
except ImportError:  # pragma: no cover - Windows: one process per journal is assumed
    fcntl = None  # type: ignore[assignment]

JOURNAL_VERSION = 1

def iso_utc(value: datetime | None) -> str | None:
    """An instant as ISO text in UTC (None stays None)."""
    return value.astimezone(UTC).isoformat() if value is not None else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).astimezone(UTC) if value else None


def utc_instant(value: str) -> datetime:
    """ISO text back to an aware UTC instant."""
    return datetime.fromisoformat(value).astimezone(UTC)


@dataclass(frozen=True)
class JournalEntry:
    """One outcome waiting to be written: everything ``outcomes.log_outcome`` needs."""

    client_uuid: str
    database: str  # URL without password, so an entry is only replayed where it belongs
    block_id: int
    contact_id: int | None
    outcome: str
    logged_at: datetime  # when the rep logged it: replay writes this instant, not the later one
    note: str = ""
    callback_at: datetime | None = None
    meeting: dict[str, Any] | None = None  # MeetingDetails fields (starts_at as ISO text)
    dial_if_needed: bool = False
    undoes: str | None = None  # an undo (outcome "undo"): the client_uuid of the outcome undone

    def to_json(self) -> str:
        """One JSON line (no newline)."""
        data = asdict(self)
        data["v"] = JOURNAL_VERSION
        data["logged_at"] = iso_utc(self.logged_at)
        data["callback_at"] = iso_utc(self.callback_at)
        return json.dumps(data, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, line: str) -> JournalEntry:
        """Parse one journal line; ValueError/KeyError/TypeError when it is not one."""
        data = json.loads(line)
        if not isinstance(data, dict):
            raise ValueError(f"not a journal entry: {data!r}")
        if data.get("v") != JOURNAL_VERSION:
            raise ValueError(f"unknown journal format version {data.get('v')!r}")
        return cls(
            client_uuid=str(data["client_uuid"]),
            database=str(data["database"]),
            block_id=int(data["block_id"]),
            contact_id=None if data.get("contact_id") is None else int(data["contact_id"]),
            outcome=str(data["outcome"]),
            logged_at=utc_instant(data["logged_at"]),
            note=str(data.get("note") or ""),
            callback_at=_dt(data.get("callback_at")),
            meeting=data.get("meeting"),
            dial_if_needed=bool(data.get("dial_if_needed", False)),
            undoes=None if data.get("undoes") is None else str(data["undoes"]),
        )


def journal_path(url: str, data_dir: Path | None = None) -> Path:
    """The journal file for the database at ``url`` (one per database, in the data dir)."""
    key = hashlib.sha256(safe_url(url).encode()).hexdigest()[:16]
    return (data_dir or paths.data_dir()) / "journal" / f"outcomes-{key}.jsonl"


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - some platforms cannot open directories
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


class OutcomeJournal:
    """The on-disk journal of outcomes not yet written to the server (fsync'd JSON lines)."""

    def __init__(self, path: Path, database: str) -> None:
        self.path = Path(path)
        self.database = safe_url(database)
        self.rejected_path = self.path.with_suffix(".rejected.jsonl")
        self._lock_path = self.path.with_suffix(".lock")

    @classmethod
    def for_database(cls, url: str, data_dir: Path | None = None) -> OutcomeJournal:
        """The journal of the database at ``url`` in the (given or user) data dir."""
        return cls(journal_path(url, data_dir), url)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the journal's lock file (other callcoach processes on this machine wait)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self._lock_path, "a+b") as lock:
            if fcntl is not None:
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                if fcntl is not None:
                    fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def has_pending(self) -> bool:
        """Cheap check (one stat) for entries waiting."""
        try:
            return self.path.stat().st_size > 0
        except FileNotFoundError:
            return False

    def append(self, entry: JournalEntry) -> None:
        """Append one entry and make it durable (flush + fsync) before returning."""
        with self.locked():
            self._append_unlocked(self.path, entry.to_json())

    def _append_unlocked(self, path: Path, line: str) -> None:
        new = not path.exists()
        with open(path, "ab") as fh:
            fh.write(line.encode() + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        if new:
            _fsync_dir(path.parent)

    def _read_unlocked(self) -> tuple[list[JournalEntry], list[tuple[str, str]]]:
        """Entries in order, plus (line, reason) for lines that are not entries."""
        if not self.path.exists():
            return [], []
        raw = self.path.read_bytes()
        lines = raw.split(b"\n")
        entries: list[JournalEntry] = []
        bad: list[tuple[str, str]] = []
        for number, chunk in enumerate(lines, start=1):
            if not chunk.strip():
                continue
            text = chunk.decode("utf-8", errors="replace")
            torn_tail = number == len(lines) and not raw.endswith(b"\n")
            try:
                entries.append(JournalEntry.from_json(text))
            except (ValueError, KeyError, TypeError) as exc:
                if torn_tail:
                    # A write cut short by a crash: it was never confirmed to the rep.
                    continue
                bad.append((text, f"{self.path}:{number}: unreadable journal line ({exc})"))
        return entries, bad

    def pending(self) -> list[JournalEntry]:
        """Every entry still waiting, oldest first."""
        with self.locked():
            return self._read_unlocked()[0]

    def _rewrite_unlocked(self, entries: list[JournalEntry]) -> None:
        """Atomically replace the journal with ``entries`` (temp file, fsync, rename)."""
        if not entries:
            if self.path.exists():
                self.path.unlink()
                _fsync_dir(self.path.parent)
            return
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            for entry in entries:
                fh.write(entry.to_json().encode() + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        _fsync_dir(self.path.parent)

    def _reject_unlocked(self, line: str, reason: str) -> None:
        record = json.dumps({"reason": reason, "entry": line}, separators=(",", ":"))
        self._append_unlocked(self.rejected_path, record)
