"""Changing a participant's attendance after they were added: the one write that can change who the gate asks.

Marking someone present (or in attendance) who was not is always allowed: the gate then needs their consent, and
any stage already running, started without it, is stopped (its result discarded), as a withdrawal does. Marking
someone who was present as having sent apologies, or absent, would take them out of the gate; that is refused once
the meeting has a recording (their voice may be in it) or once they have a consent record for the meeting (they
were there to give or refuse it), so a refusal can never be turned into "not needed". Once the meeting's minutes
are released, attendance is kept as filed with them.

Apologies can be recorded as accepted or not by the meeting (governing bodies minute this: it counts towards a
governor's attendance record). That answer belongs to the apologies: it is cleared when the person is marked
anything else, and giving it for someone who did not send apologies is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from minutes.consent.errors import ConsentError, ConsentInputError
from minutes.consent.gate import cancel_running
from minutes.consent.hooks import fire_gate_closed
from minutes.consent.meetings import find_participant, lock_meeting, parse_attendance, require_unreleased
from minutes.db import ConsentRecord, Participant, Recording
from minutes.db.audit import append_event
from minutes.db.ids import stored_id
from minutes.db.meeting import NOT_RECORDED


def set_attendance(
    session: Session,
    meeting: int | str,
    ref: str | int,
    attendance: str,
    actor: str = "minutes",
    accepted: bool | None = None,
) -> Participant:
    """Record the participant's attendance, audited, in the caller's transaction (see the module docstring).

    `accepted` goes with apologies only: True or False records the meeting's answer; None keeps the answer
    already recorded for the same apologies (none, for new ones)."""
    attendance = parse_attendance(attendance)
    if accepted is not None and attendance != "apologies":
        raise ConsentInputError(f"only apologies can be accepted or not, not {attendance}")
    mid = stored_id(lock_meeting(session, meeting))
    part = find_participant(session, mid, ref)
    before, was_accepted = part.attendance, part.apologies_accepted
    if attendance != "apologies":
        accepted = None
    elif accepted is None and before == "apologies":
        accepted = was_accepted
    if attendance == before and accepted == was_accepted:
        return part
    require_unreleased(session, mid, "attendance is kept as filed")
    if before not in NOT_RECORDED and attendance in NOT_RECORDED:
        _refuse_leaving_gate(session, mid, part, attendance)
    part.attendance, part.apologies_accepted = attendance, accepted
    session.add(part)
    session.flush()
    subject = {"participant_id": part.id, "from": before, "to": attendance}
    append_event(
        session,
        "participant.attendance",
        actor,
        mid,
        subject=subject | ({"accepted": accepted} if attendance == "apologies" else {}),
    )
    if before in NOT_RECORDED and attendance not in NOT_RECORDED:
        cancel_running(
            session,
            mid,
            actor,
            f"{part.name} was marked {attendance} while it ran; their consent is needed",
        )
        fire_gate_closed(session, mid)
    return part


def _refuse_leaving_gate(session: Session, meeting_id: int, part: Participant, attendance: str) -> None:
    record = on_record(session, meeting_id, part)
    if record.consent_records:
        raise ConsentError(
            f"{part.name} has consent records in meeting {meeting_id}, so they were there; "
            f"they cannot be marked {attendance} (withdraw their consent instead)"
        )
    if record.recorded:
        raise ConsentError(
            f"meeting {meeting_id} was recorded with {part.name} present; they cannot be marked {attendance} "
            "now (their voice may be in the recording)"
        )


@dataclass(frozen=True)
class OnRecord:
    """What ties a participant to the meeting's record: their consent records, and a recording made with them
    listed. Either one keeps them in the meeting as filed (no removal, no leaving the gate)."""

    consent_records: int  # how many, refusals and withdrawals included
    recorded: bool  # the meeting has a recording


def on_record(session: Session, meeting_id: int, part: Participant) -> OnRecord:
    """The two questions asked before a participant leaves the meeting's list or its gate, in one place."""
    records = session.exec(
        select(func.count()).select_from(ConsentRecord).where(ConsentRecord.participant_id == part.id)
    ).one()
    recorded = (
        session.exec(select(Recording.id).where(Recording.meeting_id == meeting_id)).first() is not None
    )
    return OnRecord(records, recorded)
