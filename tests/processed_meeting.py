"""A processed meeting built without models, for review, export, retention and withdrawal tests.

The demo meeting (tests/data/meeting-demo) as the pipeline would leave it: a Meeting with Priya, Tom, Helen and Sam,
a copy of meeting.wav in the store, a transcript from reference.stm (one diarisation label per person, mapped to the
participants by SpeakerLabel rows with voice centroids), speaker turns, voice enrolments, and a Draft whose
evidence quotes the transcript (Tom included).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner
from minutes.consent.meetings import create_meeting, participants_of
from minutes.db import Recording, SpeakerLabel, SpeakerTurn, VoiceEnrolment

from minutes.cli import cli
from minutes.core import types
from minutes.core.config import Settings
from minutes.core.files import atomic_write
from minutes.core.store import Database, files_path
from minutes.review import create_draft
from minutes.speech.transcripts import save_transcript

DEMO = Path(__file__).parent / "data" / "meeting-demo"
PEOPLE = ["Priya", "Tom", "Helen", "Sam"]
LABELS = {name: f"SPEAKER_{i:02d}" for i, name in enumerate(PEOPLE)}


@dataclass
class Line:
    speaker: str
    start: float
    end: float
    text: str


@dataclass
class Built:
    meeting_id: int
    recording_id: int
    transcript_id: int
    draft_id: int
    participants: dict[str, int]
    audio: Path
    voices: dict[str, bytes]  # every stored voice vector (centroids and enrolments) of each person


def run(*args: str):
    """Invoke the CLI in-process; returns click's Result."""
    return CliRunner().invoke(cli, [str(a) for a in args])


def stm_lines() -> list[Line]:
    out = []
    for raw in (DEMO / "reference.stm").read_text(encoding="utf-8").splitlines():
        _, _, speaker, start, end, text = raw.split(" ", 5)
        out.append(Line(speaker, float(start), float(end), text))
    return out


def line(speaker: str, contains: str) -> Line:
    return next(x for x in stm_lines() if x.speaker == speaker and contains in x.text)


def ev(speaker: str, contains: str) -> types.Evidence:
    x = line(speaker, contains)
    return types.Evidence(x.start, x.end, x.text)


def demo_draft(flags: bool = False, unsupported: bool = False) -> types.Draft:
    """The gold decisions and actions, each citing the lines it rests on."""
    draft = types.Draft(
        decisions=[
            types.Decision(
                "The Year 9 science museum trip moves to the last week of April.",
                [ev("Priya", "So we're agreed"), ev("Tom", "That works for me")],
            ),
            types.Decision(
                "Year 7 will trial paper homework sheets for one half term.",
                [ev("Priya", "We'll trial paper")],
                "unsupported" if unsupported else "supported",
            ),
        ],
        actions=[
            types.Action(
                "Book the coach for the Year 9 trip",
                "Tom",
                "2026-11-27",
                [ev("Priya", "Tom, can you book"), ev("Tom", "Yes, I'll book it")],
            ),
            types.Action(
                "Draft the letter to parents about the paper homework trial and send it to Priya to check",
                "Sam",
                "2026-11-25",
                [ev("Sam", "Sure, I'll draft it")],
            ),
            types.Action(
                "Check the budget for the lab technician post with the business manager",
                "Priya",
                "next meeting",
                [ev("Priya", "check the budget")],
            ),
        ],
        summary="The department moved the Year 9 trip, agreed a paper homework trial for Year 7 and deferred "
        "the lab technician post.",
        notes=["an action's owner was changed from Priya to Tom, who was asked to do it at line 6"],
    )
    if flags:
        draft.flags.append(
            types.Flag(
                "staffing",
                "possible staff disciplinary, grievance or complaint",
                [ev("Helen", "higher salary band")],
            )
        )
    return draft


def build(settings: Settings, draft: types.Draft | None = None) -> Built:
    """Store the processed demo meeting and queue its draft; returns the ids."""
    db = Database.open(settings)
    try:
        with db.session() as s:
            meeting = create_meeting(
                s,
                "Science department meeting",
                "2026-11-23",
                ["Priya:chair", "Tom", "Helen", "Sam"],
                actor="Clerk",
            )
            parts = {p.name: p.id for p in participants_of(s, meeting.id)}
            audio = files_path(settings, "recordings", f"meeting-{meeting.id}.wav")
            atomic_write(audio, source=DEMO / "meeting.wav")  # as the record stage does: 0600
            rec = Recording(
                meeting_id=meeting.id,
                path=str(audio.relative_to(settings.files_dir)),
                original_name="meeting.wav",
                sha256=hashlib.sha256(audio.read_bytes()).hexdigest(),
                duration=98.0,
            )
            s.add(rec)
            s.flush()
            segments = []
            for x in stm_lines():
                tokens = x.text.split()
                step = (x.end - x.start) / len(tokens)
                words = [
                    types.Word(
                        round(x.start + i * step, 3),
                        round(x.start + (i + 1) * step, 3),
                        w,
                        0.9,
                        LABELS[x.speaker],
                    )
                    for i, w in enumerate(tokens)
                ]
                segments.append(types.Segment(x.start, x.end, x.text, words, LABELS[x.speaker]))
                s.add(SpeakerTurn(recording_id=rec.id, start=x.start, end=x.end, speaker=LABELS[x.speaker]))
            tr = save_transcript(s, meeting.id, rec.id, types.Transcript("en", 98.0, segments), "reference")
            voices = {}
            for name in PEOPLE:
                centroid, enrolment = os.urandom(256), os.urandom(256)
                voices[name] = centroid + enrolment
                s.add(
                    SpeakerLabel(
                        recording_id=rec.id,
                        label=LABELS[name],
                        participant_id=parts[name],
                        method="enrolment",
                        similarity=0.9,
                        centroid=centroid,
                    )
                )
                first = next(x for x in stm_lines() if x.speaker == name)
                s.add(
                    VoiceEnrolment(
                        participant_id=parts[name],
                        recording_id=rec.id,
                        start=first.start,
                        end=first.end,
                        embedding=enrolment,
                    )
                )
            row = create_draft(s, meeting.id, tr.id, draft or demo_draft(), "test-extractor")
            return Built(meeting.id, rec.id, tr.id, row.id, parts, audio, voices)
    finally:
        db.close()


def approve_and_release(draft_id: int) -> None:
    for args in (
        ("review", "approve", draft_id, "--by", "Mrs Reviewer"),
        ("release", draft_id, "--by", "Mr Chair"),
    ):
        result = run(*args)
        assert result.exit_code == 0, result.output


def dump(obj) -> str:
    return json.dumps(obj, indent=2, sort_keys=True)
