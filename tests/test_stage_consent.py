"""Consent changes that land while a stage runs, and two runs on one meeting (issue 11, items 1, 2, 8 and 10).

Stages run for real (minutes.run.stages) on canned model results (tests/canned.py); `process` runs end to end with
a canned ASR engine where a test needs the command's exit code.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
from datetime import timedelta

import pytest
from canned import Cast, FakeAsr, compute, db_bytes, tiny_wav
from pg import db_url, dump_bytes
from processed_meeting import run
from sqlmodel import select

from minutes.consent import ledger
from minutes.consent.meetings import participants_of
from minutes.core.config import load_settings
from minutes.core.progress import QuietReporter
from minutes.core.store import Database
from minutes.db import (
    AuditEvent,
    DraftRow,
    RunLock,
    SegmentRow,
    SpeakerLabel,
    StageRun,
    TranscriptRow,
    utcnow,
)
from minutes.records import meetings
from minutes.run import pipeline, runlock, stages
from minutes.run.stages import Blocked, Run
from minutes.speech.transcripts import replace_segments

NAMES = ["Priya", "Tom", "Helen", "Sam"]


@pytest.fixture
def db(home, database):
    database = Database.open(load_settings())
    yield database
    database.close()


@pytest.fixture
def cast(db, home):
    """A meeting where everyone consented to everything except Helen, who refused diarise."""
    c = Cast(NAMES, "t", {}, enrolled=tuple(NAMES))
    with db.session() as s:
        m = meetings.create_meeting(s, "Science", "2026-11-23", NAMES)
        c.ids = {p.name: p.id for p in participants_of(s, m.id)}
        for name in NAMES:
            ledger.give(s, m.id, name, "all", "verbal", recorded_by="clerk")
        ledger.refuse(s, m.id, "Helen", "diarise", "verbal", recorded_by="clerk")
    c.meeting_id = m.id
    c.wav = tiny_wav(home.parent / "meeting.wav")
    return c


def stage_run(db, cast) -> Run:
    return Run(db, pipeline.Engines(db.settings), cast.meeting_id, cast.wav, QuietReporter())


def advance(r: Run, cast: Cast, *stages: str) -> None:
    for stage in stages:
        r.begin(stage)
        r.commit(stage, compute(r, stage, cast))


def give(db, cast, name, scopes, decision="given"):
    with db.session() as s:
        ledger.record(s, cast.meeting_id, name, decision, scopes, "verbal", recorded_by="clerk")


def words_left(home, cast, name) -> list[str]:
    data = db_bytes(home / "minutes.db") if db_url(home).startswith("sqlite") else dump_bytes(home)
    return [w for w in cast.words(name) if w.encode() in data]


def kinds(db) -> list[str]:
    with db.session() as s:
        return [e.kind for e in s.exec(select(AuditEvent).order_by(AuditEvent.seq))]


# -- item 1: words not yet linked to a speaker ------------------------------------------------------------------
def test_withdrawal_before_diarisation_removes_the_unattributed_transcript(db, cast, home):
    r = stage_run(db, cast)
    advance(r, cast, "record", "transcribe")
    with pytest.raises(Blocked, match="Helen"):
        r.begin("diarise")
    assert words_left(home, cast, "Sam")
    result = run(
        "consent", "withdraw", cast.meeting_id, "Sam", "--scope", "all", "--method", "written", "--json"
    )
    assert result.exit_code == 0, result.output
    [removed] = json.loads(result.output)["removed"]
    segments = len(cast.lines())
    assert removed["transcripts_removed"] == [1]
    assert removed["segments_removed"] == removed["unattributed_segments_removed"] == segments
    assert removed["words_removed"] == 3 * segments
    for name in NAMES:  # nobody's words could be told from Sam's: the whole transcript went, WAL included
        assert words_left(home, cast, name) == []
    with db.session() as s:
        assert s.exec(select(TranscriptRow)).one().deleted_at is not None
    assert not r.done("transcribe"), "the transcript is gone, so transcription is due again"


def test_withdrawal_while_diarisation_runs_discards_it(db, cast, home):
    give(db, cast, "Helen", "diarise")
    r = stage_run(db, cast)
    advance(r, cast, "record", "transcribe")
    r.begin("diarise")
    write = compute(r, "diarise", cast)
    give(db, cast, "Sam", "summarise", "withdrawn")  # a scope diarisation does not need: still discarded
    with pytest.raises(Blocked, match="withdrawn while diarise ran"):
        r.commit("diarise", write)
    assert words_left(home, cast, "Sam") == []
    with db.session() as s:
        assert s.exec(select(SpeakerLabel)).all() == [] and s.exec(select(SegmentRow)).all() == []
        assert s.exec(select(StageRun.status).where(StageRun.stage == "diarise")).all() == ["blocked"]
    assert "stage.failed" not in kinds(db)


def test_words_linked_to_no_speaker_go_even_when_the_person_has_a_voice_label(db, cast, home):
    """Tom's voice is named from an earlier diarisation, but these words were never linked to anyone."""
    give(db, cast, "Helen", "diarise")
    advance(stage_run(db, cast), cast, "record", "transcribe", "diarise")
    with db.session() as s:
        replace_segments(s, 1, cast.transcript())
    give(db, cast, "Tom", "record", "withdrawn")
    for name in NAMES:
        assert words_left(home, cast, name) == []


# -- item 2: a running stage re-checks every scope its result depends on ----------------------------------------
@pytest.mark.parametrize("earlier", ["record", "transcribe", "diarise"])
def test_withdrawing_an_earlier_scope_during_summarise_discards_the_draft(db, cast, home, earlier):
    give(db, cast, "Helen", "diarise")
    r = stage_run(db, cast)
    advance(r, cast, "record", "transcribe", "diarise")
    r.begin("summarise")
    write = compute(r, "summarise", cast)
    give(db, cast, "Sam", earlier, "withdrawn")
    with pytest.raises(Blocked):
        r.commit("summarise", write)
    with db.session() as s:
        assert s.exec(select(DraftRow)).all() == []
    assert words_left(home, cast, "Sam") == [] and words_left(home, cast, "Tom")  # attributed: Sam's alone
    sam = (
        "Withdrawn participant 4" if earlier == "record" else "Sam"
    )  # out of the recording: no name (issue 40)
    with pytest.raises(Blocked, match=f"{sam} \\({earlier} withdrawn"):
        r.begin("summarise")


def test_a_refusal_after_consent_is_a_withdrawal(db, cast, home):
    r = stage_run(db, cast)
    advance(r, cast, "record", "transcribe")
    give(db, cast, "Tom", "transcribe", "refused")
    assert words_left(home, cast, "Tom") == []
    with db.session() as s:
        assert s.exec(select(TranscriptRow)).one().deleted_at is not None


# -- item 10: a withdrawal during transcription is "blocked", exit code 5 ---------------------------------------
def _fake_asr(monkeypatch, asr: FakeAsr) -> None:
    monkeypatch.setattr(pipeline.Engines, "asr", property(lambda self: asr))


def test_withdrawal_during_transcription_is_reported_blocked(db, cast, home, monkeypatch):
    def clerk_withdraws(call):
        other = Database.open(load_settings())
        with other.session() as s:
            ledger.withdraw(s, cast.meeting_id, "Sam", "transcribe", "verbal", recorded_by="clerk")
        other.close()

    _fake_asr(monkeypatch, FakeAsr(cast, clerk_withdraws))
    result = run("process", cast.meeting_id, cast.wav)
    assert result.exit_code == 5, result.output
    assert "blocked" in result.output and "withdrawn while transcribe ran" in result.output
    with db.session() as s:
        assert s.exec(select(TranscriptRow)).all() == []
        assert s.exec(select(StageRun.status).where(StageRun.stage == "transcribe")).all() == ["blocked"]
    events = kinds(db)
    assert "stage.failed" not in events and events.count("stage.blocked") == 1


# -- item 8: one run per meeting ---------------------------------------------------------------------------------
def test_a_second_run_on_the_same_meeting_is_refused(db, cast, home, monkeypatch):
    inside, go = threading.Event(), threading.Event()

    def first_run_waits(call):
        if call == 1:
            inside.set()
            go.wait(60)

    _fake_asr(monkeypatch, FakeAsr(cast, first_run_waits))
    first = threading.Thread(
        target=pipeline.process,
        args=(db, pipeline.Engines(db.settings), cast.meeting_id, cast.wav, QuietReporter()),
    )
    first.start()
    try:
        assert inside.wait(60)
        second = run("process", cast.meeting_id, cast.wav)
    finally:
        go.set()
        first.join(60)
    assert second.exit_code == 8, second.output
    assert f"meeting {cast.meeting_id} is being processed by another run (pid {os.getpid()}" in second.output
    with db.session() as s:
        assert len(s.exec(select(TranscriptRow)).all()) == 1
        assert s.exec(select(RunLock)).all() == [], "the lease is given back when the run ends"
    assert run("process", cast.meeting_id, cast.wav).exit_code == 5  # free again (Helen refused diarise)


def _lease(db, cast, host: str, pid: int, age: timedelta) -> None:
    with db.session() as s:
        s.add(
            RunLock(
                meeting_id=cast.meeting_id,
                token="x" * 32,
                host=host,
                pid=pid,
                actor="crashed",
                heartbeat_at=utcnow() - age,
            )
        )


def test_a_crashed_runs_lease_does_not_block_forever(db, cast, home, monkeypatch):
    _fake_asr(monkeypatch, FakeAsr(cast))
    child = subprocess.Popen(["true"])
    child.wait()
    dead_pid = child.pid
    _lease(db, cast, socket.gethostname(), dead_pid, timedelta(0))  # this host, its process gone
    assert run("process", cast.meeting_id, cast.wav).exit_code == 5
    assert "run.lease.takeover" in kinds(db)

    _lease(db, cast, "elsewhere", 1, timedelta(0))  # another machine, renewed just now: it is running
    busy = run("process", cast.meeting_id, cast.wav)
    assert busy.exit_code == 8 and "pid 1 on elsewhere" in busy.output
    with db.session() as s:
        s.delete(s.get(RunLock, cast.meeting_id))
    _lease(db, cast, "elsewhere", 1, runlock.LEASE + timedelta(seconds=1))  # not renewed for a lease: crashed
    assert run("process", cast.meeting_id, cast.wav).exit_code == 5


def test_the_lease_is_renewed_while_a_run_holds_it(db, cast, monkeypatch):
    monkeypatch.setattr(runlock, "HEARTBEAT", 0.05)
    with runlock.hold(db, cast.meeting_id, "clerk"):
        with db.session() as s:
            first = s.get(RunLock, cast.meeting_id).heartbeat_at
        threading.Event().wait(0.5)
        with db.session() as s:
            assert s.get(RunLock, cast.meeting_id).heartbeat_at > first


# -- issue 40, item 10: a withdrawal during diarisation (run after transcription) is "blocked", exit code 5 --------
def test_withdrawal_during_diarisation_without_overlap_is_reported_blocked(db, cast, home, monkeypatch):
    """The withdrawal removes the whole transcript (not yet linked to speakers) while the voices are found."""
    from minutes.run import voices

    give(db, cast, "Helen", "diarise")

    def found_while_clerk_withdraws(run, max_speakers, ranges, threads=None):
        other = Database.open(load_settings())
        with other.session() as s:
            ledger.withdraw(s, cast.meeting_id, "Sam", "diarise", "verbal", recorded_by="clerk")
        other.close()
        with run.db.session() as s:
            assert stages.transcript_of(s, run.recording.id) is None  # gone with Sam's words
        _, result, enrolled = cast.diarisation(cast.transcript())
        return voices.Voices(result, enrolled, 0, 0.01)

    _fake_asr(monkeypatch, FakeAsr(cast))
    monkeypatch.setattr(voices, "find_voices", found_while_clerk_withdraws)
    result = run("process", cast.meeting_id, cast.wav, "--no-overlap")
    assert result.exit_code == 5, result.output
    assert "blocked" in result.output and "internal error" not in result.output
    with db.session() as s:
        assert s.exec(select(StageRun.status).where(StageRun.stage == "diarise")).all() == ["blocked"]
        assert s.exec(select(SpeakerLabel)).all() == []
    assert "stage.failed" not in kinds(db)
