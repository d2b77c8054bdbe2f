"""Diarisation alongside transcription (minutes.run.overlap), with canned engines on the real stages and gate.

Each "model" waits for the other to have started, so a run that did them one after the other would time out.
"""

from __future__ import annotations

import os
import threading
import time

import pytest
from canned import Cast, FakeAsr, FakeDiarisation, tiny_wav
from processed_meeting import run
from sqlmodel import select

from minutes.consent import ledger
from minutes.consent.meetings import participants_of
from minutes.core.config import load_settings
from minutes.core.progress import QuietReporter
from minutes.core.store import Database
from minutes.db import AuditEvent, RecordingTurn, SegmentRow, StageRun, TranscriptRow
from minutes.records import meetings
from minutes.run import pipeline

NAMES = ["Priya", "Tom", "Sam"]
WAIT = 30  # seconds: far longer than either canned model takes


@pytest.fixture
def db(home, database):
    database = Database.open(load_settings())
    yield database
    database.close()


def make_cast(db, home, refuse_diarise: str | None = None) -> Cast:
    """Everyone consents to all but summarise (so no extractor loads); `refuse_diarise` refuses voice analysis."""
    c = Cast(NAMES, "o", {})
    with db.session() as s:
        m = meetings.create_meeting(s, "Science", "2026-11-23", NAMES)
        c.ids = {p.name: p.id for p in participants_of(s, m.id)}
        for name in NAMES:
            ledger.give(s, m.id, name, "record,transcribe,diarise", "verbal", recorded_by="clerk")
        if refuse_diarise:
            ledger.refuse(s, m.id, refuse_diarise, "diarise", "verbal", recorded_by="clerk")
    c.meeting_id = m.id
    c.wav = tiny_wav(home.parent / "meeting.wav", seconds=c.lines()[-1][2] + 0.5)  # every canned turn inside
    return c


def engines(monkeypatch, asr, diarisation) -> None:
    monkeypatch.setattr(pipeline.Engines, "asr", property(lambda self: asr))
    monkeypatch.setattr(pipeline.Engines, "diarisation", property(lambda self: diarisation))


def stage_runs(db) -> dict[str, StageRun]:
    with db.session() as s:
        return {r.stage: r for r in s.exec(select(StageRun).order_by(StageRun.id))}


def kinds(db) -> list[str]:
    with db.session() as s:
        return [e.kind for e in s.exec(select(AuditEvent).order_by(AuditEvent.seq))]


def test_transcription_and_diarisation_run_at_once(db, home, monkeypatch):
    cast = make_cast(db, home)
    asr_running, voices_running = threading.Event(), threading.Event()
    asr = FakeAsr(cast, lambda n: (asr_running.set(), voices_running.wait(WAIT)))
    voices = FakeDiarisation(cast, lambda n: (voices_running.set(), asr_running.wait(WAIT)))
    engines(monkeypatch, asr, voices)
    result = pipeline.process(db, pipeline.Engines(db.settings), cast.meeting_id, cast.wav, QuietReporter())
    assert voices_running.is_set() and asr_running.is_set()
    assert voices.threads_seen == ["voices"]
    assert [(s.stage, s.status) for s in result.stages] == [
        ("record", "done"),
        ("transcribe", "done"),
        ("diarise", "done"),
        ("summarise", "blocked"),
    ]
    runs = stage_runs(db)
    assert (
        runs["diarise"].started_at < runs["transcribe"].finished_at
    )  # begun behind its gate, before ASR ended
    with db.session() as s:
        assert len(s.exec(select(RecordingTurn)).all()) == len(cast.lines())
        speakers = set(s.exec(select(SegmentRow.speaker)).all())
    assert len(speakers) == len(NAMES)
    again = pipeline.process(db, pipeline.Engines(db.settings), cast.meeting_id, cast.wav, QuietReporter())
    assert [(s.stage, s.status) for s in again.stages][1:3] == [
        ("transcribe", "skipped"),
        ("diarise", "skipped"),
    ]
    assert (asr.calls, voices.calls) == (1, 1)  # a rerun finds both results current and redoes neither


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: nothing to hand over")
def test_the_voice_search_takes_every_core_once_transcription_ends(db, home, monkeypatch):
    import torch

    cast = make_cast(db, home)
    searching, threads = threading.Event(), []

    def search(_):
        voices.hook()  # as pyannote does between batches
        threads.append(torch.get_num_threads())
        searching.set()
        deadline = time.monotonic() + WAIT
        while torch.get_num_threads() == 1 and time.monotonic() < deadline:
            time.sleep(0.01)
            voices.hook()
        threads.append(torch.get_num_threads())

    asr = FakeAsr(cast, lambda n: searching.wait(WAIT))
    voices = FakeDiarisation(cast, search)
    engines(monkeypatch, asr, voices)
    before = torch.get_num_threads()
    pipeline.process(db, pipeline.Engines(db.settings), cast.meeting_id, cast.wav, QuietReporter())
    assert threads == [1, os.cpu_count()]  # one beside the ASR, then every core
    assert torch.get_num_threads() == before  # only the search's own thread changed


def test_withdrawal_while_both_run_keeps_neither(db, home, monkeypatch):
    cast = make_cast(db, home)
    voices_running, withdrawn = threading.Event(), threading.Event()

    def clerk_withdraws(call):
        assert voices_running.wait(WAIT)
        other = Database.open(load_settings())
        with other.session() as s:
            ledger.withdraw(s, cast.meeting_id, "Sam", "transcribe", "verbal", recorded_by="clerk")
        other.close()
        withdrawn.set()

    engines(
        monkeypatch,
        FakeAsr(cast, clerk_withdraws),
        FakeDiarisation(cast, lambda n: (voices_running.set(), withdrawn.wait(WAIT))),
    )
    result = run("process", cast.meeting_id, cast.wav)
    assert result.exit_code == 5, result.output
    assert "withdrawn while transcribe ran" in result.output
    runs = stage_runs(db)
    assert (runs["transcribe"].status, runs["diarise"].status) == ("blocked", "blocked")
    with db.session() as s:
        assert s.exec(select(TranscriptRow)).all() == [] and s.exec(select(RecordingTurn)).all() == []
    events = kinds(db)
    assert "diarisation.store" not in events and "stage.failed" not in events
    assert events.count("stage.blocked") == 2


def test_no_voice_analysis_consent_means_no_early_start(db, home, monkeypatch):
    cast = make_cast(db, home, refuse_diarise="Tom")
    voices = FakeDiarisation(cast)
    engines(monkeypatch, FakeAsr(cast), voices)
    result = pipeline.process(db, pipeline.Engines(db.settings), cast.meeting_id, cast.wav, QuietReporter())
    assert result.status == "blocked" and "diarise" in result.blocked
    assert voices.calls == 0
    runs = stage_runs(db)
    assert runs["transcribe"].status == "done" and runs["diarise"].status == "blocked"
    assert runs["diarise"].started_at >= runs["transcribe"].finished_at  # met in its turn, not before
    assert kinds(db).count("stage.blocked") == 1


def test_without_overlap_the_stages_run_one_after_the_other(db, home, monkeypatch):
    cast = make_cast(db, home)
    asr = FakeAsr(cast)
    seen = []
    voices = FakeDiarisation(cast, lambda n: seen.append(asr.calls))
    engines(monkeypatch, asr, voices)
    options = pipeline.Options(overlap=False)
    pipeline.process(db, pipeline.Engines(db.settings, options), cast.meeting_id, cast.wav, QuietReporter())
    assert seen == [1] and voices.threads_seen == ["MainThread"]
    runs = stage_runs(db)
    assert runs["diarise"].started_at >= runs["transcribe"].finished_at


def test_a_failure_finding_voices_fails_the_diarise_stage(db, home, monkeypatch):
    cast = make_cast(db, home)

    def breaks(call):
        raise RuntimeError("the diarisation model broke")

    engines(monkeypatch, FakeAsr(cast), FakeDiarisation(cast, breaks))
    with pytest.raises(RuntimeError, match="diarisation model broke"):
        pipeline.process(db, pipeline.Engines(db.settings), cast.meeting_id, cast.wav, QuietReporter())
    runs = stage_runs(db)
    assert (runs["transcribe"].status, runs["diarise"].status) == ("done", "failed")
