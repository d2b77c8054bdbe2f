"""Speaker names for a meeting: enrolment from consent evidence, names from the talk, and naming by hand.

A participant who consented aloud has `--evidence-at START-END` on their consent: that stretch of the recording
is their voice. It is embedded with the diarisation engine's CAM++ model and matched one-to-one against the
speaker clusters (minutes.speech.naming). A speaker no voice names may be named by what the meeting says
(minutes.speech.talk): applied when the talk is clear (`[speakers] from_talk = "apply"`), otherwise kept as a
suggestion with its lines, which the reviewer accepts or dismisses in one step (audited). Labels stay
"SPEAKER_00" in the stored transcript; names are applied when a transcript is read for extraction or export, so
renaming or a withdrawal changes one row, not every segment.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete
from sqlmodel import Session, col, select

from minutes import db
from minutes.consent.meetings import find_participant, participants_of
from minutes.consent.timespec import clock
from minutes.core.speech_params import SPEAKERS, SpeakerParams
from minutes.core.types import Audio, Transcript
from minutes.db import ConsentRecord, Participant, Recording, RecordingTurn, SpeakerLabel, VoiceEnrolment
from minutes.db.audit import append_event
from minutes.db.meeting import NOT_RECORDED
from minutes.errors import StateError, UsageError
from minutes.speech.naming import apply_names, name_speakers
from minutes.speech.talk import Cue, NamedPerson, names_from_talk
from minutes.speech.transcripts import load_transcript

FROM_TALK = "talk"  # SpeakerLabel.method of a name applied from the talk


@dataclass(frozen=True)
class EnrolmentRange:
    participant_id: int
    name: str
    start: float
    end: float


@dataclass
class Enrolled:
    range: EnrolmentRange
    embedding: np.ndarray


def enrolment_ranges(s: Session, meeting_id: int, recording: Recording) -> list[EnrolmentRange]:
    """The latest given consent with a time range inside this recording, per participant."""
    return _evidence_ranges(s, meeting_id, recording.duration)[0]


def unusable_ranges(s: Session, meeting_id: int, duration: float) -> list[EnrolmentRange]:
    """The latest consent range of each participant who has ranges but none inside a recording of `duration`:
    their voice cannot be enrolled, so their speaker will not be named automatically."""
    return _evidence_ranges(s, meeting_id, duration)[1]


def outside_warning(r: EnrolmentRange, duration: float) -> str:
    return (
        f"{r.name}'s consent evidence at {clock(r.start)}-{clock(r.end)} is outside the recording "
        f"(0:00-{clock(duration)}): their voice could not be enrolled from it; name their speaker with "
        "`minutes speakers`"
    )


def _evidence_ranges(
    s: Session, meeting_id: int, duration: float
) -> tuple[list[EnrolmentRange], list[EnrolmentRange]]:
    """(usable, unusable): per participant, the latest given consent range that fits the recording (0.5 s of
    slack, clipped to its end), else the latest that does not."""
    people = {p.id: p.name for p in participants_of(s, meeting_id)}
    rows = s.exec(
        select(ConsentRecord)
        .where(
            ConsentRecord.meeting_id == meeting_id,
            ConsentRecord.decision == "given",
            col(ConsentRecord.evidence_start).is_not(None),
            col(ConsentRecord.evidence_end).is_not(None),
        )
        .order_by(col(ConsentRecord.id))
    ).all()
    usable: dict[int, EnrolmentRange] = {}
    unusable: dict[int, EnrolmentRange] = {}
    for r in rows:
        pid, start, end = r.participant_id, r.evidence_start, r.evidence_end
        if pid is None or pid not in people or start is None or end is None:  # the query asked for a range
            continue
        if end <= duration + 0.5:
            usable[pid] = EnrolmentRange(pid, people[pid], start, min(end, duration))
        else:
            unusable[pid] = EnrolmentRange(pid, people[pid], start, end)
    return list(usable.values()), [r for pid, r in unusable.items() if pid not in usable]


def embed_enrolments(
    engine, audio: Audio, ranges: list[EnrolmentRange], params: SpeakerParams = SPEAKERS
) -> list[Enrolled]:
    from minutes.speech.diarise import embed

    return [Enrolled(r, embed(engine, audio, r.start, r.end, params=params)) for r in ranges]


def store_diarisation(
    s: Session,
    meeting_id: int,
    recording_id: int,
    result,
    enrolled: list[Enrolled],
    params: SpeakerParams = SPEAKERS,
) -> int:
    """Replace the recording's turns, speaker labels and enrolments; name labels by enrolment. Returns # named."""
    for model in (RecordingTurn, SpeakerLabel, VoiceEnrolment):
        s.execute(delete(model).where(col(model.recording_id) == recording_id))
    s.add_all(
        RecordingTurn(recording_id=recording_id, start=t.start, end=t.end, speaker=t.speaker)
        for t in result.turns
    )
    s.add_all(
        VoiceEnrolment(
            participant_id=e.range.participant_id,
            recording_id=recording_id,
            start=e.range.start,
            end=e.range.end,
            embedding=e.embedding.astype(np.float32).tobytes(),
        )
        for e in enrolled
    )
    by_name = {e.range.name: e for e in enrolled}
    voices = {n: e.embedding for n, e in by_name.items()}
    mapping = name_speakers(result.centroids, voices, params.name_threshold) if by_name else {}
    named = 0
    for label, centroid in result.centroids.items():
        match = by_name.get(mapping.get(label, ""))
        named += match is not None
        s.add(
            SpeakerLabel(
                recording_id=recording_id,
                label=label,
                participant_id=match.range.participant_id if match else None,
                method="enrolment" if match else None,
                centroid=np.asarray(centroid, dtype=np.float32).tobytes(),
            )
        )
    s.flush()
    return named


def name_from_talk(
    s: Session,
    meeting_id: int,
    recording_id: int,
    transcript: Transcript,
    actor: str,
    params: SpeakerParams = SPEAKERS,
) -> tuple[int, int]:
    """Read who the speakers no voice named are from the talk (minutes.speech.talk), among the participants
    recorded, and keep it on their labels with its lines: applied when it is clear and `params.from_talk` is
    "apply", otherwise a suggestion. Returns (applied, suggested); audited when there is any."""
    mode = params.from_talk
    if mode == "off":
        return 0, 0
    labels = {
        r.label: r for r in s.exec(select(SpeakerLabel).where(SpeakerLabel.recording_id == recording_id))
    }
    people = [p for p in participants_of(s, meeting_id) if p.attendance not in NOT_RECORDED]
    by_name = {p.name: p for p in people}
    taken = {
        r.label: name
        for r in labels.values()
        if r.participant_id and (name := _participant_name(s, r.participant_id))
    }
    found = names_from_talk(transcript, [NamedPerson(p.name, p.role) for p in people], taken, params)
    applied, suggested = [], []
    for label, talk in found.items():
        row = labels.get(label)
        if row is None:
            continue
        row.talk_participant_id = by_name[talk.name].id
        row.talk_evidence = json.dumps([[c.kind, *c.said, *c.by] for c in talk.cues])
        if talk.strong and mode == "apply":
            row.participant_id, row.method = row.talk_participant_id, FROM_TALK
            applied.append({"label": label, "participant": row.participant_id, "lines": len(talk.cues)})
        else:
            suggested.append(
                {"label": label, "participant": row.talk_participant_id, "lines": len(talk.cues)}
            )
        s.add(row)
    if applied or suggested:
        append_event(
            s,
            "speaker.talk",
            actor,
            meeting_id,
            {"recording": recording_id, "named": applied, "suggested": suggested},
        )
    s.flush()
    return len(applied), len(suggested)


@dataclass(frozen=True)
class TalkLine:
    """A line that names a speaker (`kind`: see minutes.speech.talk) and the named speaker's line it points
    to (the same line for an introduction); texts are None once the transcript is gone."""

    kind: str
    start: float
    end: float
    text: str | None
    answer_start: float
    answer_end: float
    answer_text: str | None


@dataclass(frozen=True)
class SpeakerView:
    """One speaker label as a reviewer sees it: the name shown, how it was named ("voice", "talk", "hand" or
    None), and who the talk names it as (applied, or only suggested while `suggested` is true)."""

    label: str
    name: str
    named_by: str | None
    talk: str | None
    suggested: bool
    lines: list[TalkLine]


NAMED_BY = {"enrolment": "voice", FROM_TALK: "talk", "manual": "hand"}


def speaker_views(s: Session, recording_id: int, transcript_id: int | None) -> list[SpeakerView]:
    """Every speaker label of a recording with its name, how it was named and what the talk says."""
    rows = s.exec(
        select(SpeakerLabel).where(SpeakerLabel.recording_id == recording_id).order_by(SpeakerLabel.label)
    ).all()
    names = label_names(s, recording_id)
    segments = load_transcript(s, transcript_id).segments if transcript_id else []

    def text(start: float, end: float) -> str | None:
        said = [x.text.strip() for x in segments if start - 0.01 <= x.start and x.end <= end + 0.01]
        return " ".join(said) or None

    views = []
    for row in rows:
        talk = row.talk_participant_id and _participant_name(s, row.talk_participant_id)
        cues = [Cue(k, (a, b), (c, d)) for k, a, b, c, d in json.loads(row.talk_evidence or "[]")]
        views.append(
            SpeakerView(
                row.label,
                names[row.label],
                NAMED_BY.get(row.method or ""),
                talk or None,
                bool(talk) and row.participant_id is None,
                [TalkLine(c.kind, *c.said, text(*c.said), *c.by, text(*c.by)) for c in cues] if talk else [],
            )
        )
    return views


def accept_talk(s: Session, meeting_id: int, recording_id: int, label: str, actor: str) -> dict[str, str]:
    """Name a speaker as the talk suggests (one step for the reviewer; audited as a naming by hand)."""
    row = _label(s, recording_id, label)
    name = row.talk_participant_id and _participant_name(s, row.talk_participant_id)
    if not name:
        raise UsageError(f"the talk suggests no name for speaker {label}", "name it with --name LABEL=NAME")
    return set_names(s, meeting_id, recording_id, {label: name}, actor)


def unname(s: Session, meeting_id: int, recording_id: int, label: str, actor: str) -> dict[str, str]:
    """Make a speaker "Speaker N" again and dismiss what the talk said about it: the undo of a wrong name,
    however it was given (audited with the name it had)."""
    row = _label(s, recording_id, label)
    before = {"participant": row.participant_id, "method": row.method, "talk": row.talk_participant_id}
    row.participant_id = row.method = row.talk_participant_id = row.talk_evidence = None
    s.add(row)
    append_event(
        s, "speaker.unname", actor, meeting_id, {"recording": recording_id, "label": label, **before}
    )
    s.flush()
    return label_names(s, recording_id)


def _label(s: Session, recording_id: int, label: str) -> SpeakerLabel:
    row = s.exec(
        select(SpeakerLabel).where(SpeakerLabel.recording_id == recording_id, SpeakerLabel.label == label)
    ).first()
    if row is None:
        known = s.exec(select(SpeakerLabel.label).where(SpeakerLabel.recording_id == recording_id)).all()
        raise UsageError(
            f"unknown speaker label '{label}'", f"labels: {', '.join(sorted(known)) or 'none yet'}"
        )
    return row


def label_names(s: Session, recording_id: int) -> dict[str, str]:
    """label -> display name: the participant's name, or "Speaker N" (never an invented name)."""
    labels = s.exec(
        select(SpeakerLabel).where(SpeakerLabel.recording_id == recording_id).order_by(SpeakerLabel.label)
    ).all()
    names: dict[str, str | None] = {
        row.label: _participant_name(s, row.participant_id) if row.participant_id else None for row in labels
    }
    unnamed = iter(range(1, len(labels) + 1))
    return {label: name or f"Speaker {next(unnamed)}" for label, name in names.items()}


def _participant_name(s: Session, participant_id: int) -> str | None:
    p = s.get(Participant, participant_id)
    return p.name if p else None


def named_transcript(s: Session, transcript_id: int) -> Transcript:
    """The stored transcript with speaker labels replaced by names."""
    transcript = load_transcript(s, transcript_id)  # NotFoundError when there is none
    return apply_names(transcript, label_names(s, s.get_one(db.TranscriptRow, transcript_id).recording_id))


def set_names(
    s: Session, meeting_id: int, recording_id: int, pairs: dict[str, str], actor: str
) -> dict[str, str]:
    """Name speaker labels by hand (`SPEAKER_00=Priya`); the participant must belong to the meeting and be marked
    present or in attendance: a voice given to someone who sent apologies would escape the consent gate."""
    labels = {
        r.label: r for r in s.exec(select(SpeakerLabel).where(SpeakerLabel.recording_id == recording_id))
    }
    if not labels:
        raise StateError(f"meeting {meeting_id} has no speakers yet", "run `minutes process` first")
    for label, name in pairs.items():
        if label not in labels:
            raise UsageError(f"unknown speaker label '{label}'", f"labels: {', '.join(sorted(labels))}")
        participant = _recorded(s, meeting_id, name)
        taken = [r.label for r in labels.values() if r.participant_id == participant.id and r.label != label]
        for other in taken:  # one participant, one voice: the hand-made name wins, over the talk's too
            labels[other].participant_id = labels[other].method = None
            if labels[other].talk_participant_id == participant.id:
                labels[other].talk_participant_id = labels[other].talk_evidence = None
        labels[label].participant_id, labels[label].method = participant.id, "manual"
        _audit_name(s, meeting_id, recording_id, label, participant.id, actor)
    s.flush()
    return label_names(s, recording_id)


def _recorded(s: Session, meeting_id: int, name: str):
    """The participant `name`, who must be marked present or in attendance: a voice given to someone who sent
    apologies would escape the consent gate."""
    participant = find_participant(s, meeting_id, name)
    if participant.attendance in NOT_RECORDED:
        raise StateError(
            f"{participant.name} is marked {participant.attendance}, so not in the recording",
            f"if they were there, `minutes attendance {meeting_id} {participant.name!r} present` "
            "(their consent is then needed)",
        )
    return participant


def label_of(s: Session, meeting_id: int, recording_id: int, name: str, actor: str) -> str:
    """The speaker label of participant `name` in a recording, for a line a reviewer says they spoke: the label
    mapped to them, else a new one mapped to them by hand (audited as a naming)."""
    participant = _recorded(s, meeting_id, name)
    rows = s.exec(select(SpeakerLabel).where(SpeakerLabel.recording_id == recording_id)).all()
    mine = next((r for r in rows if r.participant_id == participant.id), None)
    if mine is not None:
        return mine.label
    label = f"MANUAL_{participant.id:02d}"
    s.add(
        SpeakerLabel(recording_id=recording_id, label=label, participant_id=participant.id, method="manual")
    )
    _audit_name(s, meeting_id, recording_id, label, participant.id, actor)
    s.flush()
    return label


def _audit_name(
    s: Session, meeting_id: int, recording_id: int, label: str, participant_id: int, actor: str
) -> None:
    subject = {"recording": recording_id, "label": label, "participant": participant_id}
    append_event(s, "speaker.name", actor, meeting_id, subject)
