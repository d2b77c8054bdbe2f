"""Verification: the audit chain itself, and the rows it vouches for.

The chain holds the hash of every consent record as written, of every released draft as released (and of its
Release row and the meeting facts it prints: title, date, participants, attendance, agenda), and every
participant's addition, attendance and removal. `verify` recomputes those from the current rows, so an edit made
straight in the database is named even though no event was touched; export runs the release check for the draft
it writes.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from minutes import review
from minutes.db import ConsentRecord, DraftRow, DraftStatus, Participant
from minutes.db.audit import AuditEvent, authentic, chain_key, row_hash, verify_chain
from minutes.db.ids import stored_id

RELEASE_EVENTS = ("release", "release.reissue")
PARTICIPANT_EVENTS = ("participant.added", "participant.attendance", "participant.removed")


@dataclass(frozen=True)
class Mismatch:
    seq: int | None  # the event holding the hash that no longer matches, if any
    problem: str


@dataclass
class Verification:
    ok: bool
    events: int
    chain_ok: bool = True  # False: the chain itself is broken; True with ok False: a row no longer matches it
    consent_records: int = 0
    releases: int = 0
    first_bad_seq: int | None = None
    problem: str | None = None


def verify(session: Session, filed: tuple[int, str] | None = None) -> Verification:
    """The chain (keyed hashes and signed head), then an optional filed head (event, hash), then every
    consent record and every released draft against the hashes the chain recorded for them. Stops at the
    first problem."""
    chain = verify_chain(session)
    if not chain.ok:
        return Verification(
            False, chain.events, False, first_bad_seq=chain.first_bad_seq, problem=chain.problem
        )
    consent, consent_bad = _consent_mismatch(session)
    releases, release_bad = _release_mismatch(session)
    bad = (
        (_filed_mismatch(session, *filed) if filed else None)
        or consent_bad
        or _participant_mismatch(session)
        or release_bad
    )
    if bad:
        return Verification(False, chain.events, True, consent, releases, bad.seq, bad.problem)
    return Verification(True, chain.events, True, consent, releases)


def check_release(session: Session, draft_id: int) -> Mismatch | None:
    """Whether a released draft is still exactly what its latest release event vouches for (and that event is
    authentic). Cheaper than `verify`: used before every export of minutes."""
    events = [ev for ev in _events(session, RELEASE_EVENTS) if _subject(ev).get("draft") == draft_id]
    if not events:
        return Mismatch(None, f"draft {draft_id} is marked released but no release event vouches for it")
    last = events[-1]
    if not authentic(chain_key(session), last):
        return Mismatch(last.seq, f"event {last.seq} ({last.kind}) was altered after it was written")
    return _release_problem(session, draft_id, last)


def _events(session: Session, kinds: tuple[str, ...]) -> list[AuditEvent]:
    return list(
        session.exec(select(AuditEvent).where(col(AuditEvent.kind).in_(kinds)).order_by(col(AuditEvent.seq)))
    )


def _subject(ev: AuditEvent) -> dict:
    return json.loads(ev.subject_json)


def _hashes(ev: AuditEvent) -> dict:
    return json.loads(ev.hashes_json)


def _filed_mismatch(session: Session, seq: int, digest: str) -> Mismatch | None:
    ev = session.exec(select(AuditEvent).where(AuditEvent.seq == seq)).first()
    if ev is None:
        return Mismatch(
            seq, f"the filed head, event {seq}, is not in the chain: it was cut short or rolled back"
        )
    if not hmac.compare_digest(ev.hash, digest.strip().lower()):
        return Mismatch(
            seq, f"event {seq} does not match the filed head: the chain was rewritten or rolled back"
        )
    return None


def _consent_mismatch(session: Session) -> tuple[int, Mismatch | None]:
    """Every consent record must match the hash in the event that recorded it; every such event's record must
    exist, and every record have an event."""
    recorded: dict[int, AuditEvent] = {}
    query = select(AuditEvent).where(col(AuditEvent.kind).like("consent.%")).order_by(col(AuditEvent.seq))
    for ev in session.exec(query):
        if "record_id" in (subject := _subject(ev)):
            recorded[subject["record_id"]] = ev
    rows = {stored_id(r): r for r in session.exec(select(ConsentRecord))}
    for rid, ev in recorded.items():
        if rid not in rows:
            return len(rows), Mismatch(
                ev.seq, f"consent record {rid} was deleted (it was recorded in event {ev.seq})"
            )
        if _hashes(ev).get("record") != row_hash(rows[rid]):
            return len(rows), Mismatch(
                ev.seq, f"consent record {rid} was altered after it was recorded (event {ev.seq})"
            )
    unrecorded = sorted(rows.keys() - recorded.keys())
    if unrecorded:
        return len(rows), Mismatch(
            None, f"consent record {unrecorded[0]} has no audit event: it was added outside minutes"
        )
    return len(rows), None


def _participant_mismatch(session: Session) -> Mismatch | None:
    """Who is in each meeting, and their attendance, decide whom the gate asks: every participant row must be
    one the chain added, with the attendance it last recorded for them, and none it added may be missing
    unless it recorded their removal."""
    recorded: dict[int, tuple[AuditEvent, tuple[str, bool | None]]] = {}
    query = (
        select(AuditEvent).where(col(AuditEvent.kind).in_(PARTICIPANT_EVENTS)).order_by(col(AuditEvent.seq))
    )
    for ev in session.exec(query):
        subject = _subject(ev)
        pid: Any = subject.get("participant_id")  # an int in every participant event
        if ev.kind == "participant.removed":
            recorded.pop(pid, None)
        elif ev.kind == "participant.added":
            recorded[pid] = (ev, (subject.get("attendance", "present"), None))
        else:
            recorded[pid] = (ev, (subject["to"], subject.get("accepted")))
    rows = {stored_id(p): p for p in session.exec(select(Participant))}
    for pid, (ev, state) in sorted(recorded.items()):
        if pid not in rows:
            return Mismatch(
                ev.seq, f"participant {pid} was deleted outside minutes (event {ev.seq} added them)"
            )
        if (rows[pid].attendance, rows[pid].apologies_accepted) != state:
            return Mismatch(
                ev.seq,
                f"the attendance of participant {pid} was changed outside minutes: event {ev.seq} recorded "
                f"{state[0]}, the database says {rows[pid].attendance}",
            )
    unrecorded = sorted(rows.keys() - recorded.keys())
    if unrecorded:
        return Mismatch(
            None, f"participant {unrecorded[0]} has no audit event: they were added outside minutes"
        )
    return None


def _release_mismatch(session: Session) -> tuple[int, Mismatch | None]:
    """Every draft the chain says was released must still match its latest release event, and be released."""
    latest = {_subject(ev)["draft"]: ev for ev in _events(session, RELEASE_EVENTS)}
    for draft_id, ev in sorted(latest.items(), key=lambda item: item[1].seq):
        if bad := _release_problem(session, draft_id, ev):
            return len(latest), bad
    ids = session.exec(select(col(DraftRow.id)).where(DraftRow.status == DraftStatus.RELEASED))
    released = {i for i in ids if i is not None}  # stored rows: never None
    unvouched = sorted(released - latest.keys())
    if unvouched:
        return len(latest), Mismatch(
            None, f"draft {unvouched[0]} is marked released but no release event vouches for it"
        )
    return len(latest), None


def _release_problem(session: Session, draft_id: int, ev: AuditEvent) -> Mismatch | None:
    row, hashes = session.get(DraftRow, draft_id), _hashes(ev)
    if row is None:
        return Mismatch(ev.seq, f"released draft {draft_id} was deleted (released in event {ev.seq})")
    if row.status != DraftStatus.RELEASED:
        return Mismatch(ev.seq, f"draft {draft_id} was released in event {ev.seq} but is now {row.status}")
    rel = review.latest_release(session, draft_id)
    if rel is None or rel.id != _subject(ev).get("release") or row_hash(rel) != hashes.get("release"):
        return Mismatch(
            ev.seq, f"the release record of draft {draft_id} was altered after release (event {ev.seq})"
        )
    if review.content_sha256(session, draft_id) != hashes.get("draft"):
        return Mismatch(
            ev.seq,
            f"released draft {draft_id} was altered after release: its content no longer "
            f"matches the hash in event {ev.seq}",
        )
    if "meeting" in hashes and review.meeting_sha256(session, row.meeting_id) != hashes["meeting"]:
        return Mismatch(
            ev.seq,
            f"the meeting of released draft {draft_id} was changed after release: its title, date, "
            f"participants, attendance or agenda no longer match the hash in event {ev.seq}",
        )
    return None
