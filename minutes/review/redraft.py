"""Drafting a meeting's minutes again from its transcript: when it is worth it, which drafts a new one replaces,
and the replacement.

The drafting stage reads the transcript with the speaker names known at the time: a voice nobody had named is
"Speaker 2", and an action that speaker took on is drafted without an owner (an owner must be a participant).
Once speakers are named by hand (`minutes speakers --name`, or the review page), the draft still says what it
said; a redraft reads the names as they are now. It replaces the draft under review (pending, or in review:
the reviewer's changes to it are lost, which the people offering it say), which is then rejected as "replaced by
draft N" and stays on record. Approved and released minutes are never replaced: a person has checked them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import Session, col, select

from minutes.db import AuditEvent, DraftRow, DraftStatus
from minutes.db.ids import stored_id
from minutes.errors import StateError
from minutes.review.states import transition

REPLACED = (
    DraftStatus.PENDING,
    DraftStatus.IN_REVIEW,
)  # what a redraft replaces; a rejected draft stays as it is
KEPT = (DraftStatus.APPROVED, DraftStatus.RELEASED)  # what it never replaces


@dataclass(frozen=True)
class Advice:
    """A draft that was made before some of the meeting's speakers were named, and what to do about it."""

    draft_id: int
    status: str  # pending, in_review, rejected (may be redrafted); approved, released (may not)
    named: int  # speaker names given since the draft was made

    @property
    def possible(self) -> bool:
        return self.status not in KEPT


def latest(session: Session, meeting_id: int) -> DraftRow | None:
    return session.exec(
        select(DraftRow).where(DraftRow.meeting_id == meeting_id).order_by(col(DraftRow.id).desc())
    ).first()


def check(session: Session, meeting_id: int) -> DraftRow | None:
    """The meeting's latest draft, which a redraft would replace (None: it has none yet); StateError when it is
    approved or released."""
    row = latest(session, meeting_id)
    if row is not None and row.status in KEPT:
        raise StateError(
            f"draft {row.id} of meeting {meeting_id} is {row.status}: a person has checked it, so it is not "
            "drafted again",
            "edit it instead (`minutes review resolve`)"
            if row.status == DraftStatus.APPROVED
            else "released minutes are corrected by a new meeting's minutes, not redrafted",
        )
    return row


def replace(session: Session, meeting_id: int, new: DraftRow, by: str) -> list[int]:
    """Inside the transaction that stores the new draft: every earlier draft of the meeting still pending or in
    review is rejected as replaced by it (a review step and an audit event each). StateError, storing nothing,
    when the latest earlier draft was approved or released meanwhile. Returns the ids replaced."""
    earlier = sorted(
        (
            d
            for d in session.exec(select(DraftRow).where(DraftRow.meeting_id == meeting_id))
            if d.id != new.id
        ),
        key=stored_id,
    )
    if earlier and earlier[-1].status in KEPT:
        last = earlier[-1]
        raise StateError(f"draft {last.id} was {last.status} while the redraft ran; the redraft was not kept")
    replaced = []
    for old in earlier:
        if old.status in REPLACED:
            reason = f"replaced by draft {new.id}, drafted again from the transcript"
            old.reject_reason = reason
            transition(
                session,
                old,
                DraftStatus.REJECTED,
                by,
                reason=reason,
                detail={"replaced_by": new.id},
                event="draft.replace",
            )
            replaced.append(stored_id(old))
    return replaced


def advice(session: Session, meeting_id: int) -> Advice | None:
    """Were speakers named after the meeting's latest draft was made? Then a redraft would use their names.
    The audit chain orders it: `speaker.name` events after the draft's `draft.create`."""
    row = latest(session, meeting_id)
    if row is None:
        return None
    created = None
    named = 0
    for event in session.exec(
        select(AuditEvent)
        .where(
            AuditEvent.meeting_id == meeting_id, col(AuditEvent.kind).in_(("draft.create", "speaker.name"))
        )
        .order_by(col(AuditEvent.seq))
    ):
        if event.kind == "draft.create" and json.loads(event.subject_json).get("draft") == row.id:
            created = event.seq
        elif event.kind == "speaker.name" and created is not None:
            named += 1
    return Advice(stored_id(row), row.status, named) if named else None
