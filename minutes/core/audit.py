"""The audit chain as the product uses it: record events (hashes of content, never the content), list, head.

Verification, which also checks consent records and released minutes against their recorded hashes, is in
minutes.records.integrity.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from minutes.db.audit import AuditEvent, AuditHead, append_event


def sha256_of(content: bytes | str) -> str:
    data = content.encode("utf-8") if isinstance(content, str) else content
    return hashlib.sha256(data).hexdigest()


def record(
    session: Session,
    kind: str,
    actor: str,
    meeting_id: int | None = None,
    subject: dict[str, Any] | None = None,
    content: dict[str, bytes | str] | None = None,
    hashes: dict[str, str] | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction; `content` is hashed here and only the hashes are stored,
    alongside any `hashes` the caller already has."""
    digests = {**(hashes or {}), **{name: sha256_of(value) for name, value in (content or {}).items()}}
    return append_event(session, kind, actor, meeting_id=meeting_id, subject=subject, hashes=digests)


@dataclass(frozen=True)
class LoggedEvent:
    seq: int
    at: datetime
    actor: str
    kind: str
    meeting_id: int | None
    subject: dict[str, Any]
    hashes: dict[str, str]


def log(session: Session, meeting_id: int | None = None, kind: str | None = None) -> list[LoggedEvent]:
    """Events in chain order, optionally only those of one meeting or one kind."""
    query = select(AuditEvent).order_by(col(AuditEvent.seq))
    if meeting_id is not None:
        query = query.where(AuditEvent.meeting_id == meeting_id)
    if kind is not None:
        query = query.where(AuditEvent.kind == kind)
    return [
        LoggedEvent(
            e.seq, e.at, e.actor, e.kind, e.meeting_id, json.loads(e.subject_json), json.loads(e.hashes_json)
        )
        for e in session.exec(query).all()
    ]


@dataclass(frozen=True)
class SignedHead:
    """What the clerk files with the minutes: later, `minutes audit verify --filed EVENT:HASH` shows the chain
    still holds that event unchanged, so it was neither rolled back nor rewritten."""

    event: int
    hash: str
    hmac: str
    at: datetime


def head(session: Session) -> SignedHead | None:
    """The newest event and the head's signature (None while the chain is empty)."""
    row = session.get(AuditHead, 1)
    if row is None:
        return None
    last = session.exec(select(AuditEvent).where(AuditEvent.seq == row.seq)).first()
    return SignedHead(last.seq, last.hash, row.signature, last.at) if last else None
