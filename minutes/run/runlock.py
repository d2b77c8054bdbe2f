"""One `process` run per meeting at a time: a lease row in the database, so it holds across machines that share
a PostgreSQL store as well as for processes on one SQLite file.

`hold` takes the meeting's lease (inside `lock_meeting`, so two runs cannot both take it), renews it from a
background thread every `HEARTBEAT` seconds and gives it back at the end. A second run is refused with
`MeetingBusy` (exit code 8), naming the holder. A crashed run cannot block forever: its lease is stale as soon
as its process is gone (same host), or once it has not been renewed for `LEASE` (any host). Each stage's commit
checks that the run still holds the lease (`check`), so a run whose lease was taken over stores nothing more.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from minutes.consent.meetings import lock_meeting
from minutes.core.files import pid_alive
from minutes.core.store import Database
from minutes.dates import local_time
from minutes.db import RunLock, utcnow
from minutes.db.audit import append_event
from minutes.errors import StateError

LOG = logging.getLogger("minutes.run.runlock")
HEARTBEAT = 30.0  # seconds between renewals
LEASE = timedelta(minutes=5)  # a lease not renewed for this long is stale


class MeetingBusy(StateError):
    """Another run holds the meeting."""

    exit_code = 8


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def stale(row: RunLock, now: datetime | None = None) -> bool:
    """Is the lease abandoned: its process gone (same host), or not renewed for LEASE?"""
    if row.host == socket.gethostname() and not pid_alive(row.pid):
        return True
    return (now or utcnow()) - _aware(row.heartbeat_at) > LEASE


def acquire(db: Database, meeting_id: int, actor: str) -> str:
    """Take the meeting's lease; returns its token. MeetingBusy when another live run holds it."""
    with db.session() as s:
        lock_meeting(s, meeting_id)
        row = s.get(RunLock, meeting_id)
        if row is not None and not stale(row):
            raise MeetingBusy(
                f"meeting {meeting_id} is being processed by another run (pid {row.pid} on {row.host}, "
                f"by {row.actor}, since {local_time(row.acquired_at, seconds=True)})",
                "wait for it to finish; if it crashed on another machine, its lease lapses "
                f"{int(LEASE.total_seconds() // 60)} minutes after it was last renewed",
            )
        if row is not None:
            append_event(s, "run.lease.takeover", actor, meeting_id, {"host": row.host, "pid": row.pid})
            s.delete(row)
            s.flush()
        token = secrets.token_hex(16)
        s.add(
            RunLock(
                meeting_id=meeting_id, token=token, host=socket.gethostname(), pid=os.getpid(), actor=actor
            )
        )
    return token


def check(s: Session, meeting_id: int, token: str) -> None:
    """Inside a commit: MeetingBusy unless this run still holds the meeting's lease."""
    row = s.get(RunLock, meeting_id)
    if row is None or row.token != token:
        raise MeetingBusy(
            f"meeting {meeting_id}: this run's lease was taken over by another run; its result was not stored"
        )


def renew(db: Database, meeting_id: int, token: str) -> bool:
    with db.session() as s:
        row = s.get(RunLock, meeting_id)
        if row is None or row.token != token:
            return False
        row.heartbeat_at = utcnow()
        s.add(row)
    return True


def release(db: Database, meeting_id: int, token: str) -> None:
    with db.session() as s:
        row = s.get(RunLock, meeting_id)
        if row is not None and row.token == token:
            s.delete(row)


@contextmanager
def hold(db: Database, meeting_id: int, actor: str) -> Iterator[str]:
    """The meeting's lease for the length of the block, renewed in the background; yields its token."""
    token = acquire(db, meeting_id, actor)
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(HEARTBEAT):
            try:
                if not renew(db, meeting_id, token):
                    LOG.warning("meeting %s: the run's lease was taken over", meeting_id)
                    return
            except Exception as exc:  # a busy database: try again at the next beat
                LOG.warning("meeting %s: lease not renewed (%s)", meeting_id, type(exc).__name__)

    thread = threading.Thread(target=beat, name=f"lease-{meeting_id}", daemon=True)
    thread.start()
    try:
        yield token
    finally:
        stop.set()
        thread.join()
        release(db, meeting_id, token)
