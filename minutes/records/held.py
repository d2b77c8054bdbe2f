"""Recordings held for processing but not yet stored: a web upload (`uploads/`) or a batch's shared copy
(`incoming/`), each named on its Job row until the record stage stores the recording and drops the copy.

Nothing derived from a recording may exist before the meeting's record gate allows it. Uploads and enqueues check
the gate before they keep anything; should the gate close while a copy waits (a refusal, a withdrawal, someone
present added without consent), the copy is deleted in the same transaction (`consent.hooks.on_gate_closed`),
and so does `minutes purge` for any copy whose meeting's gate is closed. The job says why, and that the recording
must be uploaded again once everyone has consented.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlmodel import Session, col, select

from minutes.consent.gate import check
from minutes.consent.hooks import on_gate_closed
from minutes.core.config import Settings, load_settings
from minutes.db import Job, utcnow

LOG = logging.getLogger("minutes.records.held")  # ids and counts only
FOLDERS = ("uploads", "incoming")
DROPPED = (
    "the recording was deleted without being stored: not everyone present consents to recording "
    "({who}); upload it again once they do"
)


def held_path(settings: Settings, job: Job) -> Path | None:
    """The job's copy of its recording while it waits to be stored, else None."""
    path = Path(job.source)
    return path if path.parent in {settings.files_dir / f for f in FOLDERS} else None


@on_gate_closed
def on_gate_closed_hook(session: Session, meeting_id: int) -> None:
    drop_held(session, session.info.get("settings") or load_settings(), meeting_id)


def drop_held(session: Session, settings: Settings, meeting_id: int, dry_run: bool = False) -> list[str]:
    """Delete the meeting's held copies unless its record gate allows recording now; returns their paths
    (`dry_run`: the same list, nothing changed). A copy that another waiting job, of a meeting whose gate
    allows it, still needs (the same bytes) is kept."""
    decision = check(session, meeting_id, "record")
    if decision.allowed:
        return []
    who = ", ".join(f"{m.participant or 'nobody present'} {m.state}" for m in decision.missing)
    dropped = []
    jobs = session.exec(select(Job).where(Job.meeting_id == meeting_id, Job.status != "done")).all()
    for job in jobs:
        path = held_path(settings, job)
        if path is None:
            continue
        if not _needed_elsewhere(session, job) and path.exists():
            dropped.append(str(path))
            if not dry_run:
                path.unlink(missing_ok=True)
        if dry_run:
            continue
        if job.status != "running":  # a running job finds the file gone and its stage blocked
            job.status, job.reason, job.updated_at = "blocked", DROPPED.format(who=who), utcnow()
            session.add(job)
    if dropped:
        LOG.info("meeting %s: %d held recording(s) deleted, record consent missing", meeting_id, len(dropped))
    return dropped


def _needed_elsewhere(session: Session, job: Job) -> bool:
    others = session.exec(
        select(Job).where(
            Job.source == job.source,
            Job.id != job.id,
            Job.meeting_id != job.meeting_id,
            col(Job.status).in_(("queued", "running")),
        )
    ).all()
    return any(o.meeting_id is not None and check(session, o.meeting_id, "record").allowed for o in others)


def meetings_holding(session: Session, settings: Settings) -> list[int]:
    """The meetings with a job still holding an unstored copy of its recording."""
    jobs = session.exec(select(Job).where(Job.status != "done", col(Job.meeting_id).is_not(None))).all()
    return sorted(
        {
            j.meeting_id
            for j in jobs
            if j.meeting_id is not None and (p := held_path(settings, j)) and p.exists()
        }
    )
