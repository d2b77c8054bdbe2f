"""Progress off a terminal (issue 15, 2.7): one line per stage, never a bar or percentages repeated."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from canned import Cast, FakeAsr
from fake_engine import WEDNESDAY, FakeEngine, meeting, reply
from processed_meeting import DEMO, PEOPLE, build, run

from minutes.core.config import load_settings
from minutes.core.progress import Pace, PlainReporter, terminal
from minutes.db import Job, StageRun
from minutes.drafting.extract import PART, extract
from minutes.drafting.looks import LOOK
from minutes.run import pipeline
from minutes.service import jobs


def test_plain_reporter_says_one_line_per_stage_however_often_it_is_updated():
    out = io.StringIO()
    reporter = PlainReporter(stream=out, prefix="a.wav: ")
    for stage in ("transcribe", "diarise"):
        reporter.start(stage, total=100)
        for done in range(101):
            reporter.update(done, 100)
        reporter.finish("done", "8 segments")
    lines = out.getvalue().splitlines()
    assert [line.split(" in ")[0] for line in lines] == ["a.wav: transcribe: done", "a.wav: diarise: done"]
    assert all(line.endswith("(8 segments)") for line in lines)


def test_process_off_a_terminal_prints_one_line_per_stage(home, monkeypatch):
    built = build(load_settings())
    for name in PEOPLE:
        assert (
            run("consent", "give", 1, name, "--scope", "record,transcribe", "--method", "verbal").exit_code
            == 0
        )
    asr = FakeAsr(Cast(PEOPLE, "p", {}))
    monkeypatch.setattr(pipeline.Engines, "asr", property(lambda self: asr))
    assert not terminal()  # CliRunner's streams are not terminals
    result = run("process", built.meeting_id, DEMO / "meeting.wav", "--replace")
    assert result.exit_code == 5, result.output  # nobody consented to diarise
    progress = [line.split(" in ")[0] for line in result.stderr.splitlines()]
    assert progress == ["record: done", "transcribe: done", "diarise: blocked"], result.stderr


def test_pace_estimates_from_the_last_run_then_from_what_it_measures():
    """Before the first part is read the estimate is the last run's pace less the time already spent; after,
    the pace measured in this run; a new kind of step (the second looks) starts its own count."""
    pace = Pace({"summarise:part": 60.0})
    pace.update(0, 4, "summarise:part", now=100.0)
    assert pace.remaining(now=100.0) == 240.0 and pace.remaining(now=130.0) == 210.0
    pace.update(1, 4, "summarise:part", now=190.0)  # this machine is slower today: 90 s a part
    assert pace.remaining(now=190.0) == 270.0
    pace.update(0, 3, "summarise:second look", now=400.0)
    assert pace.remaining(now=400.0) is None  # nothing to go on for looks yet
    pace.update(1, 3, "summarise:second look", now=410.0)
    assert pace.remaining(now=410.0) == 20.0 and pace.rates == {
        "summarise:part": 90.0,
        "summarise:second look": 10.0,
    }


def test_drafting_counts_its_parts_and_second_looks():
    """The drafting stage reports each part of the meeting as the model finishes it (from 0, so the page moves
    at once) and then each second look, named, so the page can say which and estimate the time left."""
    lines = meeting(
        ("Ann", "Next, the trip to the museum on the fifth."),
        ("Ben", "The coach is twelve pounds a head."),
        ("Ann", "Agreed, we'll book the coach then."),
        ("Ben", "I'll ring the coach company tomorrow."),
    )
    seen = []
    extract(FakeEngine(reply()), lines, ["Ann", "Ben"], WEDNESDAY, progress=lambda *a: seen.append(a))
    parts = [s for s in seen if s[2] == PART]
    looks = [s for s in seen if s[2] == LOOK]
    assert parts == [(0, 1, PART), (1, 1, PART)] and seen[:2] == parts
    assert looks and looks == [(i, len(looks) - 1, LOOK) for i in range(len(looks))]


def test_the_worker_writes_the_step_and_the_time_left_and_keeps_the_pace_for_the_next_job(web):
    """What the processing page shows while drafting: "part 2 of 4" and the minutes left, counted down from
    when the worker wrote them; the pace it measured is the next job's first estimate."""
    clock = iter([0.0, 50.0, 0.0]).__next__  # the reporter's own clock: 50 s for the first part
    with web.ctx.tx() as s:  # the web app's job for the demo meeting, its recording already stored
        row = Job(batch=jobs.WEB_BATCH, source=str(web.built.audio), meeting_id=web.built.meeting_id)
        row.status = "running"
        s.add(row)
        s.add(StageRun(meeting_id=web.built.meeting_id, stage="summarise", status="started"))
        s.flush()
        job = row.id
    reporter = jobs.JobReporter(web.ctx, job, every=0.0, clock=clock)
    reporter.start("summarise")
    reporter.update(0, 4, PART)
    reporter.update(1, 4, PART)  # 50 s for the first part
    view = next(s for s in jobs.progress(web.ctx, web.built.meeting_id).stages if s.stage == "summarise")
    assert (view.state, view.step, view.progress) == ("running", "part 1 of 4", 0.25)
    assert 140.0 < view.left <= 150.0  # three parts left at 50 s each, less the time since it was written
    clerk, _ = web.login("clerk")
    shown = " ".join(clerk.get(f"/meetings/{web.built.meeting_id}/progress").text.split())
    assert "Draft the minutes (AI)" in shown and "part 1 of 4 · about 2 minutes left" in shown
    reporter.finish("done")
    assert jobs.last_pace(web.ctx) == {}  # only a finished job's pace counts
    jobs.set_job(web.ctx, job, status="done")
    assert jobs.last_pace(web.ctx) == {"summarise:part": 50.0}
    following = jobs.JobReporter(web.ctx, job, every=0.0, clock=clock)
    following.start("summarise")
    following.update(0, 2, PART)
    assert following.pace.remaining(0.0) == 100.0  # the last job's pace, before this one has its own


def test_the_upload_page_promises_what_this_machine_measured(web):
    """Not "about as long as the meeting": the stage runs of recordings processed here, as a multiple of their
    length (the median of the latest)."""
    clerk, csrf = web.login("clerk")
    form = {"csrf": csrf, "title": "Staff briefing", "date": "2026-12-03", "participant_name": ["Ann"]}
    new = clerk.post("/meetings", data=form).headers["location"].replace("/consent", "/recording")
    page = clerk.get(new).text
    assert jobs.measured_speed(web.ctx) is None and "How long it takes depends on this computer" in page
    start = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    with web.ctx.tx() as s:
        for stage, took in (("transcribe", 30), ("diarise", 9), ("summarise", 10)):  # 49 s for 98 s of audio
            s.add(
                StageRun(
                    meeting_id=web.built.meeting_id,
                    recording_id=web.built.recording_id,
                    stage=stage,
                    status="done",
                    started_at=start,
                    finished_at=start + timedelta(seconds=took),
                )
            )
    assert jobs.measured_speed(web.ctx) == jobs.Speed(0.5, 1)
    page = " ".join(clerk.get(new).text.split())
    assert "about 0.5 × the length of the recording (a one-hour meeting: about 30 minutes)" in page
