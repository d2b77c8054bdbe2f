"""The distributed queue with real processes: `minutes worker`s with their own MINUTES_HOME, one PostgreSQL
database (the run's throwaway server) and one shared folder, real models on seconds of audio.

A worker killed with SIGKILL mid-stage: its job is retried by another worker and every job ends done exactly
once. A withdrawal committed while a worker runs that meeting's job: no draft is stored.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cluster import Cluster
from sqlalchemy import text
from sqlmodel import Session, select
from test_batch import good_files, manifest, rows_for, write_wav

from minutes.db import DraftRow, StageRun, TranscriptRow
from minutes.speech.audio import decode


def clips(folder: Path, data: Path) -> list[Path]:
    """Nine recordings of 5 to 14 seconds, every one different (so each is its own sha256)."""
    sample = decode(data / "sample.wav").samples
    cuts = {"c": (3, 11), "d": (18, 27), "e": (20, 30), "f": (6, 14)}
    return [
        *good_files(folder, data),
        *(write_wav(folder / f"sample-{k}.wav", sample[16000 * a : 16000 * b]) for k, (a, b) in cuts.items()),
        write_wav(folder / "jfk-start.wav", decode(data / "jfk.flac").samples[: 16000 * 7]),
    ]


def stale_temps(shared: Path) -> list[Path]:
    """Temporary files as a clerk's enqueue or a worker killed mid-write leaves them: a process that made
    them and ended without cleaning up."""
    targets = [shared / "incoming" / "x.wav", shared / "recordings" / "99" / "audio.flac"]
    for target in targets:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    code = (
        "import sys, pathlib, minutes.core.files as f\nfor a in sys.argv[1:]: f.private_temp(pathlib.Path(a))"
    )
    subprocess.run([sys.executable, "-c", code, *map(str, targets)], check=True)
    made = [p for t in targets for p in t.parent.glob(f".{t.name}.*.tmp-*")]
    assert len(made) == 2, made
    return made


def enqueue(cluster: Cluster, files: list[Path], tmp_path: Path) -> list[dict]:
    form = tmp_path / "form.pdf"
    form.write_bytes(b"%PDF-1.4 consent")
    result = cluster.minutes("batch", manifest(tmp_path, rows_for(files, form)), "--enqueue", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    queued = json.loads(result.stdout)["jobs"]
    assert [j["status"] for j in queued] == ["queued"] * len(files)
    return queued


@pytest.mark.postgres
def test_enqueue_copies_each_recording_once_and_queues_each_meeting_once(cluster, tmp_path, data):
    """No worker runs here: what `batch --enqueue` leaves in the database and the shared folder, twice over."""
    files = [data / "jfk.flac", write_wav(tmp_path / "quiet.wav", decode(data / "jfk.flac").samples[:16000])]
    queued = enqueue(cluster, files, tmp_path)
    again = cluster.minutes(
        "batch", tmp_path / "manifest.csv", "--enqueue", "--resume", "--json"
    )  # the same manifest once more
    assert again.returncode == 0, again.stdout + again.stderr
    assert [j["meeting"] for j in json.loads(again.stdout)["jobs"]] == [j["meeting"] for j in queued]
    incoming = sorted(p.name for p in (cluster.shared / "incoming").iterdir())
    assert len(incoming) == 2 and all(len(Path(n).stem) == 64 for n in incoming), incoming
    listed = json.loads(cluster.minutes("jobs", "--json").stdout)
    assert listed["queue"] == {"todo": 2}
    assert [(j["status"], j["worker"]) for j in listed["jobs"]] == [("queued", None)] * 2
    table = cluster.minutes("jobs")
    assert table.returncode == 0 and "queue: todo 2" in table.stdout, table.stdout + table.stderr


def test_the_queue_needs_postgresql_and_a_shared_folder(home, tmp_path, data):
    """On SQLite, batch runs locally as before; --enqueue and `minutes worker` say what is missing."""
    from processed_meeting import run

    for args in (("batch", data / "jfk.flac", "--enqueue"), ("worker",)):
        result = run(*args)
        assert result.exit_code == 2 and "needs a PostgreSQL database" in result.output, result.output
    listed = run("jobs", "--json")
    assert listed.exit_code == 0 and json.loads(listed.output) == {"jobs": [], "queue": {}}, listed.output
    (home / "config.toml").write_text('db = "postgresql+psycopg://nobody@127.0.0.1:1/none"\n')
    result = run("worker")
    assert result.exit_code == 2 and "needs a shared folder" in result.output, result.output


@pytest.mark.postgres
def test_a_job_whose_meeting_another_live_run_holds_waits_without_using_its_retries(cluster, tmp_path, data):
    """As when a dead worker's lease on another host has not lapsed yet: the job is queued again for later,
    and the worker goes on (no model is loaded for this)."""
    from minutes.core.config import load_settings
    from minutes.core.store import Database
    from minutes.run import runlock

    queued = enqueue(cluster, [data / "jfk.flac"], tmp_path)
    db = Database.open(load_settings(cluster.clerk))
    token = runlock.acquire(db, queued[0]["meeting"], "another machine")
    try:
        cluster.start_worker("w1")

        def queue() -> list[tuple]:
            with Session(cluster.engine) as s:
                return [
                    tuple(r)
                    for r in s.execute(
                        text(
                            "SELECT status::text, coalesce(scheduled_at > now() + interval '30 seconds', false) "
                            "FROM procrastinate_jobs ORDER BY id"
                        )
                    )
                ]

        cluster.wait(
            lambda: queue() == [("succeeded", False), ("todo", True)], 120, "the job queued for later"
        )
        assert "waiting for another run" in cluster.jobs()[0].reason
        assert cluster.jobs()[0].status == "queued" and cluster.workers["w1"].poll() is None
    finally:
        runlock.release(db, queued[0]["meeting"], token)
        db.close()


def assert_each_meeting_done_once(cluster: Cluster, meetings: set[int], queued: int) -> None:
    """One transcript, one draft and one `done` row per stage for each meeting; every queued job succeeded."""
    with Session(cluster.engine) as s:
        transcripts = s.exec(select(TranscriptRow)).all()
        drafts = s.exec(select(DraftRow)).all()
        assert sorted(d.meeting_id for d in drafts) == sorted(meetings), "one draft per meeting"
        assert len(transcripts) == len(meetings)
        for stage in ("record", "transcribe", "diarise", "summarise"):
            done = s.exec(select(StageRun).where(StageRun.stage == stage, StageRun.status == "done")).all()
            assert sorted(r.meeting_id for r in done) == sorted(meetings), stage
        queue = dict(
            s.execute(text("SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY status")).all()
        )
    assert queue == {"succeeded": queued}, queue


@pytest.mark.slow
@pytest.mark.postgres
def test_three_workers_one_killed_mid_stage_every_job_done_once(cluster, tmp_path, data):
    """Nine short recordings and a corrupt one; a worker is killed mid-stage. The corrupt one fails with its
    reason without holding up the rest, the killed worker's job is retried elsewhere, every other job is done
    once: one transcript, one draft and one `done` row per stage for each meeting. Temporary files of
    processes that ended before (and the killed worker's) are gone."""
    poison = tmp_path / "poison.wav"
    poison.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256)) * 8)
    files = clips(tmp_path, data)
    queued = enqueue(cluster, [*files, poison], tmp_path)
    planted = stale_temps(cluster.shared)
    started = time.monotonic()
    for name in ("w1", "w2", "w3"):
        cluster.start_worker(name)

    def mid_stage():
        return [
            j
            for j in cluster.jobs()
            if j.status == "running" and j.stage in ("transcribe", "diarise", "summarise")
        ]

    running = cluster.wait(mid_stage, 300, "a job mid-stage")[0]
    cluster.workers[running.worker].send_signal(signal.SIGKILL)
    cluster.workers[running.worker].wait()
    killed_at = time.monotonic()

    cluster.wait(lambda: all(j.status in ("done", "failed") for j in cluster.jobs()), 900, "every job to end")
    retried = time.monotonic() - killed_at
    jobs = cluster.jobs()
    *good, bad = jobs
    assert [j.status for j in good] == ["done"] * len(files)
    assert bad.status == "failed" and "not a readable audio" in (bad.reason or ""), bad.reason
    assert bad.attempts == 1, "a file that cannot be decoded is not retried"
    assert next(j for j in jobs if j.id == running.id).worker != running.worker, "another worker finished it"
    assert_each_meeting_done_once(cluster, {q["meeting"] for q in queued[: len(files)]}, len(files) + 1)
    leftovers = [p for p in cluster.shared.rglob("*") if ".tmp-" in p.name or p.suffix == ".part"]
    assert leftovers == []
    assert [p.name for p in (cluster.shared / "incoming").iterdir()] == [Path(bad.source).name], (
        "only the failed job keeps its copy (for --resume after a fix)"
    )
    assert len(list((cluster.shared / "recordings").rglob("*.*"))) == len(files)
    verify = cluster.minutes("audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    listed = json.loads(cluster.minutes("jobs", "--json").stdout)
    assert listed["queue"] == {"succeeded": len(files) + 1}
    assert all(
        set(j["stages"]) >= {"transcribe", "diarise", "summarise"}
        for j in listed["jobs"]
        if j["status"] == "done"
    )
    assert not any(p.exists() for p in planted)
    print(
        f"\n{len(files)} jobs in {time.monotonic() - started:.0f}s; "
        f"the killed worker's job finished {retried:.0f}s after the kill"
    )


@pytest.mark.slow
@pytest.mark.postgres
def test_withdrawal_while_a_worker_runs_the_meeting_leaves_no_draft(cluster, tmp_path, data):
    queued = enqueue(cluster, [data / "jfk.flac"], tmp_path)
    meeting = queued[0]["meeting"]
    cluster.start_worker("w1")
    cluster.wait(
        lambda: [j for j in cluster.jobs() if j.status == "running" and j.stage in ("transcribe", "diarise")],
        300,
        "the job to start transcribing",
    )
    withdrawn = cluster.minutes(
        "consent", "withdraw", meeting, "Blake", "--scope", "summarise", "--method", "verbal", "--by", "Clerk"
    )
    assert withdrawn.returncode == 0, withdrawn.stdout + withdrawn.stderr
    job = cluster.wait(
        lambda: [j for j in cluster.jobs() if j.status not in ("queued", "running")], 300, "the job to end"
    )[0]
    assert job.status == "blocked" and ("withdrawn" in job.reason or "Blake" in job.reason), job.reason
    with Session(cluster.engine) as s:
        assert s.exec(select(DraftRow).where(DraftRow.meeting_id == meeting)).all() == []
    verify = cluster.minutes("audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_a_shared_copy_stays_while_another_job_waits_for_the_same_recording(home, database):
    """Two meetings brought byte-identical recordings: the first job to store its recording must not delete the
    copy (addressed by its sha256) that the other job still needs; the last one removes it."""
    from minutes.core.config import load_settings
    from minutes.core.store import Database
    from minutes.db import Job
    from minutes.service.context import Ctx
    from minutes.service.queue import drop_incoming

    settings = load_settings()
    db = Database.open(settings)
    copy = settings.files_dir / "incoming" / f"{'a' * 64}.wav"
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_bytes(b"RIFF")
    with db.session() as s:
        first, second = Job(batch="b", source=str(copy), status="running"), Job(batch="b", source=str(copy))
        s.add_all([first, second])
        s.commit()
        s.refresh(first), s.refresh(second)
    ctx = Ctx(db, settings)
    drop_incoming(ctx, first)
    assert copy.exists()  # the second job is still queued
    with db.session() as s:
        for job in (first, second):
            row = s.get(Job, job.id)
            row.status = "done"
            s.add(row)
        s.commit()
    drop_incoming(ctx, second)
    assert not copy.exists()
    db.close()


@pytest.mark.postgres
def test_enqueue_copies_nothing_until_everyone_consents_to_recording(cluster, tmp_path, data):
    """Issue 40, item 3: `batch --enqueue` with participants who have not consented keeps no copy; the copy made
    once they have goes when one of them refuses, and `purge` removes one left behind without consent."""
    rows = rows_for([data / "jfk.flac"], tmp_path / "none.pdf")
    rows[0]["consent_evidence"] = ""
    listed = manifest(tmp_path, rows)
    incoming = cluster.shared / "incoming"
    blocked = cluster.minutes("batch", listed, "--enqueue", "--json")
    assert blocked.returncode == 7, blocked.stdout + blocked.stderr
    [job] = json.loads(blocked.stdout)["jobs"]
    assert job["status"] == "blocked" and "Alex (missing)" in job["reason"] and "not kept" in job["reason"]
    assert not incoming.exists() or list(incoming.iterdir()) == []
    meeting = str(job["meeting"])
    for name in ("Alex", "Blake"):
        given = cluster.minutes("consent", "give", meeting, name, "--scope", "record", "--method", "form")
        assert given.returncode == 0, given.stderr
    queued = cluster.minutes("batch", listed, "--enqueue", "--resume", "--json")
    assert queued.returncode == 0, queued.stdout + queued.stderr
    assert [j["status"] for j in json.loads(queued.stdout)["jobs"]] == ["queued"]
    [copy] = list(incoming.iterdir())
    refused = cluster.minutes(
        "consent", "refuse", meeting, "Blake", "--scope", "record", "--method", "verbal"
    )
    assert refused.returncode == 0, refused.stderr
    assert not copy.exists()
    [row] = cluster.jobs()
    assert row.status == "blocked" and "upload it again" in row.reason
    copy.write_bytes((data / "jfk.flac").read_bytes())  # as a crashed copy would leave it
    dry = json.loads(cluster.minutes("purge", "--dry-run", "--json").stdout)
    assert dry["held_recordings"] == [str(copy)] and copy.exists()
    purged = cluster.minutes("purge", "--json")
    assert json.loads(purged.stdout)["held_recordings"] == [str(copy)] and not copy.exists()
