"""The audit chain: append-only events, each carrying a keyed hash of itself and of the one before.

An event records who did what to which ids, and hashes of the content involved, never the content itself.
`AuditHead` is a one-row counter: every append updates it first, which serialises appends (SQLite's write
lock, PostgreSQL's row lock), and it holds the signature of the chain's head.

The key lives outside the database (minutes.core.audit_key; the session carries it as `session.info["audit_key"]`),
so someone who can edit the database but not read the key cannot forge the chain:
- each event's hash is HMAC-SHA256(key, its fields + the previous hash): re-hashing the chain after an edit
  fails at the first edited event;
- the head (event count and last hash) is signed with HMAC under a different label: deleting the newest events
  and rewinding `audit_head` fails, because the shorter head was never signed.

Why HMAC-SHA256 rather than Ed25519: the program that writes the chain is also the one that verifies it, on
the same machine, so an asymmetric key buys nothing here (the private key would sit beside the public one).
HMAC is in the standard library (no new dependency), has no encodings or curves to get wrong, and costs
microseconds per event. What neither can stop is someone holding both the key and the database; that is why
`minutes audit head` prints the signed head for the clerk to file with the minutes, off the machine.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlmodel import Field, Session, SQLModel, col

from minutes.db.base import utcnow

GENESIS = "0" * 64
KEY_INFO = "audit_key"  # the session.info entry holding a KeySource


class KeySource(Protocol):
    def key(self, create: bool) -> bytes:
        """The chain's key; `create` allows making one (only before the first event)."""

    def exists(self) -> bool:
        """Whether the key was made: it is, with the first event, so a chain with none was emptied."""


class AuditHead(SQLModel, table=True):
    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    last_hash: str = GENESIS
    signature: str = ""  # HMAC of (seq, last_hash): a truncated or rewound chain does not match it


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


def _plain(value: Any) -> str:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def canonical_json(data: Any) -> str:
    """The one serialisation that is hashed anywhere: sorted keys, UTF-8 text as is ("Zoë", not "Zo\\u00eb"),
    no spaces, datetimes as UTC ISO 8601. Two equal values always give the same bytes."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_plain)


def content_hash(data: Any) -> str:
    """sha256 of `canonical_json(data)`."""
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


def row_hash(row: SQLModel) -> str:
    """The hash of a row's stored fields, as recorded in its audit event and recomputed by verification."""
    return content_hash(row.model_dump())


def _mac(key: bytes, *fields: Any) -> str:
    return hmac.new(key, canonical_json(fields).encode("utf-8"), hashlib.sha256).hexdigest()


def _event_mac(key: bytes, ev: AuditEvent) -> str:
    return _mac(
        key,
        "event",
        ev.seq,
        ev.at,
        ev.actor,
        ev.kind,
        ev.meeting_id,
        ev.subject_json,
        ev.hashes_json,
        ev.prev_hash,
    )


def head_signature(key: bytes, seq: int, last_hash: str) -> str:
    return _mac(key, "head", seq, last_hash)


def chain_key(session: Session, create: bool = False) -> bytes:
    source: KeySource | None = session.info.get(KEY_INFO)
    if source is None:
        raise RuntimeError(
            "this session has no audit key; open it with minutes.core.store.Database.session()"
        )
    return source.key(create)


def append_event(
    session: Session,
    kind: str,
    actor: str,
    meeting_id: int | None = None,
    subject: dict[str, Any] | None = None,
    hashes: dict[str, str] | None = None,
) -> AuditEvent:
    """Add one event to the chain inside the caller's transaction (it commits or rolls back with it)."""
    if session.get(AuditHead, 1) is None:
        session.add(AuditHead(id=1))
        session.flush()
    session.execute(update(AuditHead).where(col(AuditHead.id) == 1).values(seq=col(AuditHead.seq) + 1))
    head = session.execute(
        select(col(AuditHead.seq), col(AuditHead.last_hash)).where(col(AuditHead.id) == 1)
    ).one()
    key = chain_key(session, create=head.seq == 1)
    event = AuditEvent(
        seq=head.seq,
        at=utcnow(),
        actor=actor,
        kind=kind,
        meeting_id=meeting_id,
        subject_json=canonical_json(subject or {}),
        hashes_json=canonical_json(hashes or {}),
        prev_hash=head.last_hash,
        hash="",
    )
    event.hash = _event_mac(key, event)
    session.add(event)
    session.execute(
        update(AuditHead)
        .where(col(AuditHead.id) == 1)
        .values(last_hash=event.hash, signature=head_signature(key, event.seq, event.hash))
    )
    session.flush()
    return event


def _key_exists(session: Session) -> bool:
    source = session.info.get(KEY_INFO)
    exists = getattr(source, "exists", None)
    return bool(exists and exists())


def authentic(key: bytes, ev: AuditEvent) -> bool:
    """Whether one event is as written (its own fields only; the chain check also follows prev_hash)."""
    return hmac.compare_digest(_event_mac(key, ev), ev.hash)


@dataclass
class ChainCheck:
    ok: bool
    events: int
    first_bad_seq: int | None = None
    problem: str | None = None


def verify_chain(session: Session) -> ChainCheck:
    """Recompute every keyed hash in order and check the head's signature; name the first event that was
    edited, deleted, reordered or re-hashed, or say that newer events were cut off."""
    head = session.get(AuditHead, 1)
    prev, expected_seq, count, key = GENESIS, 1, 0, b""
    for ev in session.execute(select(AuditEvent).order_by(col(AuditEvent.seq))).scalars():
        key = key or chain_key(session)
        count += 1
        if ev.seq != expected_seq:
            return ChainCheck(
                False, count, expected_seq, f"event {expected_seq} is missing (next found: {ev.seq})"
            )
        if ev.prev_hash != prev:
            return ChainCheck(False, count, ev.seq, f"event {ev.seq} does not follow event {ev.seq - 1}")
        if not authentic(key, ev):
            return ChainCheck(
                False, count, ev.seq, f"event {ev.seq} ({ev.kind}) was altered after it was written"
            )
        prev, expected_seq = ev.hash, expected_seq + 1
    head_seq = head.seq if head else 0
    if not count and not head_seq and _key_exists(session):
        return ChainCheck(
            False,
            0,
            1,
            "the audit chain is empty, yet its key exists: events were written and deleted "
            "(or this database was started afresh beside an old audit.key)",
        )
    if head_seq != count or (head and head.last_hash != prev):
        return ChainCheck(
            False, count, count + 1, f"events after {count} are missing (the chain recorded {head_seq})"
        )
    if (
        count
        and head
        and not hmac.compare_digest(head_signature(key, head.seq, head.last_hash), head.signature)
    ):
        return ChainCheck(
            False,
            count,
            count + 1,
            f"the chain's head (event {count}) is not signed: events "
            f"after {count} were removed or the chain was rewritten",
        )
    return ChainCheck(True, count)
