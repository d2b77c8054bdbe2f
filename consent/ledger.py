"""The consent ledger: give, refuse and withdraw consent, per meeting or standing for a person.

Records are append-only: every change is a new ConsentRecord row and an audit event (ids, scope, method and the
evidence's sha256; never names or text) written in the same transaction. Meeting-level writes take the meeting's
lock first (see `meetings.lock_meeting`), so they serialise with `gate.begin_stage`; standing writes lock every
meeting the person is in.

Evidence is either a file (a scanned form), copied into `files_dir/evidence/<sha256><ext>` and kept by its hash,
or a time range in the meeting's recording where the person consented aloud. A range must end after it starts
and, if the meeting already has a recording, lie inside the latest recording; with no recording yet it is kept
as given and the pipeline checks it against the recording when there is one.

Revoking consent runs the withdrawal hooks and cancels the meeting's running stages (`gate.cancel_running`), in
the same transaction as the record. A withdrawal always revokes; so does a refusal of a scope the person had
given (saying no after saying yes is a withdrawal, whatever word the clerk used).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from minutes.consent.errors import ConsentInputError
from minutes.consent.evidence import MAX_EVIDENCE_BYTES, EvidenceFile, read_evidence, store_evidence
from minutes.consent.gate import cancel_running
from minutes.consent.hooks import Withdrawal, fire_gate_closed, fire_withdrawal
from minutes.consent.meetings import find_participant, find_person, get_meeting, lock_meeting
from minutes.consent.status import SCOPES, State, consent_status
from minutes.consent.text import MAX_NAME, clean_text
from minutes.consent.timespec import TimeRange, clock, parse_range
from minutes.dates import parse_date
from minutes.db import ConsentRecord, Meeting, Participant, Person, Recording
from minutes.db.audit import append_event, row_hash
from minutes.db.ids import stored_id

METHODS: tuple[str, ...] = ("verbal", "written", "form")
DECISIONS: tuple[str, ...] = ("given", "refused", "withdrawn")


@dataclass(frozen=True)
class HistoryEntry:
    record_id: int
    recorded_at: dt.datetime
    recorded_by: str
    source: str  # "meeting" or "standing"
    participant_id: int | None
    person_id: int | None
    name: str
    scope: str
    decision: str
    method: str
    evidence_sha256: str | None
    evidence_at: str | None
    valid_from: dt.date | None
    valid_until: dt.date | None


def parse_scopes(value: str | Sequence[str]) -> tuple[str, ...]:
    """`"record,transcribe"` or `"all"` -> the scopes, in canonical order, without repeats."""
    items = value.split(",") if isinstance(value, str) else list(value)
    wanted = {s.strip().lower() for s in items if s.strip()}
    if not wanted:
        raise ConsentInputError("no scope given (use any of record, transcribe, diarise, summarise, or all)")
    unknown = sorted(wanted - set(SCOPES) - {"all"})
    if unknown:
        raise ConsentInputError(
            f"unknown scope {unknown[0]!r} (use record, transcribe, diarise, summarise or all)"
        )
    return SCOPES if "all" in wanted else tuple(s for s in SCOPES if s in wanted)


def parse_method(value: str) -> str:
    method = (value or "").strip().lower()
    if method not in METHODS:
        raise ConsentInputError(f"unknown method {value!r} (use verbal, written or form)")
    return method


def _check_range(session: Session, meeting_id: int, rng: TimeRange) -> None:
    rec = session.exec(
        select(Recording).where(Recording.meeting_id == meeting_id).order_by(col(Recording.id).desc())
    ).first()
    if rec is not None and rng.end > rec.duration:
        raise ConsentInputError(
            f"time range {rng} is outside the recording of meeting {meeting_id} (0:00-{clock(rec.duration)})"
        )


def _evidence(
    evidence_file: str | Path | None, files_dir: Path | None, max_bytes: int
) -> EvidenceFile | None:
    if evidence_file is None:
        return None
    if files_dir is None:
        raise ConsentInputError("an evidence file needs the store's files folder")
    return read_evidence(evidence_file, max_bytes)


def _audit(session: Session, rec: ConsentRecord, kind: str) -> None:
    subject = {
        "record_id": rec.id,
        "participant_id": rec.participant_id,
        "person_id": rec.person_id,
        "scope": rec.scope,
        "decision": rec.decision,
        "method": rec.method,
        "evidence_start": rec.evidence_start,
        "evidence_end": rec.evidence_end,
        "valid_from": rec.valid_from,
        "valid_until": rec.valid_until,
    }
    hashes = {"record": row_hash(rec)}  # minutes.records.integrity checks the row against it
    if rec.evidence_sha256:
        hashes["evidence"] = rec.evidence_sha256
    append_event(
        session,
        kind,
        rec.recorded_by,
        rec.meeting_id,
        subject={k: v for k, v in subject.items() if v is not None},
        hashes=hashes,
    )


def record(
    session: Session,
    meeting: int | str,
    participant: str | int,
    decision: str,
    scopes: str | Sequence[str],
    method: str,
    *,
    recorded_by: str,
    evidence_file: str | Path | None = None,
    evidence_at: str | TimeRange | None = None,
    files_dir: Path | None = None,
    evidence_limit: int = MAX_EVIDENCE_BYTES,
    spellings: Sequence[str] = (),
) -> list[ConsentRecord]:
    """Record one decision (given, refused or withdrawn) by one participant for some scopes: one row and one
    audit event per scope. A withdrawal also fires the withdrawal hooks, in this transaction, with `spellings`:
    other spellings of their name (how the transcript wrote it) for the hooks to redact with it."""
    if decision not in DECISIONS:
        raise ConsentInputError(f"unknown decision {decision!r}")
    wanted, method = parse_scopes(scopes), parse_method(method)
    by = clean_text(recorded_by, "recorded by", MAX_NAME)
    if evidence_file is not None and evidence_at is not None:
        raise ConsentInputError("give either an evidence file or a time range, not both")
    rng = parse_range(evidence_at) if isinstance(evidence_at, str) else evidence_at
    evidence = _evidence(evidence_file, files_dir, evidence_limit)
    mid = stored_id(lock_meeting(session, meeting))
    pid = stored_id(find_participant(session, mid, participant))
    if rng is not None:
        _check_range(session, mid, rng)
    revokes = decision == "withdrawn" or (decision == "refused" and _held(session, mid, {pid}, wanted))
    whose: dict[str, Any] = {"meeting_id": mid, "participant_id": pid}
    whose |= {"evidence_start": rng.start, "evidence_end": rng.end} if rng else {}
    rows = _records(
        session, f"consent.{decision}", (wanted, decision, method, by), evidence, files_dir, whose
    )
    if revokes:
        names = tuple(clean_text(n, "spelling", MAX_NAME) for n in spellings if n.strip())
        _revoke(
            session,
            [mid],
            Withdrawal(by, wanted, meeting_id=mid, participant_id=pid, spellings=names),
        )
    if decision != "given":
        fire_gate_closed(session, mid)
    return rows


def _deciding(decision: str) -> Callable[..., list[ConsentRecord]]:
    """`record` with the decision fixed: give(session, meeting, participant, scopes, method, **kw)."""

    def decide(
        session: Session,
        meeting: int | str,
        participant: str | int,
        scopes: str | Sequence[str],
        method: str,
        **kw: Any,
    ) -> list[ConsentRecord]:
        return record(session, meeting, participant, decision, scopes, method, **kw)

    return decide


give, refuse, withdraw = _deciding("given"), _deciding("refused"), _deciding("withdrawn")


def record_standing(
    session: Session,
    person: str | int,
    decision: str,
    scopes: str | Sequence[str],
    method: str,
    *,
    recorded_by: str,
    valid_from: str | dt.date | None = None,
    valid_until: str | dt.date | None = None,
    evidence_file: str | Path | None = None,
    files_dir: Path | None = None,
    evidence_limit: int = MAX_EVIDENCE_BYTES,
) -> list[ConsentRecord]:
    """Standing consent for a person, for meetings dated in [valid_from, valid_until]. Giving needs both dates;
    a refusal or withdrawal without dates covers every meeting. A withdrawal fires the hooks with the person."""
    if decision not in DECISIONS:
        raise ConsentInputError(f"unknown decision {decision!r}")
    wanted, method = parse_scopes(scopes), parse_method(method)
    by = clean_text(recorded_by, "recorded by", MAX_NAME)
    start = parse_date(valid_from, "--from date") if valid_from is not None else None
    end = parse_date(valid_until, "--until date") if valid_until is not None else None
    if decision == "given" and (start is None or end is None):
        raise ConsentInputError("standing consent needs --from and --until dates")
    if start and end and end < start:
        raise ConsentInputError(f"the window {start} to {end} is inverted: --until must not be before --from")
    evidence = _evidence(evidence_file, files_dir, evidence_limit)
    who = find_person(session, person)
    mids, theirs = _lock_meetings_of(session, stored_id(who))
    revokes = decision == "withdrawn" or (
        decision == "refused" and any(_held(session, mid, theirs, wanted) for mid in mids)
    )
    whose = {"person_id": who.id, "valid_from": start, "valid_until": end}
    decided = (wanted, decision, method, by)
    rows = _records(session, f"consent.standing.{decision}", decided, evidence, files_dir, whose)
    if revokes:
        _revoke(session, mids, Withdrawal(actor=by, scopes=wanted, person_id=who.id))
    if decision != "given":
        for mid in mids:
            fire_gate_closed(session, mid)
    return rows


def _records(
    session: Session,
    kind: str,
    decided: tuple[Sequence[str], str, str, str],
    evidence: EvidenceFile | None,
    files_dir: Path | None,
    whose: dict[str, Any],
) -> list[ConsentRecord]:
    """One record per scope of `decided` (scopes, decision, method, recorded by), for a participant or a
    person (`whose`), written with its audit event; the evidence file is stored once, by its hash."""
    scopes, decision, method, by = decided
    path = store_evidence(evidence, files_dir) if evidence and files_dir else None
    sha256 = evidence.sha256 if evidence else None
    rows = [
        ConsentRecord(
            scope=scope,
            decision=decision,
            method=method,
            evidence_path=path,
            evidence_sha256=sha256,
            recorded_by=by,
            **whose,
        )
        for scope in scopes
    ]
    _write(session, rows, kind)
    return rows


def _lock_meetings_of(session: Session, person_id: int) -> tuple[list[int], set[int]]:
    """Lock every meeting the person is in, in id order; returns those meetings and their participant ids."""
    mids = list(
        session.exec(
            select(Participant.meeting_id)
            .where(Participant.person_id == person_id)
            .distinct()
            .order_by(col(Participant.meeting_id))
        )
    )
    for mid in mids:
        lock_meeting(session, mid)
    ids = session.exec(select(col(Participant.id)).where(Participant.person_id == person_id))
    return mids, {pid for pid in ids if pid is not None}  # stored rows: never None


def _held(session: Session, meeting_id: int, participant_ids: set[int], scopes: Sequence[str]) -> bool:
    """Has any of these participants of the meeting given any of the scopes (before this record)?"""
    return any(
        p.scopes[scope].state == State.GIVEN
        for p in consent_status(session, meeting_id).participants
        if p.participant_id in participant_ids
        for scope in scopes
    )


def _revoke(session: Session, meeting_ids: Sequence[int], withdrawal: Withdrawal) -> None:
    """Cancel the meetings' running stages, then run the withdrawal hooks, all in the record's transaction."""
    for mid in meeting_ids:
        cancel_running(
            session, mid, withdrawal.actor, "consent was withdrawn while it ran; its result is discarded"
        )
    fire_withdrawal(session, withdrawal)


def _write(session: Session, rows: list[ConsentRecord], kind: str) -> None:
    session.add_all(rows)
    session.flush()
    for rec in rows:
        _audit(session, rec, kind)


def history(session: Session, meeting: int | str) -> list[HistoryEntry]:
    """Every record that bears on the meeting, oldest first: its own, and standing records of linked persons."""
    row: Meeting = get_meeting(session, meeting)
    parts = {p.id: p for p in session.exec(select(Participant).where(Participant.meeting_id == row.id))}
    persons = {p.person_id: p for p in parts.values() if p.person_id is not None}
    names = (
        {p.id: p.name for p in session.exec(select(Person).where(col(Person.id).in_(persons)))}
        if persons
        else {}
    )
    query = select(ConsentRecord).where(ConsentRecord.meeting_id == row.id)
    if persons:
        query = select(ConsentRecord).where(
            (col(ConsentRecord.meeting_id) == row.id)
            | (col(ConsentRecord.participant_id).is_(None) & col(ConsentRecord.person_id).in_(persons))
        )
    out = []
    for r in session.exec(query.order_by(col(ConsentRecord.id))):
        standing = r.participant_id is None
        rng = (
            TimeRange(r.evidence_start, r.evidence_end)
            if r.evidence_start is not None and r.evidence_end is not None
            else None
        )
        out.append(
            HistoryEntry(
                stored_id(r),
                r.recorded_at,
                r.recorded_by,
                "standing" if standing else "meeting",
                r.participant_id,
                r.person_id,
                names[r.person_id] if standing else parts[r.participant_id].name,
                r.scope,
                r.decision,
                r.method,
                r.evidence_sha256,
                str(rng) if rng else None,
                r.valid_from,
                r.valid_until,
            )
        )
    return out
