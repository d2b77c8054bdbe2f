"""A draft's states and the steps between them: pending -> in_review -> approved | rejected -> released.

Any reviewer step on a pending draft first moves it to in_review; an edit after approval sends it back to
in_review. Every step is one Review row and one audit event, written in the caller's transaction, holding item
references and hashes, never item text.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlmodel import Session

from minutes.consent.text import refuse_controls
from minutes.core.audit import record
from minutes.dates import long_date
from minutes.db import DraftRow, DraftStatus, Release, Review, utcnow
from minutes.db.audit import row_hash
from minutes.db.ids import stored_id
from minutes.errors import StateError, UsageError
from minutes.review.items import content_sha256, draft_items, get_draft, is_blocking, meeting_sha256
from minutes.review.views import item_view, latest_release

LOG = logging.getLogger("minutes.review.states")  # ids and states only, never item text
_TRANSITION_EVENTS = {
    DraftStatus.IN_REVIEW: "review.start",
    DraftStatus.APPROVED: "review.approve",
    DraftStatus.REJECTED: "review.reject",
    DraftStatus.RELEASED: "release",
}


def approve(session: Session, draft_id: int, by: str) -> DraftRow:
    by = reviewer_name(by)
    row = get_draft(session, draft_id)
    if row.status == DraftStatus.APPROVED:
        raise StateError(f"draft {draft_id} is already approved")
    if row.status in (DraftStatus.REJECTED, DraftStatus.RELEASED):
        raise StateError(f"draft {draft_id} is {row.status}; it cannot be approved")
    blockers = [item_view(session, i) for i in draft_items(session, draft_id) if is_blocking(i)]
    if blockers:
        named = ", ".join(
            f"{v.ref} ({f'{v.flag_kind} flag' if v.kind == 'flag' else v.status})" for v in blockers
        )
        raise StateError(
            f"draft {draft_id} has unresolved items: {named}",
            "resolve each with `minutes review resolve DRAFT ITEM --keep|--edit TEXT|--remove`",
        )
    _start(session, row, by)
    transition(session, row, DraftStatus.APPROVED, by)
    return row


def reject(session: Session, draft_id: int, by: str, reason: str) -> DraftRow:
    by = reviewer_name(by)
    if not reason or not reason.strip():
        raise UsageError("a rejection needs a reason (--reason TEXT)")
    row = get_draft(session, draft_id)
    if row.status in (DraftStatus.REJECTED, DraftStatus.RELEASED):
        raise StateError(f"draft {draft_id} is already {row.status}")
    _start(session, row, by)
    row.reject_reason = reason.strip()
    transition(session, row, DraftStatus.REJECTED, by, reason=reason.strip())
    return row


def release(session: Session, draft_id: int, by: str) -> Release:
    """Release approved minutes: they become exportable. Records the hash of exactly what was released."""
    by = reviewer_name(by)
    row = get_draft(session, draft_id)
    if row.status == DraftStatus.RELEASED and (done := latest_release(session, draft_id)) is not None:
        raise StateError(
            f"draft {draft_id} was already released by {done.released_by} on "
            f"{long_date(done.released_at)}; nothing was changed",
            f"to file the minutes, export them with `minutes export {draft_id} --format docx`",
        )
    if row.status != DraftStatus.APPROVED:
        raise StateError(
            f"draft {draft_id} is {row.status}; only approved minutes can be released",
            "approve it first with `minutes review approve DRAFT --by NAME`"
            if row.status in (DraftStatus.PENDING, DraftStatus.IN_REVIEW)
            else None,
        )
    rel = Release(
        draft_id=stored_id(row), released_by=by, content_sha256=content_sha256(session, stored_id(row))
    )
    session.add(rel)
    session.flush()
    transition(
        session,
        row,
        DraftStatus.RELEASED,
        by,
        detail={"release": rel.id},
        hashes=_release_hashes(session, row, rel),
    )
    return rel


def reissue(session: Session, draft_id: int, by: str, note: str) -> Release:
    """A new release of already released minutes after they changed (a withdrawal); keeps the earlier record.
    The minutes are still those the releaser released: the new row names them, not `by` (who caused the
    re-issue, say the clerk recording a withdrawal: the audit event and review step name them)."""
    row = get_draft(session, draft_id)
    if row.status != DraftStatus.RELEASED:
        raise StateError(f"draft {draft_id} is {row.status}; only released minutes can be re-issued")
    prior = latest_release(session, draft_id)
    rel = Release(
        draft_id=stored_id(row),
        released_by=prior.released_by if prior else by,
        content_sha256=content_sha256(session, stored_id(row)),
        reissue_of=prior.id if prior else None,
        note=note,
    )
    session.add(rel)
    session.flush()
    detail = {"release": rel.id, "reissue_of": rel.reissue_of}
    add_step(session, row, by, "reissue", reason=note, detail=detail)
    record(
        session,
        "release.reissue",
        by,
        row.meeting_id,
        subject={"draft": row.id, **detail},
        hashes=_release_hashes(session, row, rel),
    )
    return rel


def _release_hashes(session: Session, row: DraftRow, rel: Release) -> dict[str, str]:
    """What minutes.records.integrity checks the released draft, its Release row and its meeting against."""
    return {
        "draft": rel.content_sha256,
        "release": row_hash(rel),
        "meeting": meeting_sha256(session, row.meeting_id),
    }


def transition(
    session: Session,
    row: DraftRow,
    to_status: str,
    by: str,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
    event: str | None = None,
    hashes: dict[str, str] | None = None,
) -> None:
    """Move a draft to another state: one Review row and one audit event (with any content `hashes`)."""
    from_status = row.status
    row.status = to_status
    add_step(
        session,
        row,
        by,
        "transition",
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        detail=detail,
    )
    kind = event or (
        "review.reopen"
        if to_status == DraftStatus.IN_REVIEW and from_status != DraftStatus.PENDING
        else _TRANSITION_EVENTS[DraftStatus(to_status)]
    )
    LOG.info("draft %s: %s -> %s", row.id, from_status, to_status)
    record(
        session,
        kind,
        by,
        row.meeting_id,
        subject={"draft": row.id, "from": from_status, "to": to_status, **(detail or {})},
        content={"reason": reason} if reason else None,
        hashes=hashes,
    )


def add_step(
    session: Session,
    row: DraftRow,
    by: str,
    kind: str,
    from_status: str | None = None,
    to_status: str | None = None,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    row.updated_at = utcnow()
    session.add(row)
    session.add(
        Review(
            draft_id=stored_id(row),
            reviewer=by,
            kind=kind,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            detail=detail or {},
            at=row.updated_at,
        )
    )
    session.flush()


def record_step(
    session: Session, row: DraftRow, by: str, kind: str, detail: dict[str, Any], reason: str | None = None
) -> None:
    """A reviewer's change as a review step and an audit event holding the hash of the version it made (item
    references, never text; the hash of the reviewer's reason, which the step keeps and the chain does not)."""
    add_step(session, row, by, kind, reason=reason, detail=detail)
    record(
        session,
        f"review.{kind}",
        by,
        row.meeting_id,
        subject={"draft": row.id, **detail},
        content={"reason": reason} if reason else None,
        hashes={"version": content_sha256(session, stored_id(row))},
    )


def reviewer_name(by: str | None) -> str:
    """The reviewer's name as given, printable: a name, not a line break or an escape code (as a participant's)."""
    if not by or not by.strip():
        raise UsageError("name the reviewer with --by NAME")
    return refuse_controls(by.strip(), "the reviewer's name")


def require_editable(row: DraftRow) -> None:
    if row.status in (DraftStatus.REJECTED, DraftStatus.RELEASED):
        raise StateError(f"draft {row.id} is {row.status}; it can no longer be edited")


def open_for_change(session: Session, row: DraftRow, by: str) -> None:
    """Before a change: a pending draft enters review; an approved one goes back to review."""
    if row.status in (DraftStatus.PENDING, DraftStatus.APPROVED):
        transition(
            session,
            row,
            DraftStatus.IN_REVIEW,
            by,
            reason="edited after approval" if row.status == DraftStatus.APPROVED else None,
        )


def _start(session: Session, row: DraftRow, by: str) -> None:
    if row.status == DraftStatus.PENDING:
        transition(session, row, DraftStatus.IN_REVIEW, by)
