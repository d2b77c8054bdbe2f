"""Bodies, their series of meetings, and matters arising: the open actions of a body's released minutes, taken up
by its next meeting (done, carried forward with a new due date, or dropped, with a note).

An action is open from the release of the minutes it was recorded in until a meeting of the body marks it done or
dropped; carried forward, it stays open with the new due date and comes up again at the meeting after. Its task,
owner and due date are read from the released minutes every time (never copied), so a withdrawal that redacts
those minutes reaches every later meeting's matters arising; the log keeps only the status, the new due date, the
reviewer's note and what the draft suggested from the talk (`suggested`).

The log belongs to the minutes of the meeting that took the actions up: it is frozen once they are released, and
kept, like them, when retention purges the transcript (except suggestions nobody confirmed, which quote it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from minutes.consent.meetings import released_draft
from minutes.consent.text import clean_text, name_key, refuse_controls
from minutes.core.audit import record
from minutes.core.config import Settings
from minutes.dates import as_date, parse_date
from minutes.db import ActionRow, Body, DraftRow, DraftStatus, Export, MatterArising, Meeting, Resolution
from minutes.db.ids import stored_id
from minutes.db.series import BODY_KINDS
from minutes.drafting import progress
from minutes.errors import NotFoundError, StateError, UsageError
from minutes.records.export import check_target, write_file
from minutes.records.redact import NameMatcher

STATUSES = ("done", "carried", "dropped")  # what a meeting can record; "open" is undecided
LABELS = {"open": "Not yet taken up", "done": "Done", "carried": "Carried forward", "dropped": "Dropped"}
CLOSED = ("done", "dropped")
OWED_KIND = "actions"  # the Export kind of a who-owes-what file
MAX_NOTE = 1000


@dataclass(frozen=True)
class Arising:
    """An open action as one meeting takes it up."""

    action_id: int
    from_meeting: int  # the meeting whose released minutes recorded it
    from_date: dt.date
    task: str
    owner: str | None
    due: str | None  # ISO date (or a phrase as spoken): the last carried-forward date, else as minuted
    status: str = "open"  # this meeting's: open, done, carried, dropped
    new_due: str | None = None  # carried forward to
    note: str | None = None
    suggested: dict[str, Any] = field(
        default_factory=dict
    )  # {"status", "p", "evidence": [{start, end, quote}]}

    @property
    def status_label(self) -> str:
        return LABELS[self.status]


@dataclass(frozen=True)
class Owed:
    """An open action for the who-owes-what list."""

    action_id: int
    meeting_id: int
    meeting_title: str
    meeting_date: dt.date
    body: str | None
    task: str
    owner: str | None
    due: str | None

    def overdue(self, today: dt.date) -> bool:
        day = as_date(self.due)
        return day is not None and day < today


# --- bodies -------------------------------------------------------------------------------------------------


def body_named(s: Session, name: str, create: bool = False, kind: str = "committee", actor: str = "") -> Body:
    """The body of that name (compared as people's names are), created (audited) when `create` says so."""
    clean = clean_text(name, "body name", 200)
    row = s.exec(select(Body).where(Body.name_key == name_key(clean))).first()
    if row is not None:
        return row
    if not create:
        known = ", ".join(b.name for b in s.exec(select(Body).order_by(col(Body.name)))) or "none yet"
        raise NotFoundError(f"no body named {clean!r}", f"known bodies: {known}")
    if kind not in BODY_KINDS:
        raise UsageError(f"body kind must be one of {', '.join(BODY_KINDS)}, not {kind!r}")
    row = Body(name=clean, name_key=name_key(clean), kind=kind)
    s.add(row)
    s.flush()
    record(s, "body.create", actor, subject={"body": row.id, "kind": kind}, content={"name": clean})
    return row


def bodies(s: Session) -> list[Body]:
    return list(s.exec(select(Body).order_by(col(Body.name))))


def set_body(s: Session, meeting: Meeting, body: Body | None, actor: str) -> None:
    """Put a meeting in a body's series (or take it out), audited; refused once its minutes are released, whose
    matters arising would change under them."""
    if is_released(s, stored_id(meeting)):
        raise StateError(
            f"meeting {meeting.id}'s minutes are released: its body cannot change", "the series is fixed"
        )
    meeting.body_id = body.id if body else None
    s.add(meeting)
    s.flush()
    taken = {a.action_id for a in arising(s, stored_id(meeting))}
    dropped = 0
    for row in s.exec(select(MatterArising).where(MatterArising.meeting_id == meeting.id)):
        if (
            row.action_id not in taken
        ):  # another series' action: its status is no longer this meeting's to say
            s.delete(row)
            dropped += 1
    s.flush()
    record(
        s, "meeting.body", actor, meeting.id, subject={"body": meeting.body_id, "log_rows_dropped": dropped}
    )


def series(s: Session, body_id: int) -> list[Meeting]:
    """The body's meetings, by date (then by when they were registered)."""
    return list(
        s.exec(select(Meeting).where(Meeting.body_id == body_id).order_by(col(Meeting.date), col(Meeting.id)))
    )


# --- matters arising ----------------------------------------------------------------------------------------


def is_released(s: Session, meeting_id: int) -> bool:
    return released_draft(s, meeting_id) is not None


def _released_actions(s: Session, meeting_ids: Iterable[int]) -> list[tuple[ActionRow, Meeting]]:
    """The actions of the meetings' released minutes (removed items left out), in meeting and minute order."""
    ids = list(meeting_ids)
    if not ids:
        return []
    rows = s.exec(
        select(ActionRow, Meeting)
        .join(DraftRow, col(DraftRow.id) == ActionRow.draft_id)
        .join(Meeting, col(Meeting.id) == DraftRow.meeting_id)
        .where(
            col(Meeting.id).in_(ids),
            DraftRow.status == DraftStatus.RELEASED,
            or_(col(ActionRow.resolution).is_(None), col(ActionRow.resolution) != Resolution.REMOVED),
        )
        .order_by(col(Meeting.date), col(Meeting.id), col(ActionRow.idx))
    ).all()
    return [(a, m) for a, m in rows]


def _earlier(s: Session, meeting: Meeting) -> list[Meeting]:
    if meeting.body_id is None:
        return []
    return list(
        s.exec(
            select(Meeting).where(
                Meeting.body_id == meeting.body_id,
                or_(
                    col(Meeting.date) < meeting.date,
                    and_(col(Meeting.date) == meeting.date, col(Meeting.id) < meeting.id),
                ),
            )
        )
    )


def _later(s: Session, meeting: Meeting) -> list[Meeting]:
    if meeting.body_id is None:
        return []
    return list(
        s.exec(
            select(Meeting)
            .where(
                Meeting.body_id == meeting.body_id,
                or_(
                    col(Meeting.date) > meeting.date,
                    and_(col(Meeting.date) == meeting.date, col(Meeting.id) > meeting.id),
                ),
            )
            .order_by(col(Meeting.date), col(Meeting.id))
        )
    )


def _log(s: Session, action_ids: list[int]) -> dict[int, list[tuple[Meeting, MatterArising]]]:
    """Each action's log rows, oldest meeting first."""
    out: dict[int, list[tuple[Meeting, MatterArising]]] = {a: [] for a in action_ids}
    if action_ids:
        for row, m in s.exec(
            select(MatterArising, Meeting)
            .join(Meeting, col(Meeting.id) == MatterArising.meeting_id)
            .where(col(MatterArising.action_id).in_(action_ids))
            .order_by(col(Meeting.date), col(Meeting.id))
        ).all():
            out[row.action_id].append((m, row))
    return out


def _decided(s: Session, log: dict[int, list[tuple[Meeting, MatterArising]]]) -> set[int]:
    """The meetings of `log` whose minutes are released: only there is a status the body's decision (a draft's
    may yet be corrected or rejected)."""
    ids = {stored_id(m) for rows in log.values() for m, _ in rows}
    if not ids:
        return set()
    return set(
        s.exec(
            select(DraftRow.meeting_id).where(
                col(DraftRow.meeting_id).in_(ids), DraftRow.status == DraftStatus.RELEASED
            )
        ).all()
    )


def arising(s: Session, meeting_id: int) -> list[Arising]:
    """The open actions this meeting takes up: those of its body's earlier released minutes that no earlier
    meeting marked done or dropped, each with this meeting's status (open until the reviewer decides). Once its
    minutes are released, exactly those filed with them (`file`), whatever was released or decided since."""
    meeting = s.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFoundError(f"no meeting {meeting_id}", "see `minutes meeting list`")
    return _arising(s, meeting, filed=is_released(s, meeting_id))


def _arising(s: Session, meeting: Meeting, filed: bool) -> list[Arising]:
    meeting_id = stored_id(meeting)
    earlier = {stored_id(m) for m in _earlier(s, meeting)}
    actions = _released_actions(s, earlier)
    log = _log(s, [stored_id(a) for a, _ in actions])
    decided = _decided(s, log)
    out = []
    for action, source in actions:
        action_id = stored_id(action)
        before = [row for m, row in log[action_id] if m.id in earlier and m.id in decided]
        own = next((row for m, row in log[action_id] if m.id == meeting_id), None)
        if (own is None) if filed else any(row.status in CLOSED for row in before):
            continue
        due = next((row.due for row in reversed(before) if row.status == "carried" and row.due), action.due)
        out.append(
            Arising(
                action_id,
                stored_id(source),
                source.date,
                action.task,
                action.owner,
                due,
                own.status if own else "open",
                own.due if own else None,
                own.note if own else None,
                dict(own.suggested) if own else {},
            )
        )
    return out


def file(s: Session, meeting_id: int) -> None:
    """As the meeting's minutes are released: keep a log row for every action it takes up (an undecided one as
    open), so its matters arising stay as released when an earlier meeting's minutes are released or decided
    later."""
    meeting = s.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFoundError(f"no meeting {meeting_id}", "see `minutes meeting list`")
    for a in _arising(s, meeting, filed=False):
        s.add(_row(s, meeting_id, a.action_id))
    s.flush()


def _row(s: Session, meeting_id: int, action_id: int) -> MatterArising:
    row = s.exec(
        select(MatterArising).where(
            MatterArising.meeting_id == meeting_id, MatterArising.action_id == action_id
        )
    ).first()
    return row or MatterArising(meeting_id=meeting_id, action_id=action_id)


def set_status(
    s: Session,
    meeting_id: int,
    action_id: int,
    status: str,
    actor: str,
    due: str | None = None,
    note: str | None = None,
) -> Arising:
    """Record what the meeting said of one open action: done, carried forward (a new due date, required) or
    dropped, with an optional note; audited (the note's hash, never its words). Refused once the meeting's
    minutes are released, and for an action this meeting does not take up."""
    if status not in (*STATUSES, "open"):
        raise UsageError(f"status must be one of {', '.join(STATUSES)} (or open), not {status!r}")
    if is_released(s, meeting_id):
        raise StateError(
            f"meeting {meeting_id}'s minutes are released: its matters arising are filed",
            "record the status at the body's next meeting",
        )
    if action_id not in {a.action_id for a in arising(s, meeting_id)}:
        raise NotFoundError(
            f"action {action_id} is not among meeting {meeting_id}'s matters arising",
            f"see `minutes matters list {meeting_id}`",
        )
    new_due = parse_date(due, "new due date").isoformat() if due and due.strip() else None
    if status == "carried" and new_due is None:
        raise UsageError("an action carried forward needs its new due date (--due)")
    text = refuse_controls(" ".join((note or "").split()), "note") or None
    if text and len(text) > MAX_NOTE:
        raise UsageError(f"note is too long ({len(text)} characters; at most {MAX_NOTE})")
    row = _row(s, meeting_id, action_id)
    row.status, row.due, row.note = status, new_due if status == "carried" else None, text
    row.decided_by, row.decided_at = actor, dt.datetime.now(dt.UTC)
    s.add(row)
    s.flush()
    record(
        s,
        "matters.status",
        actor,
        meeting_id,
        subject={
            "action": action_id,
            "status": status,
            "due": row.due,
            "suggested": row.suggested.get("status"),
        },
        content={"note": text or ""},
    )
    return next(a for a in arising(s, meeting_id) if a.action_id == action_id)


def confirm(s: Session, meeting_id: int, action_id: int, actor: str, due: str | None = None) -> Arising:
    """Accept what the draft suggested from the talk (a carried-forward suggestion still needs its due date)."""
    row = _row(s, meeting_id, action_id)
    if not row.suggested.get("status"):
        raise UsageError(f"nothing was suggested for action {action_id} at meeting {meeting_id}")
    return set_status(s, meeting_id, action_id, row.suggested["status"], actor, due=due, note=row.note)


def store_suggestions(s: Session, meeting_id: int, suggestions: dict[int, dict[str, Any]]) -> int:
    """Keep what the draft read in the talk for each action, replacing an earlier draft's (which goes where this
    one found nothing, unless a reviewer already decided on it); the reviewer's own status is left as it is.
    Returns how many were stored."""
    taken = {a.action_id for a in arising(s, meeting_id)}
    count = 0
    for action_id, suggestion in suggestions.items():
        if action_id in taken:
            row = _row(s, meeting_id, action_id)
            row.suggested = suggestion
            s.add(row)
            count += 1
    for row in s.exec(select(MatterArising).where(MatterArising.meeting_id == meeting_id)):
        if row.action_id not in suggestions and row.suggested and row.status == "open":  # nothing found now
            row.suggested = {}
            s.add(row)
    s.flush()
    return count


# --- who owes what ------------------------------------------------------------------------------------------


def owed(
    s: Session, person: str | None = None, body: Body | None = None, today: dt.date | None = None
) -> list[Owed]:
    """Every open action of every released minute (of one body, of one owner by name), overdue first, then by
    due date; actions with no date or a spoken one ("next meeting") last."""
    today = today or dt.date.today()
    query = select(Meeting.id)
    if body is not None:
        query = query.where(Meeting.body_id == body.id)
    # a primary key is never NULL: the filter only tells the type checker so
    actions = _released_actions(s, [i for i in s.exec(query).all() if i is not None])
    log = _log(s, [stored_id(a) for a, _ in actions])
    decided = _decided(s, log)
    names = {b.id: b.name for b in bodies(s)}
    key = name_key(person) if person and person.strip() else None
    out = []
    for action, m in actions:
        action_id = stored_id(action)
        rows = [row for m2, row in log[action_id] if m2.id in decided]
        if any(row.status in CLOSED for row in rows):
            continue
        if key is not None and name_key(action.owner or "") != key:
            continue
        due = next((row.due for row in reversed(rows) if row.status == "carried" and row.due), action.due)
        out.append(
            Owed(
                action_id, stored_id(m), m.title, m.date, names.get(m.body_id), action.task, action.owner, due
            )
        )
    return sorted(out, key=lambda o: (not o.overdue(today), as_date(o.due) is None, as_date(o.due) or today))


def write_owed(
    s: Session,
    settings: Settings,
    rows: list[Owed],
    fmt: str,
    data: bytes,
    out: Path,
    force: bool,
    actor: str,
) -> Path:
    """Write a who-owes-what file (outside the data folder, as an export) and record it as an export of each
    meeting whose actions it lists, audited: a withdrawal from any of them invalidates and deletes it, as it does
    that meeting's minutes."""
    path = check_target(settings, out, force)
    digest = write_file(path, data, overwrite=force)
    try:
        for meeting_id in sorted({r.meeting_id for r in rows}):
            rec = Export(meeting_id=meeting_id, kind=OWED_KIND, format=fmt, path=str(path), sha256=digest)
            s.add(rec)
            s.flush()
            record(
                s, "export", actor, meeting_id, subject={"export": rec.id, "kind": OWED_KIND, "format": fmt}
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


# --- consent and retention ----------------------------------------------------------------------------------


def on_withdrawal(
    s: Session, meeting_id: int, names: NameMatcher, cut: list[tuple[float, float, str]], mark: str
) -> list[int]:
    """Carry a withdrawal from one meeting into the log, as the minutes it came from were treated: an action of
    those minutes that was removed (it rested on their words) leaves every later meeting's matters arising with
    its note and suggestion; one that stays has their name (`names`, a redact.NameMatcher) replaced by `mark`
    in notes and quotes. In this meeting's own log, suggestion evidence cut from the transcript (`cut`) goes.
    Returns the meetings whose matters arising changed (their exports are no longer what they would show)."""
    changed: set[int] = set()
    from_here = s.exec(
        select(MatterArising, ActionRow)
        .join(ActionRow, col(ActionRow.id) == MatterArising.action_id)
        .join(DraftRow, col(DraftRow.id) == ActionRow.draft_id)
        .where(DraftRow.meeting_id == meeting_id)
    ).all()
    for row, action in from_here:
        if action.resolution == Resolution.REMOVED:
            s.delete(row)
            changed.add(row.meeting_id)
        elif _redact_row(row, names, mark, []):
            s.add(row)
            changed.add(row.meeting_id)
    for row in s.exec(select(MatterArising).where(MatterArising.meeting_id == meeting_id)):
        if _redact_row(row, names, mark, cut):
            s.add(row)
            changed.add(meeting_id)
    s.flush()
    return sorted((changed | _showing(s, meeting_id, mark)) - {meeting_id})


def _showing(s: Session, meeting_id: int, mark: str) -> set[int]:
    """The later meetings of the body whose matters arising show (or showed) an action of this meeting's released
    minutes that a withdrawal removed or redacted: their exports carry the task and owner as they were, whether or
    not the log has a row for it (an action nobody spoke of has none)."""
    meeting = s.get(Meeting, meeting_id)
    touched = [
        stored_id(a)
        for a in s.exec(
            select(ActionRow)
            .join(DraftRow, col(DraftRow.id) == ActionRow.draft_id)
            .where(DraftRow.meeting_id == meeting_id, DraftRow.status == DraftStatus.RELEASED)
        )
        if a.resolution == Resolution.REMOVED or mark in f"{a.owner or ''} {a.task}"
    ]
    if meeting is None or not touched:
        return set()
    log = _log(s, touched)
    out = set()
    for later in _later(s, meeting):
        when = (later.date, stored_id(later))
        if any(
            not any(row.status in CLOSED and (m.date, stored_id(m)) < when for m, row in log[a])
            for a in touched
        ):
            out.add(stored_id(later))
    return out


def _redact_row(
    row: MatterArising, names: NameMatcher, mark: str, cut: list[tuple[float, float, str]]
) -> bool:
    changed = False
    if row.note and names.search(row.note):
        row.note, changed = names.sub(row.note, mark)[0], True
    evidence = []
    for ev in row.suggested.get("evidence", []):
        if _within(ev, cut):
            changed = True
            continue
        if names.search(ev["quote"]):
            ev = {**ev, "quote": names.sub(ev["quote"], mark)[0]}
            changed = True
        evidence.append(ev)
    if changed and row.suggested:
        row.suggested = {**row.suggested, "evidence": evidence} if evidence else {}
    return changed


def _within(ev: dict[str, Any], spans: Iterable[tuple[float, float, Any]]) -> bool:
    return any(ev["start"] < end and start < ev["end"] for start, end, _ in spans)


def withhold(s: Session, draft_id: int, start: float, end: float) -> int:
    """A reviewer flagged the draft's lines `start`-`end` as sensitive: as the items resting on them are removed,
    so is the talk's evidence quoting them (and a suggestion left with none). Returns the suggestions changed."""
    draft = s.get(DraftRow, draft_id)
    if draft is None:
        return 0
    count = 0
    for row in s.exec(select(MatterArising).where(MatterArising.meeting_id == draft.meeting_id)):
        evidence = row.suggested.get("evidence", [])
        kept = [ev for ev in evidence if not _within(ev, [(start, end, None)])]
        if len(kept) < len(evidence):
            row.suggested = {**row.suggested, "evidence": kept} if kept else {}
            s.add(row)
            count += 1
    s.flush()
    return count


def exports_of(s: Session, meeting_ids: list[int]) -> list[Export]:
    """The meetings' live exports (which show their matters arising), for a withdrawal to invalidate."""
    if not meeting_ids:
        return []
    return list(
        s.exec(
            select(Export)
            .where(col(Export.meeting_id).in_(meeting_ids), col(Export.invalidated_at).is_(None))
            .order_by(col(Export.id))
        )
    )


def purge_suggestions(s: Session, meeting_id: int, dry_run: bool) -> int:
    """When retention purges a meeting's transcript: suggestions nobody confirmed go with it (they quote it); a
    confirmed status, its note and evidence stay with the minutes, as the minutes' own evidence does."""
    count = 0
    for row in s.exec(select(MatterArising).where(MatterArising.meeting_id == meeting_id)):
        if row.suggested and row.status != row.suggested.get("status"):
            count += 1
            if not dry_run:
                row.suggested = {}
                s.add(row)
    s.flush()
    return count


# --- progress found in the talk -----------------------------------------------------------------------------


def progress_targets(s: Session, meeting_id: int) -> list[progress.OpenAction]:
    """The actions this meeting takes up that nobody has decided yet, for the draft to look for in the talk."""
    return [
        progress.OpenAction(a.action_id, a.task, a.owner)
        for a in arising(s, meeting_id)
        if a.status == "open"
    ]
