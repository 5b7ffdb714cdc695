"""The stall watchdog: a PostgreSQL connection a watched thread holds too long is cut, so
a server that accepts a statement and never answers fails it instead of holding the thread."""

from __future__ import annotations

import os
import socket
import threading
import time
import weakref
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

#: Seconds a watched thread (see :meth:`Database.watched`) may hold one PostgreSQL
#: connection before it counts as lost. ``tcp_user_timeout`` catches a server that stops
#: acknowledging; this catches one that acknowledges and never answers: a hung server or a
#: proxy in front of it (pgbouncer, an SSH tunnel) that stalls. The block screen's writes
#: take milliseconds; a connection cut here fails its statement like a dropped one, which
#: the outcome journal handles (an outcome is idempotent by its client_uuid).
PG_STALL_SECONDS = 5.0


class _StallGuard:
    """Cuts the socket of a PostgreSQL connection that a watched thread has held for more
    than ``seconds``: the statement waiting on it fails at once as a lost connection."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._watched: set[int] = set()
        self._held: dict[int, tuple[float, Any]] = {}  # id(dbapi conn) -> (deadline, conn)
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, on: bool) -> None:
        """Watch (or stop watching) the calling thread's connections."""
        ident = threading.get_ident()
        with self._changed:
            if on:
                self._watched.add(ident)
            else:
                self._watched.discard(ident)

    def checkout(self, dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        if threading.get_ident() not in self._watched:
            return
        with self._changed:
            self._held[id(dbapi_conn)] = (time.monotonic() + self.seconds, dbapi_conn)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="callcoach-stall-guard", daemon=True
                )
                self._thread.start()
            self._changed.notify()

    def checkin(self, dbapi_conn: Any, _record: Any) -> None:
        if self._held:
            with self._changed:
                self._held.pop(id(dbapi_conn), None)

    def _run(self) -> None:
        with self._changed:
            while True:
                now = time.monotonic()
                for key, (deadline, conn) in list(self._held.items()):
                    if deadline <= now:
                        del self._held[key]
                        _cut(conn)
                soonest = min((d for d, _ in self._held.values()), default=None)
                self._changed.wait(None if soonest is None else max(soonest - now, 0.01))


def _cut(dbapi_conn: Any) -> None:  # a psycopg connection
    """Shut a connection's socket down: whatever waits on it gets an error at once."""
    try:
        fd = os.dup(dbapi_conn.pgconn.socket)
    except Exception:  # closed meanwhile: nothing to cut
        return
    sock = socket.socket(fileno=fd)
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        sock.close()


_STALL_GUARDS: weakref.WeakKeyDictionary[Engine, _StallGuard] = weakref.WeakKeyDictionary()


def install(engine: Engine) -> None:
    """Watch ``engine``'s connections for stalls (PostgreSQL engines)."""
    guard = _StallGuard(PG_STALL_SECONDS)
    event.listen(engine, "checkout", guard.checkout)
    event.listen(engine, "checkin", guard.checkin)
    _STALL_GUARDS[engine] = guard


def guard_of(engine: Engine) -> _StallGuard | None:
    """The watchdog of ``engine``, if it has one (SQLite engines have none)."""
    return _STALL_GUARDS.get(engine)
