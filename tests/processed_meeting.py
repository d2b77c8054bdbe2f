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

from minutes.cli import cli
from minutes.consent.meetings import participants_of
from minutes.core import types
from minutes.core.config import Settings
from minutes.core.files import atomic_write
from minutes.core.store import Database, files_path
from minutes.db import Recording, RecordingTurn, SpeakerLabel, VoiceEnrolment
from minutes.records.meetings import create_meeting
from minutes.review import create_draft
from minutes.speech.transcripts import save_transcript

DEMO = Path(__file__).parent / "data" / "meeting-demo"
PEOPLE = ["Priya", "Tom", "Helen", "Sam"]


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


def stm_lines(path: Path = DEMO / "reference.stm") -> list[Line]:
    """The lines of a reference STM (`meeting 1 SPEAKER START END text`)."""
    out = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        _, _, speaker, start, end, text = raw.split(" ", 5)
        out.append(Line(speaker, float(start), float(end), text))
    return out


def line(speaker: str, contains: str) -> Line:
    return next(x for x in stm_lines() if x.speaker == speaker and contains in x.text)


def ev(speaker: str, contains: str) -> types.Evidence:
    x = line(speaker, contains)
    return types.Evidence(start=x.start, end=x.end, quote=x.text)


def demo_points() -> list[types.Point]:
    """Discussion points as drafting makes them, each citing its lines: one resting on Tom's words alone, one on
    Helen's, one on Priya's and Tom's."""
    return [
        types.Point(
            text="Tom has looked at the coach prices and the cheapest option is twelve pounds a head on a Tuesday",
            evidence=[ev("Tom", "coach prices")],
        ),
        types.Point(
            text="Tuesdays clash with the Year 11 mock exams in March",
            evidence=[ev("Helen", "Tuesdays clash")],
        ),
        types.Point(
            text="The trip moves to the last week of April",
            evidence=[ev("Priya", "So we're agreed"), ev("Tom", "That works for me")],
        ),
    ]


def demo_draft(flags: bool = False, unsupported: bool = False, points: bool = False) -> types.Draft:
    """The gold decisions and actions, each citing the lines it rests on; with `points`, discussion points and
    the summary drafting makes of them."""
    draft = types.Draft(
        decisions=[
            types.Decision(
                text="The Year 9 science museum trip moves to the last week of April.",
                evidence=[ev("Priya", "So we're agreed"), ev("Tom", "That works for me")],
            ),
            types.Decision(
                text="Year 7 will trial paper homework sheets for one half term.",
                evidence=[ev("Priya", "We'll trial paper")],
                status="unsupported" if unsupported else "supported",
            ),
        ],
        actions=[
            types.Action(
                task="Book the coach for the Year 9 trip",
                owner="Tom",
                due="2026-11-27",
                evidence=[ev("Priya", "Tom, can you book"), ev("Tom", "Yes, I'll book it")],
            ),
            types.Action(
                task="Draft the letter to parents about the paper homework trial and send it to Priya to check",
                owner="Sam",
                due="2026-11-25",
                evidence=[ev("Sam", "Sure, I'll draft it")],
            ),
            types.Action(
                task="Check the budget for the lab technician post with the business manager",
                owner="Priya",
                due="next meeting",
                evidence=[ev("Priya", "check the budget")],
            ),
        ],
        summary="The department moved the Year 9 trip, agreed a paper homework trial for Year 7 and deferred "
        "the lab technician post.",
        notes=["an action's owner was changed from Priya to Tom, who was asked to do it at line 6"],
    )
    if points:
        draft.points = demo_points()
        draft.summary = " ".join(p.text + "." for p in draft.points)
    if flags:
        draft.flags.append(
            types.Flag(
                kind="staffing",
                reason="possible staff disciplinary, grievance or complaint",
                evidence=[ev("Helen", "higher salary band")],
            )
        )
    return draft


@dataclass(frozen=True)
class Fixture:
    """A meeting to store: its title, date, participants ("Name" or "Name:role", each of whom speaks) and
    reference lines. `audio` stands in for the recording (the dev meetings have none; nothing here plays it)."""

    title: str
    date: str
    people: list[str]
    lines: list[Line]
    audio: Path = DEMO / "meeting.wav"
    length: float | None = None  # the recording's duration; else where the last line ends

    @property
    def duration(self) -> float:
        return self.length or max(x.end for x in self.lines)

    @property
    def labels(self) -> dict[str, str]:
        return {p.split(":")[0]: f"SPEAKER_{i:02d}" for i, p in enumerate(self.people)}


def demo_fixture() -> Fixture:
    people = ["Priya:chair", "Tom", "Helen", "Sam"]
    return Fixture("Science department meeting", "2026-11-23", people, stm_lines(), length=98.0)


def build(settings: Settings, draft: types.Draft | None = None, fixture: Fixture | None = None) -> Built:
    """Store the processed meeting (the demo unless `fixture` says otherwise) and queue its draft; returns the
    ids."""
    fixture = fixture or demo_fixture()
    db = Database.open(settings)
    try:
        with db.session() as s:
            meeting = create_meeting(s, fixture.title, fixture.date, fixture.people, actor="Clerk")
            parts = {p.name: p.id for p in participants_of(s, meeting.id)}
            rec = _store_recording(s, settings, meeting.id, fixture)
            tr = _store_transcript(s, meeting.id, rec.id, fixture)
            voices = _store_voices(s, rec.id, parts, fixture)
            row = create_draft(s, meeting.id, tr.id, draft or demo_draft(), "test-extractor")
            return Built(
                meeting.id, rec.id, tr.id, row.id, parts, Path(settings.files_dir) / rec.path, voices
            )
    finally:
        db.close()


def _store_recording(s, settings: Settings, meeting_id: int, fixture: Fixture) -> Recording:
    audio = files_path(settings, "recordings", f"meeting-{meeting_id}.wav")
    atomic_write(audio, source=fixture.audio)  # as the record stage does: 0600
    rec = Recording(
        meeting_id=meeting_id,
        path=str(audio.relative_to(settings.files_dir)),
        original_name=fixture.audio.name,
        sha256=hashlib.sha256(audio.read_bytes()).hexdigest(),
        duration=fixture.duration,
    )
    s.add(rec)
    s.flush()
    return rec


def _store_transcript(s, meeting_id: int, recording_id: int, fixture: Fixture):
    """The reference lines as a transcript with evenly timed words, and one speaker turn per line."""
    labels, segments = fixture.labels, []
    for x in fixture.lines:
        tokens = x.text.split()
        step = (x.end - x.start) / len(tokens)
        words = [
            types.Word(
                start=round(x.start + i * step, 3),
                end=round(x.start + (i + 1) * step, 3),
                word=w,
                probability=0.9,
                speaker=labels[x.speaker],
            )
            for i, w in enumerate(tokens)
        ]
        segments.append(
            types.Segment(start=x.start, end=x.end, text=x.text, words=words, speaker=labels[x.speaker])
        )
        s.add(RecordingTurn(recording_id=recording_id, start=x.start, end=x.end, speaker=labels[x.speaker]))
    duration = max(x.end for x in fixture.lines)
    return save_transcript(
        s,
        meeting_id,
        recording_id,
        types.Transcript(language="en", duration=duration, segments=segments),
        "reference",
    )


def _store_voices(s, recording_id: int, parts: dict[str, int], fixture: Fixture) -> dict[str, bytes]:
    """Each speaker's label mapped to them with a random centroid, and an enrolment on their first line."""
    voices = {}
    for name, label in fixture.labels.items():
        centroid, enrolment = os.urandom(256), os.urandom(256)
        voices[name] = centroid + enrolment
        s.add(
            SpeakerLabel(
                recording_id=recording_id,
                label=label,
                participant_id=parts[name],
                method="enrolment",
                similarity=0.9,
                centroid=centroid,
            )
        )
        first = next(x for x in fixture.lines if x.speaker == name)
        s.add(
            VoiceEnrolment(
                participant_id=parts[name],
                recording_id=recording_id,
                start=first.start,
                end=first.end,
                embedding=enrolment,
            )
        )
    return voices


def approve_and_release(draft_id: int) -> None:
    for args in (
        ("review", "approve", draft_id, "--by", "Mrs Reviewer"),
        ("release", draft_id, "--by", "Mr Chair"),
    ):
        result = run(*args)
        assert result.exit_code == 0, result.output


def file_agenda(meeting_id: int, titles: list[str], folder: Path) -> None:
    """Give the meeting its agenda as a clerk does: a numbered list in a file."""
    path = folder / "agenda.txt"
    path.write_text("".join(f"{i}. {t}\n" for i, t in enumerate(titles, 1)), encoding="utf-8")
    result = run("meeting", "agenda", meeting_id, path)
    assert result.exit_code == 0, result.output


def file_apologies(meeting_id: int, name: str, accepted: bool, role: str | None = None) -> None:
    """Add someone who sent apologies, and whether the meeting accepted them."""
    add = (
        "participant",
        "add",
        meeting_id,
        name,
        *(("--role", role) if role else ()),
        "--attendance",
        "apologies",
    )
    assert run(*add).exit_code == 0
    answer = "--accepted" if accepted else "--not-accepted"
    result = run("attendance", meeting_id, name, "apologies", answer)
    assert result.exit_code == 0, result.output


def export_minutes(draft_id: int, path: Path, template: str) -> None:
    """Export released minutes with a clerk's template, in the format `path`'s suffix names."""
    result = run("export", draft_id, "--format", path.suffix[1:], "--template", template, "--out", path)
    assert result.exit_code == 0, result.output


def dump(obj) -> str:
    return json.dumps(obj, indent=2, sort_keys=True)
