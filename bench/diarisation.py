"""Where diarisation's time goes, printed, not asserted.

    .venv/bin/python bench/diarisation.py [--minutes 5] [--threads 1]

Runs the default diarisation pipeline (as `minutes process` loads it) on the demo meeting and on the demo tiled
to --minutes, and splits the wall time by pyannote's own steps, timed from its progress hook: segmentation
(sliding 10 s windows), speaker counting, embeddings (one per window and local speaker), clustering with the
reconstruction of the turns, and what follows. Also the embedding batches and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import io
import resource
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from minutes.core.config import load_settings  # noqa: E402
from minutes.core.types import SAMPLE_RATE  # noqa: E402
from minutes.engines.diarisation import load_diarisation  # noqa: E402
from minutes.speech.audio import decode  # noqa: E402

STEPS = ("segmentation", "speaker_counting", "embeddings", "discrete_diarization")


class StepClock:
    """pyannote calls the hook with a step's name as the step progresses and once more when it ends."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.ends: dict[str, float] = {}
        self.batches = 0

    def __call__(self, step: str, artifact, file=None, total=None, completed=None) -> None:
        if completed is not None:
            self.batches = max(self.batches, completed)
        self.ends[step] = time.monotonic()


def profile(engine, samples: np.ndarray, label: str) -> None:
    import torch

    clock = StepClock()
    file = {"waveform": torch.from_numpy(samples)[None, :], "sample_rate": SAMPLE_RATE, "uri": label}
    with torch.inference_mode(), redirect_stdout(io.StringIO()):
        engine.pipeline(file, hook=clock)
    total = time.monotonic() - clock.started
    seconds = len(samples) / SAMPLE_RATE
    print(f"\n== {label}: {seconds / 60:.1f} min of audio, {total:.1f} s (RTF {total / seconds:.3f})")
    previous = clock.started
    for step, name in zip(
        STEPS, ("segmentation", "speaker counting", "embeddings", "clustering and turns"), strict=True
    ):
        end = clock.ends.get(step, previous)
        print(f"  {name:<22}{end - previous:8.1f} s  {(end - previous) / total:5.0%}")
        previous = end
    print(f"  {'the rest':<22}{time.monotonic() - previous:8.1f} s")
    print(f"  embedding batches: {clock.batches}; peak RSS so far {_peak_mb():.0f} MB")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    started = time.monotonic()
    engine = load_diarisation(load_settings(), threads=args.threads)
    print(f"loaded in {time.monotonic() - started:.1f} s, {args.threads} torch thread(s)")
    demo = decode(ROOT / "minutes" / "demo" / "meeting.wav", 8 * 3600).samples
    profile(engine, demo, "demo meeting")
    reps = max(1, round(args.minutes * 60 * SAMPLE_RATE / len(demo)))
    profile(engine, np.tile(demo, reps), f"{reps} x demo")


if __name__ == "__main__":
    main()
