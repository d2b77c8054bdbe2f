"""Speakers named from the talk through the pipeline, the command line and the review page (issue 41, item 3).

The diarise stage runs for real (minutes.run.stages) on a canned, invented meeting where nobody enrolled a voice;
the review page runs on the processed demo meeting (tests/web_helpers.py)."""

from __future__ import annotations

import json

import pytest
from canned import tiny_wav
from processed_meeting import run
from sqlmodel import select

from minutes.consent import ledger
from minutes.consent.meetings import participants_of
from minutes.core.config import load_settings
from minutes.core.progress import QuietReporter
from minutes.core.store import Database
from minutes.core.types import Segment, SpeakerTurn, Transcript, Word
from minutes.db import AuditEvent, RecordingTurn, SpeakerLabel, StageRun
from minutes.records import meetings
from minutes.run import pipeline, stages
from minutes.speech import speakers
from minutes.speech.diarise import Diarisation
from minutes.speech.transcripts import load_transcript

PEOPLE = ["Ingrid:chair", "Bashir", "Colm", "Delyth:treasurer"]
LINES = [  # (label, text): Colm is asked twice and thanked once; Bashir asked once; Delyth speaks as treasurer
    ("SPEAKER_00", "Morning all. Colm, could you start with the minibus?"),
    ("SPEAKER_01", "It is booked for the ninth and the driver is confirmed."),
    ("SPEAKER_00", "Good. And the ferry times, Colm?"),
    ("SPEAKER_01", "They come out on Monday."),
    ("SPEAKER_02", "Thanks, Colm. I have the rota update."),
    ("SPEAKER_00", "Go on, Bashir."),
    ("SPEAKER_02", "Two changes for next week."),
    ("SPEAKER_03", "As treasurer, I can confirm the budget covers the trip."),
    ("SPEAKER_00", "Lovely, thank you all."),
]


def transcript(attributed: bool) -> Transcript:
    segments = []
    for i, (label, text) in enumerate(LINES):
        start, who = 3.0 * i, label if attributed else None
        tokens = text.split()
        step = 2.5 / len(tokens)
        words = [
            Word(start=start + k * step, end=start + (k + 1) * step, word=w, probability=0.9, speaker=who)
            for k, w in enumerate(tokens)
        ]
        segments.append(Segment(start=start, end=start + 2.5, text=text, words=words, speaker=who))
    return Transcript(language="en", duration=3.0 * len(LINES), segments=segments)


@pytest.fixture
def meeting(request, home, database):
    """The invented meeting recorded, transcribed and diarised; everyone consented aloud with no time range.
    The parameter, if any, is the `[speakers] from_talk` setting."""
    (home / "config.toml").write_text(f'[speakers]\nfrom_talk = "{getattr(request, "param", "apply")}"\n')
    db = Database.open(load_settings())
    with db.session() as s:
        m = meetings.create_meeting(s, "Trip planning", "2026-11-23", PEOPLE)
        ids = {p.name: p.id for p in participants_of(s, m.id)}
        for name in ids:
            ledger.give(s, m.id, name, "all", "verbal", recorded_by="clerk")
    r = stages.Run(db, pipeline.Engines(db.settings), m.id, tiny_wav(home.parent / "m.wav"), QuietReporter())
    for stage in ("record", "transcribe", "diarise"):
        r.begin(stage)
        if stage == "record":
            write = stages.record(r)
        elif stage == "transcribe":
            write = stages.write_transcript(r, transcript(False), "canned", "canned")
        else:
            attributed = transcript(True)
            turns = [SpeakerTurn(x.start, x.end, x.speaker) for x in attributed.segments]
            voices = {f"SPEAKER_{i:02d}": [float(i == k) for k in range(4)] for i in range(4)}
            write = stages.write_diarisation(r, 1, attributed, Diarisation(turns, voices), [], 0)
        r.commit(stage, write)
    yield db, m.id, ids
    db.close()


def labels(db) -> dict[str, SpeakerLabel]:
    with db.session() as s:
        return {row.label: row for row in s.exec(select(SpeakerLabel))}


def events(db, kind: str) -> list[dict]:
    with db.session() as s:
        return [json.loads(e.subject_json) for e in s.exec(select(AuditEvent).where(AuditEvent.kind == kind))]


def test_a_clear_name_is_applied_before_drafting_and_the_others_are_suggested(meeting):
    db, meeting_id, ids = meeting
    rows = labels(db)
    assert rows["SPEAKER_01"].participant_id == ids["Colm"] and rows["SPEAKER_01"].method == "talk"
    assert len(json.loads(rows["SPEAKER_01"].talk_evidence)) == 3  # asked twice, thanked once
    for label, who in (("SPEAKER_02", "Bashir"), ("SPEAKER_03", "Delyth")):  # one line each: suggestions
        assert rows[label].participant_id is None and rows[label].talk_participant_id == ids[who]
    assert rows["SPEAKER_00"].talk_participant_id is None  # nobody says the chair's name
    with db.session() as s:
        detail = s.exec(select(StageRun.detail).where(StageRun.stage == "diarise")).one()
        named = load_transcript(s, 1)
        names = speakers.named_transcript(s, 1)
    assert "1 named from the talk, 2 name(s) from the talk to check" in detail
    assert [x.speaker for x in names.segments][:2] == ["Speaker 1", "Colm"]  # what drafting reads
    assert {x.speaker for x in named.segments} == {f"SPEAKER_{i:02d}" for i in range(4)}  # stored as labels
    [talk] = events(db, "speaker.talk")
    assert [x["label"] for x in talk["named"]] == ["SPEAKER_01"]
    assert [x["label"] for x in talk["suggested"]] == ["SPEAKER_02", "SPEAKER_03"]
    assert "minibus" not in json.dumps(talk)  # the audit log holds no transcript text


def test_the_command_line_shows_the_lines_and_takes_a_suggestion_or_an_undo_in_one_step(meeting):
    db, meeting_id, ids = meeting
    shown = run("speakers", meeting_id)
    assert shown.exit_code == 0, shown.output
    out = shown.output
    assert "SPEAKER_01 = Colm (named from the talk; undo: --unname SPEAKER_01)" in out
    assert "SPEAKER_02 = Speaker 2; the talk suggests Bashir (accept: --accept SPEAKER_02)" in out
    assert "0:00 “Morning all. Colm, could you start with the minibus?” -> 0:03 Colm: “It is booked" in out
    assert "office" in out and "“As treasurer, I can confirm the budget covers the trip.”" in out
    as_json = json.loads(run("speakers", meeting_id, "--json").output)
    assert as_json["SPEAKER_01"]["named_by"] == "talk" and as_json["SPEAKER_01"]["talk"]["applied"]
    assert as_json["SPEAKER_02"]["talk"] == {
        "name": "Bashir",
        "applied": False,
        "lines": [
            {
                "kind": "addressed",
                "start": 15.0,
                "end": 17.5,
                "text": "Go on, Bashir.",
                "answer_start": 18.0,
                "answer_end": 20.5,
                "answer_text": "Two changes for next week.",
            }
        ],
    }

    accepted = run("speakers", meeting_id, "--accept", "SPEAKER_02", "--by", "Rhys", "--json")
    assert accepted.exit_code == 0, accepted.output
    assert json.loads(accepted.output)["SPEAKER_02"]["name"] == "Bashir"
    assert events(db, "speaker.name")[-1] == {
        "recording": 1,
        "label": "SPEAKER_02",
        "participant": ids["Bashir"],
    }
    undone = run("speakers", meeting_id, "--unname", "SPEAKER_01", "--by", "Rhys", "--json")
    after = json.loads(undone.output)["SPEAKER_01"]
    assert after == {"name": "Speaker 2", "named_by": None, "talk": None}
    assert events(db, "speaker.unname")[-1]["participant"] == ids["Colm"]
    with db.session() as s:
        assert speakers.named_transcript(s, 1).segments[1].speaker == "Speaker 2"

    moved = json.loads(run("speakers", meeting_id, "--name", "SPEAKER_00=Bashir", "--json").output)
    assert (
        moved["SPEAKER_00"]["name"] == "Bashir" and moved["SPEAKER_02"]["talk"] is None
    )  # not offered again

    refused = run("speakers", meeting_id, "--accept", "SPEAKER_00")
    assert refused.exit_code != 0 and "the talk suggests no name for speaker SPEAKER_00" in refused.output
    assert run("speakers", meeting_id, "--unname", "SPEAKER_09").exit_code != 0


@pytest.mark.parametrize("meeting", ["suggest", "off"], indirect=True)
def test_a_school_can_have_every_name_wait_for_the_reviewer_or_none_read(meeting, request):
    db, _, ids = meeting
    rows = labels(db)
    assert all(r.participant_id is None for r in rows.values())
    suggested = {label: r.talk_participant_id for label, r in rows.items() if r.talk_participant_id}
    if request.node.callspec.params["meeting"] == "off":
        assert suggested == {} and events(db, "speaker.talk") == []
    else:
        assert suggested == {
            "SPEAKER_01": ids["Colm"],
            "SPEAKER_02": ids["Bashir"],
            "SPEAKER_03": ids["Delyth"],
        }


def test_a_withdrawal_takes_what_the_talk_said_about_the_person(meeting):
    """Bashir's voice was never named, so every speaker not named by voice or by hand may be his and goes (a
    name from the talk does not rule him out); the speaker named by hand stays, without the talk's word on him."""
    db, meeting_id, ids = meeting
    assert run("speakers", meeting_id, "--name", "SPEAKER_02=Delyth").exit_code == 0
    done = run("consent", "withdraw", meeting_id, "Bashir", "--scope", "all", "--method", "written")
    assert done.exit_code == 0, done.output
    rows = labels(db)
    assert list(rows) == ["SPEAKER_02"]
    assert rows["SPEAKER_02"].talk_participant_id is None and rows["SPEAKER_02"].talk_evidence is None


def test_a_withdrawal_by_someone_named_from_the_talk_takes_their_speaker_only(meeting):
    db, meeting_id, ids = meeting
    done = run("consent", "withdraw", meeting_id, "Colm", "--scope", "all", "--method", "written")
    assert done.exit_code == 0, done.output
    assert sorted(labels(db)) == ["SPEAKER_00", "SPEAKER_02", "SPEAKER_03"]


def test_the_review_page_shows_a_suggestion_with_its_lines_and_takes_it_in_one_step(web):
    """The demo meeting with Tom's voice unnamed: "Tom, can you book the coach by Friday?" and his answer."""
    with web.ctx.tx() as s:
        speakers.unname(s, web.built.meeting_id, web.built.recording_id, "SPEAKER_01", "test")
        speakers.name_from_talk(
            s,
            web.built.meeting_id,
            web.built.recording_id,
            load_transcript(s, web.built.transcript_id),
            "test",
        )
    client, csrf = web.login("reviewer")
    page = client.get(f"/drafts/{web.built.draft_id}").text
    assert 'id="speakers"' in page and "the talk suggests <strong>Tom</strong>" in page
    assert "Tom, can you book the coach by Friday?" in page and "Yes, I&#39;ll book it by Friday." in page
    assert "Accept: it is Tom" in page
    form = {"csrf": csrf, "label": "SPEAKER_01"}
    assert client.post(f"/drafts/{web.built.draft_id}/speakers/accept", data=form).status_code == 303
    page = client.get(f"/drafts/{web.built.draft_id}").text
    assert "the talk suggests" not in page and '<strong>Tom</strong> <span class="muted">(SPEAKER_01)' in page
    with web.ctx.tx() as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.kind == "speaker.name")).all()[-1]
    assert event.actor == "Rhys Reviewer"
    undo = client.post(f"/drafts/{web.built.draft_id}/speakers/unname", data=form)
    assert undo.status_code == 303 and undo.headers["location"].endswith("#speakers")
    assert "Tom</strong> <span" not in client.get(f"/drafts/{web.built.draft_id}").text
    assert (
        client.post(f"/drafts/{web.built.draft_id}/speakers/rename", data=form).status_code == 404
    )  # no such step
    assert (
        client.post(f"/drafts/{web.built.draft_id}/speakers/accept", data={"label": "SPEAKER_01"}).status_code
        == 403
    )


@pytest.mark.slow
def test_the_demo_recording_without_voice_samples_gets_names_from_the_talk(home, demo):
    """Real speech recognition and diarisation on the demo meeting, consented aloud with no time range (no
    voice enrolled, no drafting): every name the talk gives, applied or suggested, is the speaker's own. The
    chair asks Tom, Helen and Sam by name once each, so each is a suggestion."""
    people = [x for p in ("Priya", "Tom", "Helen", "Sam") for x in ("--participant", p)]
    made = run("meeting", "create", "Science", "--date", "2026-11-23", *people, "--json")
    meeting = json.loads(made.output)["id"]
    for name in ("Priya", "Tom", "Helen", "Sam"):
        scope = ("--scope", "record,transcribe,diarise", "--method", "verbal")
        assert run("consent", "give", meeting, name, *scope).exit_code == 0
    done = run("process", meeting, demo / "meeting.wav", "--json")
    assert done.exit_code == 5, done.output  # stops before drafting: nobody consented to it
    views = json.loads(run("speakers", meeting, "--json").output)
    db = Database.open(load_settings())
    with db.session() as s:
        turns = s.exec(select(RecordingTurn)).all()
    db.close()
    truth = {}
    for row in (demo / "reference.rttm").read_text().splitlines():
        start, length, who = float(row.split()[3]), float(row.split()[4]), row.split()[7]
        for t in turns:
            overlap = min(t.end, start + length) - max(t.start, start)
            if overlap > 0:
                truth.setdefault(t.speaker, {}).setdefault(who, 0.0)
                truth[t.speaker][who] += overlap
    talk = {label: v["talk"]["name"] for label, v in views.items() if v["talk"]}
    assert sorted(talk.values()) == ["Helen", "Sam", "Tom"]
    for label, name in talk.items():
        assert max(truth[label], key=truth[label].get) == name
