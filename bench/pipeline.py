"""End-to-end figures for `minutes process` and `minutes batch`, printed, not asserted.

- wall time, real-time factor and peak RSS per stage on the demo meeting, on a 5 min input and on a long input
  (the demo meeting repeated to about 5 min and to --long-minutes), and the long run's peak RSS against the
  5 min run's;
- the overlap saving: the 5 min input (and the long one with --compare-long) run again with --no-overlap, so
  diarisation alongside transcription is measured against one after the other;
- a batch of --files short recordings against the same number of single `minutes process` runs (the ratio shows
  what loading the models once per batch saves);
- throughput in audio hours per wall hour on this machine.

Every run is a fresh `minutes` subprocess with its own MINUTES_HOME, so peak RSS is that process's own.
Usage: python bench/pipeline.py [--long-minutes 30] [--files 10] [--skip-long] [--skip-batch] [--compare-long]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "minutes" / "demo"
MINUTES = str(Path(sys.executable).parent / "minutes")
SPEC = json.loads((DEMO / "meeting.json").read_text())
STATES = Path("cache") / "prompt-states"  # under MINUTES_HOME (minutes.engines.extractor)


def run(args: list[str], home: Path) -> tuple[subprocess.CompletedProcess, float, float]:
    """(result, wall seconds, peak RSS in MB) of one `minutes` subprocess."""
    env = {**os.environ, "MINUTES_HOME": str(home)}
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [MINUTES, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    _, status, usage = os.wait4(proc.pid, 0)
    out, err = proc.stdout.read(), proc.stderr.read()
    wall = time.monotonic() - t0
    result = subprocess.CompletedProcess(proc.args, os.waitstatus_to_exitcode(status), out, err)
    return result, wall, usage.ru_maxrss / 1024


def read_pcm(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")


def write_pcm(path: Path, pcm: np.ndarray) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(pcm.astype("<i2").tobytes())
    return path


def new_meeting(home: Path, title: str) -> int:
    people = [x for p in SPEC["participants"] for x in ("--participant", p["name"])]
    made, _, _ = run(["meeting", "create", title, "--date", SPEC["date"], *people, "--json"], home)
    meeting = json.loads(made.stdout)["id"]
    for p in SPEC["participants"]:
        run(
            [
                "consent",
                "give",
                str(meeting),
                p["name"],
                "--scope",
                "all",
                "--method",
                "verbal",
                "--evidence-at",
                p["consent_at"],
                "--by",
                "bench",
            ],
            home,
        )
    return meeting


def process_figures(label: str, audio: Path, workdir: Path, *flags: str, kept: Path | None = None) -> dict:
    """One `minutes process` run in a new home; `kept`: an earlier home whose kept prompt state is copied in,
    as a clerk's second meeting finds it (without it the run first reads the extractor's fixed opening)."""
    home = workdir / f"home-{label}{''.join(flags)}"
    meeting = new_meeting(home, label)
    if kept is not None:
        shutil.copytree(kept / STATES, home / STATES)
    result, wall, rss = run(["process", str(meeting), str(audio), "--json", *flags], home)
    if result.returncode != 0:
        raise SystemExit(f"{label}: minutes process failed: {result.stderr[-2000:]}")
    data = json.loads(result.stdout)
    audio_s = data["audio_seconds"]
    print(f"\n== {label}: {audio_s / 60:.1f} min of audio {' '.join(flags)}")
    print(f"{'stage':<12}{'seconds':>9}{'RTF':>8}{'peak RSS so far (MB)':>22}")
    for s in data["stages"]:
        print(
            f"{s['stage']:<12}{s['seconds']:>9.1f}{s['seconds'] / audio_s:>8.3f}{s['peak_rss_mb']:>22.0f}"
            f"   {s['detail']}"
        )
    print(
        f"{'end to end':<12}{wall:>9.1f}{wall / audio_s:>8.3f}   (process start to exit, model loading included)"
    )
    print(f"peak RSS {rss:.0f} MB; throughput {audio_s / wall:.2f} audio hours per wall hour")
    took = {s["stage"]: s for s in data["stages"]}
    speech = took["transcribe"]["seconds"] + took["diarise"]["seconds"]
    print(
        f"speech stages {speech:.1f} s (RTF {speech / audio_s:.3f}); the voice search took "
        f"{took['diarise']['voice_seconds']:.1f} s of it, "
        + ("one after the other" if flags else "alongside transcription")
    )
    shown = json.loads(run(["review", "show", str(data["draft"]), "--json"], home)[0].stdout)
    kinds = [i["kind"] for i in shown["items"]]
    invalid = [n for n in shown["notes"] if "invalid" in n]
    print(
        f"draft: {kinds.count('decision')} decisions, {kinds.count('action')} actions, {kinds.count('flag')} "
        f"flags; {len(invalid)} chunk(s) with an invalid model reply "
        f"({sum('invalid twice' in n for n in invalid)} of them still invalid after the repair)"
    )
    return {"audio_s": audio_s, "wall": wall, "rss": rss, "speech": speech, "home": home}


def overlap_saving(together: dict, apart: dict) -> None:
    saved = apart["speech"] - together["speech"]
    print(
        f"overlap saving: speech stages {together['speech']:.1f} s alongside against {apart['speech']:.1f} s "
        f"one after the other ({saved:.1f} s, {saved / apart['speech']:.0%}); end to end "
        f"{together['wall']:.1f} s against {apart['wall']:.1f} s; peak RSS {together['rss']:.0f} MB against "
        f"{apart['rss']:.0f} MB"
    )


def batch_figures(n: int, workdir: Path) -> None:
    pcm = read_pcm(DEMO / "meeting.wav")
    cut = len(pcm) // n
    files = [write_pcm(workdir / f"part-{i:02d}.wav", pcm[i * cut : (i + 1) * cut]) for i in range(n)]
    audio_s = len(pcm) / 16000
    form = workdir / "form.pdf"
    form.write_bytes(b"%PDF-1.4 bench consent")
    manifest = workdir / "batch.csv"
    with manifest.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "title", "date", "participants", "consent_evidence"])
        for i, f in enumerate(files):
            w.writerow(
                [f, f"Part {i}", SPEC["date"], ";".join(p["name"] for p in SPEC["participants"]), form]
            )
    batch = {}
    for workers in (1, 2):
        home = workdir / f"home-batch-{workers}"
        result, wall, rss = run(["batch", str(manifest), "--workers", str(workers), "--json"], home)
        if result.returncode != 0:
            raise SystemExit(f"batch failed: {result.stdout[-1000:]} {result.stderr[-2000:]}")
        batch[workers] = (wall, rss)
    batch_wall, batch_rss = batch[1]
    single_home = workdir / "home-single"
    single_wall, single_rss = 0.0, 0.0
    for i, f in enumerate(files):
        meeting = new_meeting(single_home, f"single {i}")
        r, wall, rss = run(["process", str(meeting), str(f), "--json"], single_home)
        if r.returncode != 0:
            raise SystemExit(f"single run {i} failed: {r.stderr[-2000:]}")
        single_wall += wall
        single_rss = max(single_rss, rss)
    print(f"\n== batch of {n} files ({audio_s:.0f} s of audio in all)")
    print(
        f"minutes batch:            {batch_wall:7.1f} s  peak RSS {batch_rss:.0f} MB  "
        f"throughput {audio_s / batch_wall:.2f} audio h per wall h"
    )
    print(
        f"{n} x minutes process:     {single_wall:7.1f} s  peak RSS {single_rss:.0f} MB  "
        f"throughput {audio_s / single_wall:.2f} audio h per wall h"
    )
    print(f"ratio batch / singles:    {batch_wall / single_wall:.2f}")
    wall2, rss2 = batch[2]
    print(
        f"minutes batch --workers 2: {wall2:6.1f} s  peak RSS (largest process) {rss2:.0f} MB  "
        f"ratio to 1 worker {wall2 / batch_wall:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--long-minutes", type=float, default=30.0)
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--skip-long", action="store_true")
    parser.add_argument("--skip-batch", action="store_true")
    parser.add_argument(
        "--compare-long", action="store_true", help="also run the long input with --no-overlap"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="minutes-bench-") as tmp:
        work = Path(tmp)
        demo = process_figures("demo meeting", DEMO / "meeting.wav", work)
        print(
            "(the demo ran in a new home: it read the extractor's fixed opening; the runs below find it kept)"
        )
        kept = demo["home"]
        if not args.skip_long:
            pcm = read_pcm(DEMO / "meeting.wav")
            runs = {}
            for minutes in (5.0, args.long_minutes):
                reps = max(1, round(minutes * 60 * 16000 / len(pcm)))
                wav = write_pcm(work / f"tiled-{reps}.wav", np.tile(pcm, reps))
                runs[minutes] = process_figures(f"{reps} x demo", wav, work, kept=kept)
                if minutes == 5.0 or args.compare_long:
                    apart = process_figures(f"{reps} x demo", wav, work, "--no-overlap", kept=kept)
                    overlap_saving(runs[minutes], apart)
            short, long = runs[5.0], runs[args.long_minutes]
            print(
                f"\npeak RSS: {long['audio_s'] / 60:.1f} min input {long['rss']:.0f} MB, "
                f"{short['audio_s'] / 60:.1f} min input {short['rss']:.0f} MB "
                f"(ratio {long['rss'] / short['rss']:.2f})"
            )
        if not args.skip_batch:
            batch_figures(args.files, work)


if __name__ == "__main__":
    main()
