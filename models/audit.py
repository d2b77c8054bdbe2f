"""The audit chain: append-only events, each carrying the hash of the one before.

An event records who did what to which ids, and hashes of the content involved, never the content itself.
`AuditHead` is a one-row counter: every append updates it first, which serialises appends (SQLite's write lock,
PostgreSQL's row lock) and lets verification notice a deleted last event.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Field, Session, SQLModel

from models.base import utcnow

GENESIS = "0" * 64

class AuditHead(SQLModel, table=True):
    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    last_hash: str = GENESIS

class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(unique=True, index=True)
    at: datetime = Field(default_factory=utcnow)
    actor: str
    kind: str = Field(index=True)
    meeting_id: int | None = Field(default=None, index=True)
    subject_json: str = "{}"  # ids: participant, draft, recording...
    hashes_json: str = "{}"  # sha256 of content involved
    prev_hash: str
    hash: str

def _digest(seq: int, at: datetime, actor: str, kind: str, meeting_id: int | None, subject_json: str,
            hashes_json: str, prev_hash: str) -> str:
    stamp = at.astimezone(UTC).isoformat() if at.tzinfo else at.isoformat()
    body = json.dumps([seq, stamp, actor, kind, meeting_id, subject_json, hashes_json, prev_hash],
                      separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()

def _canonical(data: dict[str, Any] | None) -> str:
    return json.dumps(data or {}, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)

def append_event(session: Session, kind: str, actor: str, meeting_id: int | None = None,
                 subject: dict[str, Any] | None = None, hashes: dict[str, str] | None = None) -> AuditEvent:
    """Add one event to the chain inside the caller's transaction (it commits or rolls back with it)."""
    if session.get(AuditHead, 1) is None:
        session.add(AuditHead(id=1))
        session.flush()
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + 1))
    head = session.execute(select(AuditHead.seq, AuditHead.last_hash).where(AuditHead.id == 1)).one()
    at = utcnow()
    subject_json, hashes_json = _canonical(subject), _canonical(hashes)
    digest = _digest(head.seq, at, actor, kind, meeting_id, subject_json, hashes_json, head.last_hash)
    event = AuditEvent(seq=head.seq, at=at, actor=actor, kind=kind, meeting_id=meeting_id,
                       subject_json=subject_json, hashes_json=hashes_json, prev_hash=head.last_hash, hash=digest)
    session.add(event)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=digest))
    session.flush()
    return event

@dataclass
class ChainCheck:
    ok: bool
    events: int
    first_bad_seq: int | None = None
    problem: str | None = None

def verify_chain(session: Session) -> ChainCheck:
    """Recompute every hash in order; name the first event that was edited, deleted or reordered."""
    head = session.get(AuditHead, 1)
    prev, expected_seq, count = GENESIS, 1, 0
    for ev in session.exec(select(AuditEvent).order_by(AuditEvent.seq)).scalars():
        count += 1
        if ev.seq != expected_seq:
            return ChainCheck(False, count, expected_seq, f"event {expected_seq} is missing (next found: {ev.seq})")
        if ev.prev_hash != prev:
            return ChainCheck(False, count, ev.seq, f"event {ev.seq} does not follow event {ev.seq - 1}")
        if _digest(ev.seq, ev.at, ev.actor, ev.kind, ev.meeting_id, ev.subject_json, ev.hashes_json,
                   ev.prev_hash) != ev.hash:
            return ChainCheck(False, count, ev.seq, f"event {ev.seq} ({ev.kind}) was altered after it was written")
        prev, expected_seq = ev.hash, expected_seq + 1
    head_seq = head.seq if head else 0
    if head_seq != count or (head and head.last_hash != prev):
        return ChainCheck(False, count, count + 1, f"events after {count} are missing (the chain recorded {head_seq})")
    return ChainCheck(True, count)
