"""Throughput of the distributed queue with 1, 2 and 3 `minutes worker` processes on one PostgreSQL database.

    python bench/scale.py [--clips 6] [--source WAV] [--seconds 98] [--workers 1,2,3] [--extractor NAME]

Starts a throwaway PostgreSQL server (tests/pg.py's, as the test run does), and for each worker count a fresh
database and shared folder: the clerk queues --clips recordings (the demo meeting or --source, 16-bit WAV,
or their first --seconds, each made distinct by a few milliseconds of silence so each has its own sha256) with `minutes batch --enqueue`, then that
many workers, each with its own MINUTES_HOME, drain the queue. Prints per worker count: wall time from the
workers' start (model loading included, as a fresh worker PC pays it) to the last job done, jobs per hour,
audio hours per wall hour, and the queue overhead per job: the time a job spends in its worker outside its
stages (procrastinate's start and end events against the StageRun rows) and the gap between one job's end
and the next one's start on a worker.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from pg import start_pg_server, stop_pg_server  # noqa: E402  (the test run's throwaway server)

from minutes.core.config import load_settings  # noqa: E402
from minutes.core.store import Database  # noqa: E402

MINUTES = str(Path(sys.executable).parent / "minutes")
DEMO = ROOT / "minutes" / "demo"
SPEC = json.loads((DEMO / "meeting.json").read_text())


def write_clips(folder: Path, n: int, source: Path, seconds: float) -> tuple[list[Path], float]:
    """n copies of the source's first `seconds`, each with i+1 ms of silence more (distinct files); their
    total seconds."""
    with wave.open(str(source)) as w:
        params = w.getparams()
        frames = w.readframes(min(w.getnframes(), int(seconds * params.framerate)))
    pcm = np.frombuffer(frames, dtype="<i2")
    paths = []
    for i in range(n):
        path = folder / f"clip-{i}.wav"
        with wave.open(str(path), "wb") as w:
            w.setparams(params)
            w.writeframes(
                np.concatenate([pcm, np.zeros((i + 1) * params.framerate // 1000, "<i2")]).tobytes()
            )
        paths.append(path)
    seconds = sum(p.stat().st_size for p in paths) / (params.framerate * params.sampwidth * params.nchannels)
    return paths, seconds


def manifest(folder: Path, clips: list[Path]) -> Path:
    form = folder / "form.pdf"
    form.write_bytes(b"%PDF-1.4 consent forms")
    people = ";".join(p["name"] for p in SPEC["participants"])
    path = folder / "manifest.csv"
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, ["file", "title", "date", "participants", "consent_evidence"])
        writer.writeheader()
        for i, clip in enumerate(clips):
            writer.writerow(
                {"file": clip, "title": f"Meeting {i}", "date": "2026-11-23", "participants": people,
                 "consent_evidence": form}
            )  # fmt: skip
    return path


def home(root: Path, name: str, url: str, shared: Path, extractor: str | None) -> Path:
    path = root / name
    path.mkdir(mode=0o700)
    models = f'\n[models]\nextractor = "{extractor}"\n' if extractor else ""
    (path / "config.toml").write_text(
        f'db = "{url}"\n{models}\n[store]\nshared = "{shared}"\n\n[queue]\nheartbeat_seconds = 2\n'
    )
    return path


def minutes(*args, home: Path, **kw):
    env = {**os.environ, "MINUTES_HOME": str(home)}
    env.pop("MINUTES_DB", None)
    return subprocess.Popen([MINUTES, *map(str, args)], env=env, **kw)


def drain(engine, n: int, procs: list[subprocess.Popen], timeout: float) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with engine.connect() as conn:
            left = conn.execute(
                text("SELECT count(*) FROM job WHERE status IN ('queued', 'running')")
            ).scalar()
        if left == 0:
            return
        if any(p.poll() is not None for p in procs):
            raise SystemExit("a worker exited early")
        time.sleep(0.5)
    raise SystemExit(f"timed out with {left} of {n} jobs left")


def overhead(engine) -> dict:
    """Per job: seconds in the worker outside its stages; per worker: seconds between one job and the next."""
    with engine.connect() as conn:
        events = conn.execute(
            text(
                "SELECT (j.args->>'job_id')::int, e.type::text, extract(epoch FROM e.at) FROM procrastinate_events e "
                "JOIN procrastinate_jobs j ON j.id = e.job_id WHERE e.type IN ('started', 'succeeded') ORDER BY e.at"
            )
        ).all()
        stages = dict(
            conn.execute(
                text(
                    "SELECT j.id, sum(extract(epoch FROM r.finished_at - r.started_at)) FROM job j "
                    "JOIN stage_run r ON r.meeting_id = j.meeting_id GROUP BY j.id"
                )
            ).all()
        )
        workers = dict(conn.execute(text("SELECT id, worker FROM job")).all())
    span: dict[int, dict[str, float]] = {}
    for job_id, kind, at in events:
        span.setdefault(job_id, {})[kind] = float(at)
    outside = [
        s["succeeded"] - s["started"] - float(stages.get(j, 0)) for j, s in span.items() if len(s) == 2
    ]
    gaps = []
    for worker in set(workers.values()):
        mine = sorted(
            (s["started"], s["succeeded"]) for j, s in span.items() if workers[j] == worker and len(s) == 2
        )
        gaps += [b[0] - a[1] for a, b in zip(mine, mine[1:], strict=False)]
    return {
        "outside_stages_s": round(statistics.median(outside), 3) if outside else None,
        "between_jobs_s": round(statistics.median(gaps), 3) if gaps else None,
    }


def run(server, root: Path, k: int, clips: list[Path], audio_s: float, extractor: str | None) -> dict:
    db = f"scale{k}"
    server.admin(f"CREATE DATABASE {db}")
    url = server.url(db)
    shared = root / f"shared-{k}"
    shared.mkdir(mode=0o700)
    clerk = home(root, f"clerk-{k}", url, shared, extractor)
    Database.open(load_settings(clerk)).close()
    t0 = time.monotonic()
    queued = minutes(
        "batch", manifest(root, clips), "--enqueue", "--json", home=clerk, stdout=subprocess.PIPE
    )
    out, _ = queued.communicate()
    enqueue_s = time.monotonic() - t0
    assert queued.returncode == 0, out
    procs = []
    for i in range(k):
        wh = home(root, f"w{k}-{i}", url, shared, extractor)
        shutil.copy2(clerk / "audit.key", wh / "audit.key")
        log = (root / f"w{k}-{i}.log").open("w")
        procs.append(minutes("worker", "--name", f"w{i}", home=wh, stdout=log, stderr=subprocess.STDOUT))
    start = time.monotonic()
    engine = create_engine(url)
    try:
        drain(engine, len(clips), procs, timeout=3 * 3600)
        wall = time.monotonic() - start
        with engine.connect() as conn:
            done = conn.execute(text("SELECT count(*) FROM job WHERE status = 'done'")).scalar()
        found = overhead(engine)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(60)
        engine.dispose()
    return {
        "workers": k,
        "jobs": len(clips),
        "done": done,
        "enqueue_s": round(enqueue_s, 1),
        "wall_s": round(wall, 1),
        "jobs_per_hour": round(len(clips) * 3600 / wall, 1),
        "audio_h_per_wall_h": round(audio_s / wall, 2),
        **found,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=6)
    parser.add_argument("--source", type=Path, default=DEMO / "meeting.wav", help="a 16-bit WAV recording")
    parser.add_argument(
        "--seconds", type=float, default=98.0, help="cut each clip to this (the demo is 98 s)"
    )
    parser.add_argument("--workers", default="1,2,3")
    parser.add_argument(
        "--extractor", help="a model name from `minutes models list` (default: the configured)"
    )
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="minutes-scale-"))
    os.chmod(root, 0o755)
    (root / "pg").mkdir()
    server = start_pg_server(root / "pg")
    try:
        clips, audio_s = write_clips(root, args.clips, args.source, args.seconds)
        print(f"{args.clips} clips, {audio_s:.0f} s of audio in all; {os.cpu_count()} CPUs", flush=True)
        for k in map(int, args.workers.split(",")):
            print(json.dumps(run(server, root, k, clips, audio_s, args.extractor)), flush=True)
    finally:
        stop_pg_server(server)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
