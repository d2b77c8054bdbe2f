"""The web app sees work done on the command line: a meeting whose recording was stored and is being processed
by `minutes process` shows its recording and the run's progress, then how it ended; a run whose process died
does not show as running for ever; a recording stored with `minutes attach` can be processed from the page.
Canned speech engines on the real stages, gate and store; the web app through its routes."""

from __future__ import annotations

import re

from canned import Cast, FakeAsr, FakeDiarisation, tiny_wav
from sqlmodel import select

from minutes.cli import cli
from minutes.consent import ledger
from minutes.consent.meetings import participants_of
from minutes.db import Job
from minutes.records import meetings
from minutes.run import pipeline
from minutes.service import jobs, processing

NAMES = ["Priya", "Tom"]


def cast_meeting(web, title: str) -> Cast:
    """A meeting where everyone consents to all but AI drafting: a run stops at summarise (no extractor)."""
    cast = Cast(NAMES, title.lower()[:3], {})
    with web.ctx.tx() as s:
        m = meetings.create_meeting(s, title, "2026-12-07", NAMES)
        cast.ids = {p.name: p.id for p in participants_of(s, m.id)}
        for name in NAMES:
            ledger.give(s, m.id, name, "record,transcribe,diarise", "verbal", recorded_by="clerk")
    cast.meeting_id = m.id
    cast.wav = tiny_wav(web.home.parent / f"{title}.wav", seconds=cast.lines()[-1][2] + 0.5)
    return cast


def visible(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def status_in_list(listed: str, title: str) -> str:
    """The status the meetings list shows for a meeting: title, date, participants, a sign, the status."""
    found = re.search(
        rf"{title} \S+ \d+ \S+ (Processing|Stopped: consent|Recording stored|Ready to upload)", listed
    )
    return found.group(1) if found else listed


def test_a_command_line_run_shows_its_recording_and_progress_on_the_meeting_pages(web, monkeypatch):
    cast = cast_meeting(web, "Science")
    clerk, csrf = web.login("clerk")
    seen: dict[str, str] = {}

    def look(_call: int) -> None:  # while the "model" transcribes, as a clerk opens the pages
        seen["recording"] = visible(clerk.get(f"/meetings/{cast.meeting_id}/recording").text)
        seen["list"] = visible(clerk.get("/").text)

    asr, voices = FakeAsr(cast, look), FakeDiarisation(cast)
    monkeypatch.setattr(pipeline.Engines, "asr", property(lambda self: asr))
    monkeypatch.setattr(pipeline.Engines, "diarisation", property(lambda self: voices))
    options = processing.Options(actor="Clara Clerk", overlap=False)
    result = processing.process(web.ctx, cast.meeting_id, cast.wav, options)
    assert result.blocked and "summarise is blocked" in result.blocked

    page = seen["recording"]
    assert "No recording has been uploaded yet" not in page and "Science.wav" in page
    assert "Processing on the command line (started by Clara Clerk)" in page
    assert "Done Store the recording" in page and "Running Transcribe speech" in page
    assert "Upload and process" not in page  # the meeting has its recording
    assert status_in_list(seen["list"], "Science") == "Processing"

    after = visible(clerk.get(f"/meetings/{cast.meeting_id}/recording").text)
    assert "Stopped: consent is needed" in after and "Done Recognise who spoke" in after
    assert "must consent to summarise" in after and "Resume processing" in after
    with web.ctx.tx() as s:
        job = s.exec(select(Job).where(Job.meeting_id == cast.meeting_id)).one()
    assert (job.batch, job.status, job.requested_by, job.progress) == ("cli", "blocked", "Clara Clerk", None)
    listed = visible(clerk.get("/").text)
    assert status_in_list(listed, "Science") == "Stopped: consent"
    assert "being processed" not in visible(clerk.get(f"/meetings/{cast.meeting_id}").text)

    # the run stopped at the gate: the web app's worker takes it over (once consent is given)
    assert clerk.post(f"/meetings/{cast.meeting_id}/process", data={"csrf": csrf}).status_code == 303
    with web.ctx.tx() as s:
        job = s.exec(select(Job).where(Job.meeting_id == cast.meeting_id)).one()
    assert (job.batch, job.status) == (jobs.WEB_BATCH, "queued") and job.source.endswith(".wav")
    assert job.source != str(cast.wav)  # the stored copy, not the clerk's file


def test_a_run_whose_process_died_is_not_shown_running_for_ever(web):
    cast = cast_meeting(web, "Governors")
    with (
        web.ctx.tx() as s
    ):  # what a killed `minutes process` leaves: its job running, no lease on the meeting
        s.add(
            Job(
                batch="cli", source="/x.wav", meeting_id=cast.meeting_id, status="running", stage="transcribe"
            )
        )
    clerk, _ = web.login("clerk")
    page = visible(clerk.get(f"/meetings/{cast.meeting_id}/recording").text)
    assert "Processing failed" in page and "the command stopped before it finished" in page
    assert "Processing…" not in page
    from click.testing import CliRunner

    listed = CliRunner().invoke(cli, ["jobs", "--json"])
    assert '"status": "failed"' in listed.output and "stopped before it finished" in listed.output


def test_a_recording_attached_on_the_command_line_can_be_processed_from_the_page(web):
    cast = cast_meeting(web, "Finance")
    attached = processing.attach(web.ctx, cast.meeting_id, cast.wav, "Clara Clerk")
    clerk, csrf = web.login("clerk")
    page = visible(clerk.get(f"/meetings/{cast.meeting_id}/recording").text)
    assert "Recording: Finance.wav" in page and "has not been processed yet" in page
    assert "No recording has been uploaded yet" not in page and "Upload and process" not in page
    assert status_in_list(visible(clerk.get("/").text), "Finance") == "Recording stored"
    queued = clerk.post(f"/meetings/{cast.meeting_id}/process", data={"csrf": csrf})
    assert queued.status_code == 303
    with web.ctx.tx() as s:
        job = s.exec(select(Job).where(Job.meeting_id == cast.meeting_id)).one()
    assert (job.batch, job.status, job.requested_by) == (jobs.WEB_BATCH, "queued", "Clara Clerk")
    assert job.source.endswith(f"{attached.sha256}.wav")
    assert "Waiting for the worker" in clerk.get(f"/meetings/{cast.meeting_id}/recording").text
