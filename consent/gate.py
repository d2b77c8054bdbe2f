"""The consent gate: a stage of processing runs only when every current participant who is present (or in
attendance) has given every scope its result depends on. Someone who sent apologies or is absent is not recorded
and needs no consent; marking them present makes the gate need it at once (see `attendance`).

A stage's result is derived from every stage before it, so each stage needs its own scope and all earlier ones
(`NEEDS`): transcribe needs record and transcribe; summarise needs all four. A refusal, withdrawal, expiry or
missing consent by anyone present blocks the stage for the whole meeting; so does a meeting with nobody present
(nobody has consented to anything).

`begin_stage` locks the meeting (see `meetings.lock_meeting`) before it reads consent, so the check and the
`started` StageRun are one atomic step: a consent change either commits before it (and is seen) or waits for it.
When the gate refuses, `begin_stage` writes a `blocked` StageRun and a `stage.blocked` audit event, COMMITS the
session (with anything else the caller had pending in it), then raises ConsentBlocked. A withdrawal marks the
meeting's running stages `blocked` (`cancel_running`): their inputs may have just been purged, so their results
must be discarded, whatever scope was withdrawn.
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from minutes.consent.errors import ConsentError, ConsentInputError
from minutes.consent.meetings import lock_meeting
from minutes.consent.status import SCOPES, State, consent_status
from minutes.db import Recording, StageRun, utcnow
from minutes.db.audit import append_event
from minutes.db.ids import stored_id

STAGES: tuple[str, ...] = SCOPES
NEEDS: dict[str, tuple[str, ...]] = {stage: STAGES[: i + 1] for i, stage in enumerate(STAGES)}
_PLAIN = re.compile(r"[\w .'-]+")


@dataclass(frozen=True)
class Missing:
    participant_id: int | None  # None: the meeting has no participants
    participant: str
    scope: str
    state: str  # missing, refused, withdrawn, expired, or "no participants"


@dataclass(frozen=True)
class GateDecision:
    meeting_id: int
    stage: str
    allowed: bool
    missing: list[Missing]
    # every scope of the whole chain someone present has not given (this stage's and later ones'), so the
    # printed commands unblock every later stage at once instead of one stage per rerun
    unfinished: list[Missing] = field(default_factory=list)


class ConsentBlocked(ConsentError):
    """A stage was refused by the gate; `decision` says who is missing what."""

    def __init__(self, decision: GateDecision):
        super().__init__(blocked_message(decision))
        self.decision = decision


def _quote(name: str) -> str:
    return f'"{name}"' if _PLAIN.fullmatch(name) else shlex.quote(name)


def blocked_message(decision: GateDecision) -> str:
    """One line: who is missing what, and the command that records consent."""
    mid, stage = decision.meeting_id, decision.stage
    if decision.missing and decision.missing[0].participant_id is None:
        return (
            f"{stage} is blocked for meeting {mid}: it has no participants present; "
            f"add them with `minutes participant add {mid} NAME`"
        )
    missing: dict[str, list[str]] = {}  # each person's scopes not given, this stage's first, then later ones'
    for m in decision.missing + decision.unfinished:
        if m.scope not in missing.setdefault(m.participant, []):
            missing[m.participant].append(m.scope)
    if all(m.scope == stage for m in decision.missing):
        what = f"no {stage} consent from " + ", ".join(
            f"{m.participant} ({m.state})" for m in decision.missing
        )
    else:
        cells: dict[str, list[str]] = {}
        for m in decision.missing:
            cells.setdefault(m.participant, []).append(f"{m.scope} {m.state}")
        what = f"it needs {', '.join(NEEDS[stage])} consent; missing: " + ", ".join(
            f"{who} ({', '.join(c)})" for who, c in cells.items()
        )
    commands = "; ".join(
        f"`minutes consent give {mid} {_quote(who)} --scope {_scopes(scopes)} --method verbal`"
        for who, scopes in missing.items()
    )
    later = sorted(
        {m.scope for m in decision.unfinished} - set(NEEDS[stage]), key=STAGES.index
    )  # what the later stages would stop on next
    how = (
        f"the later stages need {', '.join(later)} consent too, so if they agree, record it all at once with"
        if later
        else "if they agree, record it with"
    )
    return f"{stage} is blocked for meeting {mid}: {what}; {how} {commands}"


def _scopes(scopes: list[str]) -> str:
    """The --scope value: `all` when it is every scope, else the scopes in stage order."""
    return "all" if set(scopes) == set(STAGES) else ",".join(s for s in STAGES if s in scopes)


def _stage(stage: str) -> str:
    if stage not in STAGES:
        raise ConsentInputError(f"unknown stage {stage!r} (use record, transcribe, diarise or summarise)")
    return stage


def check(session: Session, meeting_id: int, stage: str, on: dt.date | None = None) -> GateDecision:
    """May `stage` run for the meeting now (day `on`, default today), i.e. has everyone given every scope in
    `NEEDS[stage]`? Reads only; takes no lock. Missing entries are listed scope by scope, in stage order."""
    scopes = NEEDS[_stage(stage)]
    status = consent_status(session, meeting_id, on)
    if not status.recorded:
        return GateDecision(status.meeting_id, stage, False, [Missing(None, "", stage, "no participants")])
    unfinished = [
        Missing(p.participant_id, p.name, scope, p.scopes[scope].state.value)
        for scope in STAGES
        for p in status.recorded
        if p.scopes[scope].state != State.GIVEN
    ]
    missing = [m for m in unfinished if m.scope in scopes]
    return GateDecision(status.meeting_id, stage, not missing, missing, unfinished)


def begin_stage(
    session: Session,
    meeting_id: int,
    stage: str,
    recording_id: int | None = None,
    actor: str = "minutes",
    on: dt.date | None = None,
) -> StageRun:
    """Lock the meeting, check the gate, and record the StageRun as `started`, all in the caller's transaction.

    Not allowed: records a `blocked` StageRun and audit event, commits the session, raises ConsentBlocked."""
    _stage(stage)
    mid = stored_id(lock_meeting(session, meeting_id))
    if recording_id is not None:
        rec = session.get(Recording, recording_id)
        if rec is None or rec.meeting_id != mid:
            raise ConsentInputError(f"meeting {mid} has no recording {recording_id}")
    decision = check(session, mid, stage, on)
    run = StageRun(
        meeting_id=mid,
        recording_id=recording_id,
        stage=stage,
        status="started" if decision.allowed else "blocked",
        detail=""
        if decision.allowed
        else "consent: " + ", ".join(f"participant {m.participant_id} {m.state}" for m in decision.missing),
    )
    session.add(run)
    session.flush()
    subject: dict[str, Any] = {"stage_run_id": run.id, "stage": stage, "recording_id": recording_id}
    if decision.allowed:
        append_event(session, "stage.started", actor, mid, subject=subject)
        return run
    subject["missing"] = [[m.participant_id, m.state] for m in decision.missing]
    append_event(session, "stage.blocked", actor, mid, subject=subject)
    session.commit()
    raise ConsentBlocked(decision)


def finish_stage(
    session: Session, stage_run: StageRun, status: str = "done", detail: str = "", actor: str = "minutes"
) -> StageRun:
    """Mark a started StageRun done, blocked (its result discarded because consent changed while it ran) or
    failed; the run may come from another, closed session. Returns the row."""
    if status not in ("done", "blocked", "failed"):
        raise ConsentInputError(f"a stage finishes as done, blocked or failed, not {status!r}")
    run = session.get(StageRun, stage_run.id)
    if run is None or run.status != "started":
        raise ConsentInputError(f"stage run {stage_run.id} is not running")
    run.status, run.detail, run.finished_at = status, detail, utcnow()
    session.add(run)
    session.flush()
    append_event(
        session,
        f"stage.{status}",
        actor,
        run.meeting_id,
        subject={"stage_run_id": run.id, "stage": run.stage, "recording_id": run.recording_id},
    )
    return run


def cancel_running(session: Session, meeting_id: int, actor: str, reason: str) -> list[int]:
    """Mark every `started` stage of the meeting `blocked`, in the caller's transaction (a withdrawal's): the
    stage's commit then finds it no longer running and discards its result. Returns the StageRun ids."""
    runs = session.exec(
        select(StageRun)
        .where(StageRun.meeting_id == meeting_id, StageRun.status == "started")
        .order_by(col(StageRun.id))
    ).all()
    for run in runs:
        finish_stage(session, run, "blocked", reason, actor)
    return [stored_id(run) for run in runs]
