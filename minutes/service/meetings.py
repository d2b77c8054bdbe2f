"""Meetings and their participants, and the one-word status the meetings list shows for each.

Status, from furthest along: released, approved, rejected, pending review (pending or in review), processing
(a job queued or running: the web app's, a batch's or a `minutes process` run's), blocked (processing stopped at
the consent gate), failed, recorded (a recording is stored, not processed yet), ready (everyone has given every
scope), consent missing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from minutes.consent import attendance as attendance_rules
from minutes.consent.status import SCOPES, State, resolve
from minutes.consent.text import as_id
from minutes.core.names import participant as named_participant
from minutes.db import (
    ConsentRecord,
    DraftRow,
    DraftStatus,
    Job,
    Meeting,
    Participant,
    Recording,
    Release,
    Review,
)
from minutes.db.ids import stored_id
from minutes.db.meeting import NOT_RECORDED
from minutes.errors import NotFoundError
from minutes.records import agenda as agenda_rules
from minutes.records import meetings as meeting_records
from minutes.records import series as series_rules
from minutes.service.context import Ctx
from minutes.service.joblist import current_status

STATUS_LABELS = {
    "consent_missing": "Consent missing",
    "ready": "Ready to upload",
    "recorded": "Recording stored",
    "processing": "Processing",
    "blocked": "Stopped: consent",
    "failed": "Processing failed",
    "pending_review": "Pending review",
    "approved": "Approved",
    "rejected": "Rejected",
    "released": "Released",
    "reissued": "Released, re-issued after a withdrawal",
    "withdrawn_review": "Back in review after a withdrawal",
}
_DRAFT_STATUS = {
    DraftStatus.PENDING: "pending_review",
    DraftStatus.IN_REVIEW: "pending_review",
    DraftStatus.APPROVED: "approved",
    DraftStatus.REJECTED: "rejected",
    DraftStatus.RELEASED: "released",
}
_JOB_STATUS = {"queued": "processing", "running": "processing", "blocked": "blocked", "failed": "failed"}


@dataclass(frozen=True)
class MeetingRow:
    id: int
    title: str
    date: dt.date
    participants: int
    status: str  # a key of STATUS_LABELS
    draft_id: int | None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class MeetingPage:
    rows: list[MeetingRow]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True)
class ParticipantView:
    id: int
    name: str
    role: str | None
    attendance: str = "present"  # one of ATTENDANCE
    apologies_accepted: bool | None = None


@dataclass(frozen=True)
class MeetingDetail:
    id: int
    title: str
    date: dt.date
    participants: list[ParticipantView]
    recordings: int
    status: str
    draft_id: int | None
    agenda: list[str] = field(default_factory=list)  # the item titles, in order

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def agenda_text(self) -> str:
        """The agenda as the numbered list it is typed as."""
        return "".join(f"{i}. {title}\n" for i, title in enumerate(self.agenda, 1))


_Query = TypeVar("_Query", bound=SelectOfScalar[Any])


def _filters(query: _Query, q: str | None, date_from: dt.date | None, date_to: dt.date | None) -> _Query:
    if q and q.strip():
        query = query.where(func.lower(Meeting.title).contains(q.strip().lower(), autoescape=True))
    if date_from:
        query = query.where(Meeting.date >= date_from)
    if date_to:
        query = query.where(Meeting.date <= date_to)
    return query


def list_meetings(
    ctx: Ctx,
    q: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    offset: int = 0,
    limit: int = 50,
) -> MeetingPage:
    """Newest first, searched by title (case-insensitive substring) and date range; one page of `limit`
    rows."""
    offset, limit = max(0, offset), max(1, min(limit, 200))
    with ctx.tx() as s:
        total = s.exec(_filters(select(func.count()).select_from(Meeting), q, date_from, date_to)).one()
        rows = s.exec(
            _filters(select(Meeting), q, date_from, date_to)
            .order_by(col(Meeting.date).desc(), col(Meeting.id).desc())
            .offset(offset)
            .limit(limit)
        ).all()
        ids = [stored_id(m) for m in rows]
        statuses = _statuses(s, ids)
        counts = dict(
            s.exec(
                select(Participant.meeting_id, func.count())
                .where(col(Participant.meeting_id).in_(ids))
                .group_by(col(Participant.meeting_id))
            ).all()
        )
        out = [
            MeetingRow(i, m.title, m.date, counts.get(i, 0), *statuses[i])
            for i, m in zip(ids, rows, strict=True)
        ]
    return MeetingPage(out, total, offset, limit)


def _statuses(s, ids: list[int]) -> dict[int, tuple[str, int | None]]:
    """Each meeting's status and latest draft, in a fixed number of queries."""
    drafts = {
        mid: (did, status)
        for did, mid, status in s.exec(
            select(DraftRow.id, DraftRow.meeting_id, DraftRow.status)
            .where(col(DraftRow.meeting_id).in_(ids))
            .order_by(col(DraftRow.id))
        ).all()
    }
    latest = {
        job.meeting_id: job
        for job in s.exec(select(Job).where(col(Job.meeting_id).in_(ids)).order_by(col(Job.id)))
    }
    jobs = {mid: current_status(s, job)[0] for mid, job in latest.items()}
    recorded = set(s.exec(select(Recording.meeting_id).where(col(Recording.meeting_id).in_(ids))).all())
    undecided = [mid for mid in ids if mid not in drafts and jobs.get(mid) not in _JOB_STATUS]
    ready = _ready(s, undecided)
    draft_ids = [did for did, _ in drafts.values()]
    reissued = set(
        s.exec(
            select(Release.draft_id).where(
                col(Release.draft_id).in_(draft_ids), col(Release.reissue_of).is_not(None)
            )
        )
    )
    reopened = set(  # a withdrawal sent an unreleased draft back to review: the reviewer checks it again
        s.exec(
            select(Review.draft_id).where(col(Review.draft_id).in_(draft_ids), Review.kind == "withdrawal")
        )
    )
    out: dict[int, tuple[str, int | None]] = {}
    for mid in ids:
        if mid in drafts:
            did, status = drafts[mid]
            shown = _DRAFT_STATUS[DraftStatus(status)]
            if shown == "released" and did in reissued:
                shown = "reissued"
            elif shown == "pending_review" and did in reopened:
                shown = "withdrawn_review"
            out[mid] = (shown, did)
        elif jobs.get(mid) in _JOB_STATUS:
            out[mid] = (_JOB_STATUS[jobs[mid]], None)
        elif mid in recorded:
            out[mid] = ("recorded", None)
        else:
            out[mid] = ("ready" if ready[mid] else "consent_missing", None)
    return out


def _ready(s, ids: list[int]) -> dict[int, bool]:
    """Has everyone present in each meeting given every scope? The gate's own rule (`consent.status.resolve`,
    people who sent apologies or are absent left out), applied to all the meetings' records at once."""
    if not ids:
        return {}
    today = dt.date.today()
    dates = dict(s.exec(select(col(Meeting.id), col(Meeting.date)).where(col(Meeting.id).in_(ids))).all())
    parts = s.exec(
        select(Participant).where(
            col(Participant.meeting_id).in_(ids), col(Participant.attendance).not_in(NOT_RECORDED)
        )
    ).all()
    own: dict[tuple[int, str], list[ConsentRecord]] = defaultdict(list)
    for r in s.exec(
        select(ConsentRecord).where(
            col(ConsentRecord.meeting_id).in_(ids), col(ConsentRecord.participant_id).is_not(None)
        )
    ).all():
        own[(r.participant_id, r.scope)].append(r)
    persons = {p.person_id for p in parts if p.person_id is not None}
    standing: dict[tuple[int, str], list[ConsentRecord]] = defaultdict(list)
    if persons:
        for r in s.exec(
            select(ConsentRecord).where(
                col(ConsentRecord.person_id).in_(persons), col(ConsentRecord.participant_id).is_(None)
            )
        ).all():
            standing[(r.person_id, r.scope)].append(r)
    ready = {mid: False for mid in ids} | {p.meeting_id: True for p in parts}
    for p in parts:
        for scope in SCOPES:
            cell = resolve(
                own[(p.id, scope)],
                standing[(p.person_id, scope)] if p.person_id else [],
                dates[p.meeting_id],
                today,
            )
            if cell.state != State.GIVEN:
                ready[p.meeting_id] = False
    return ready


@dataclass(frozen=True)
class Created:
    id: int
    title: str
    date: dt.date


@dataclass(frozen=True)
class Added:
    id: int
    meeting_id: int
    name: str
    role: str | None
    person_id: int | None
    attendance: str


def create_meeting(
    ctx: Ctx,
    title: str,
    date: str,
    participants: list[tuple[str, str | None]],
    actor: str,
    agenda: str | None = None,
    body: str | None = None,
    body_kind: str = "committee",
) -> int:
    """A meeting with its participants (name, role) and, when `agenda` has any text, its agenda (a numbered
    list, one item per line); returns its id. A bad agenda stores nothing, not even the meeting."""
    specs = [
        f"{n.strip()}:{r.strip()}" if r and r.strip() else n.strip() for n, r in participants if n.strip()
    ]
    titles = agenda_rules.agenda_text(agenda) if agenda and agenda.strip() else []
    return create_from_specs(ctx, title, date, specs, actor, titles, body, body_kind).id


def create_from_specs(
    ctx: Ctx,
    title: str,
    date: str,
    specs: Sequence[str],
    actor: str,
    titles: Sequence[str] = (),
    body: str | None = None,
    body_kind: str = "committee",
) -> Created:
    """A meeting with participants as "NAME[:ROLE]" and the agenda item titles, in one transaction; in the
    series of `body` when named (a new name creates the body)."""
    with ctx.tx() as s:
        row = meeting_records.create_meeting(s, title, date, specs, actor=actor)
        if titles:
            agenda_rules.set_agenda(s, stored_id(row), list(titles), actor)
        if body and body.strip():
            series_rules.set_body(
                s, row, series_rules.body_named(s, body, create=True, kind=body_kind, actor=actor), actor
            )
        return Created(stored_id(row), row.title, row.date)


def agenda_file(path: Path) -> str:
    """A UTF-8 agenda file's text; unreadable, oversized or non-UTF-8 files are one-line UsageErrors."""
    return agenda_rules.read_agenda_text(path)


def agenda_file_titles(path: Path) -> list[str]:
    """The item titles of an agenda file (a numbered list, one item per line)."""
    return agenda_rules.read_agenda(path)


def infos(ctx: Ctx) -> list[meeting_records.MeetingInfo]:
    """Every meeting with its participants and recording count, oldest first."""
    with ctx.tx() as s:
        return meeting_records.list_meetings(s)


def info(ctx: Ctx, meeting_id: int) -> tuple[meeting_records.MeetingInfo, list[str]]:
    """One meeting with its participants, and its agenda item titles."""
    with ctx.tx() as s:
        found = meeting_records.show_meeting(s, meeting_id)
        return found, agenda_rules.agenda_of(s, found.id)


def add_person(ctx: Ctx, name: str, role: str | None, actor: str) -> meeting_records.PersonInfo:
    """A person known across meetings, who can hold standing consent."""
    with ctx.tx() as s:
        row = meeting_records.add_person(s, name, role=role, actor=actor)
        return meeting_records.PersonInfo(stored_id(row), row.name, row.role, 0)


def people(ctx: Ctx) -> list[meeting_records.PersonInfo]:
    with ctx.tx() as s:
        return meeting_records.list_persons(s)


def set_agenda(ctx: Ctx, meeting_id: int, text: str, actor: str) -> list[str]:
    """Set or replace the meeting's agenda from a numbered list, audited; refused once minutes are released.
    Returns the item titles."""
    titles = agenda_rules.agenda_text(text or "")
    with ctx.tx() as s:
        require_meeting(s, meeting_id)
        agenda_rules.set_agenda(s, meeting_id, titles, actor)
    return titles


def detail(ctx: Ctx, meeting_id: int) -> MeetingDetail:
    with ctx.tx() as s:
        require_meeting(s, meeting_id)
        info = meeting_records.show_meeting(s, meeting_id)
        status, draft_id = _statuses(s, [info.id])[info.id]
        agenda = agenda_rules.agenda_of(s, info.id)
    return MeetingDetail(
        info.id,
        info.title,
        info.date,
        [
            ParticipantView(p.id, p.name, p.role, p.attendance, p.apologies_accepted)
            for p in info.participants
        ],
        info.recordings,
        status,
        draft_id,
        agenda,
    )


def add_participant(
    ctx: Ctx,
    meeting_id: int,
    name: str,
    role: str | None,
    actor: str,
    attendance: str = "present",
    person: str | None = None,
) -> Added:
    """Add a participant, linked to a known person (id or name) when given; one who sent apologies or is
    absent needs no consent (not in the recording)."""
    with ctx.tx() as s:
        p = meeting_records.add_participant(
            s,
            meeting_id,
            name,
            role=role,
            person=person,
            actor=actor,
            attendance=attendance or "present",
        )
        return Added(stored_id(p), p.meeting_id, p.name, p.role, p.person_id, p.attendance)


def remove_participant(ctx: Ctx, meeting_id: int, who: int | str, actor: str) -> ParticipantView:
    """Remove a participant added by mistake; `who` is an id, or a name as typed (a near miss gets "did you
    mean")."""
    with ctx.tx() as s:
        ref = who if isinstance(who, int) else stored_id(named_participant(s, meeting_id, who))
        p = meeting_records.remove_participant(s, meeting_id, ref, actor=actor)
        return ParticipantView(stored_id(p), p.name, p.role, p.attendance, p.apologies_accepted)


def set_attendance(
    ctx: Ctx,
    meeting_id: int,
    who: int | str,
    attendance: str,
    actor: str,
    accepted: bool | None = None,
) -> ParticipantView:
    """Record one participant's attendance (present, in-attendance, apologies, absent), and with apologies
    whether they were accepted; audited. `who` is a participant id, or a name (a near miss gets "did you
    mean"). The rules (the consent gate, kept as filed after release) are `consent.attendance`'s."""
    with ctx.tx() as s:
        ref = who if isinstance(who, int) else stored_id(named_participant(s, meeting_id, who))
        p = attendance_rules.set_attendance(s, meeting_id, ref, attendance, actor=actor, accepted=accepted)
        return ParticipantView(stored_id(p), p.name, p.role, p.attendance, p.apologies_accepted)


def get(ctx: Ctx, meeting_id: int) -> Meeting:
    """The meeting row (detached), or NotFoundError."""
    with ctx.tx() as s:
        return require_meeting(s, meeting_id)


def require_meeting(s, meeting_id: int) -> Meeting:
    row = s.get(Meeting, meeting_id) if as_id(meeting_id) else None  # no database holds a bigger id
    if row is None:
        raise NotFoundError(f"no meeting {meeting_id}", "see `minutes meeting list`")
    return row
