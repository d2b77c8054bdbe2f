"""How soon a withdrawal stops the model: `minutes process` on the demo meeting with the real models, and a clerk
withdrawing one participant's consent a set time into a stage (default: 25 s into summarise, as issue 40 found it
ran on for 130 s more). Prints the seconds from the withdrawal to the end of the run, the stage's state and the
exit code. Printed, not asserted.

With --engine, the extractor alone: the configured model drafts the demo meeting's reference transcript (its
lines three times over) and is told to stop --after seconds in, --runs times; prints how long each call took to
stop, without the speech stages or the command's start and exit around it.

Usage: python bench/withdrawal_stop.py [--stage summarise] [--after 25] [--no-overlap]
       python bench/withdrawal_stop.py --engine [--after 10] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import tempfile
import time
from datetime import datetime
from pathlib import Path

from pipeline import DEMO, MINUTES, ROOT, new_meeting


def stage_started(home: Path, stage: str) -> bool:
    try:
        with sqlite3.connect(home / "minutes.db", timeout=30) as db:
            row = db.execute(
                "SELECT 1 FROM stage_run WHERE stage = ? AND status = 'started'", (stage,)
            ).fetchone()
    except sqlite3.OperationalError:
        return False
    return row is not None


def stopped_after(home: Path, stage: str) -> float | None:
    """Seconds from the withdrawal's record (its `recorded_at`, set as its transaction begins) to the end of the
    stage's run, both from the database's clock: how long the model went on after the withdrawal."""
    with sqlite3.connect(home / "minutes.db", timeout=30) as db:
        withdrawn = db.execute(
            "SELECT recorded_at FROM consent_record WHERE decision = 'withdrawn' ORDER BY id LIMIT 1"
        ).fetchone()
        ended = db.execute(
            "SELECT finished_at FROM stage_run WHERE stage = ? ORDER BY id DESC LIMIT 1", (stage,)
        ).fetchone()
    if not withdrawn or not ended or ended[0] is None:
        return None
    return (datetime.fromisoformat(ended[0]) - datetime.fromisoformat(withdrawn[0])).total_seconds()


def engine_only(after: float, runs: int) -> None:
    import threading
    from datetime import date

    from minutes.core.config import load_settings
    from minutes.core.types import Segment, Transcript
    from minutes.drafting.extract import extract
    from minutes.engines.extractor import load_extractor
    from minutes.engines.llama import Cancelled

    lines = [
        x.split(" ", 5) for x in (ROOT / "tests/data/meeting-demo/reference.stm").read_text().splitlines()
    ]
    segments, shift = [], 0.0
    for _ in range(3):
        segments += [
            Segment(start=float(a) + shift, end=float(b) + shift, text=text, speaker=who)
            for _, _, who, a, b, text in lines
        ]
        shift += 100.0
    transcript = Transcript(language="en", duration=shift, segments=segments)
    extractor = load_extractor(load_settings(Path(tempfile.mkdtemp(prefix="withdrawal-stop-"))))
    print(f"{extractor.name} on {extractor.threads} threads; stop asked {after:g} s into drafting")
    for run in range(1, runs + 1):
        told, ended = threading.Event(), {}

        def draft(told=told, ended=ended) -> None:
            try:
                with extractor.stopping(told.is_set):
                    extract(extractor, transcript, ["Priya", "Tom", "Helen", "Sam"], date(2026, 11, 23))
                ended["how"] = "finished before the stop"
            except Cancelled:
                ended["how"] = "stopped"
            ended["at"] = time.monotonic()

        worker = threading.Thread(target=draft)
        worker.start()
        time.sleep(after)
        told.set()
        asked = time.monotonic()
        worker.join()
        print(f"run {run}: {ended['how']} {max(0.0, ended['at'] - asked):.1f} s after the stop was asked")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="summarise", choices=["transcribe", "diarise", "summarise"])
    parser.add_argument("--after", type=float, default=25.0, help="seconds into the stage (default 25)")
    parser.add_argument("--who", default="Tom")
    parser.add_argument("--no-overlap", action="store_true")
    parser.add_argument("--engine", action="store_true", help="the extractor alone (see above)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.engine:
        engine_only(args.after, args.runs)
        return
    home = Path(tempfile.mkdtemp(prefix="withdrawal-stop-"))
    meeting = new_meeting(home, "withdrawal stop")
    env = {**os.environ, "MINUTES_HOME": str(home)}
    flags = ["--no-overlap"] if args.no_overlap else []
    started = time.monotonic()
    proc = subprocess.Popen(
        [MINUTES, "process", str(meeting), str(DEMO / "meeting.wav"), *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    while not stage_started(home, args.stage):
        if proc.poll() is not None:
            raise SystemExit(f"the run ended before {args.stage} began:\n{proc.stdout.read()}")
        time.sleep(0.2)
    began = time.monotonic()
    time.sleep(args.after)
    scope = "all"
    subprocess.run(
        [MINUTES, "consent", "withdraw", str(meeting), args.who, "--scope", scope, "--method", "written"],
        env=env,
        check=True,
        capture_output=True,
    )
    withdrawn = time.monotonic()
    out, _ = proc.communicate()
    ended = time.monotonic()
    print(out.strip())
    print(
        f"\n{args.stage} began {began - started:.1f} s into the run; the withdrawal was recorded "
        f"{withdrawn - began:.1f} s into it; the run ended {ended - withdrawn:.1f} s after the withdrawal "
        f"(exit {proc.returncode})"
    )
    stopped = stopped_after(home, args.stage)
    if stopped is not None:
        print(f"{args.stage} ended {stopped:.1f} s after the withdrawal was recorded (database clock)")


if __name__ == "__main__":
    main()
