"""DER against the segmentation window step, every other setting as configured.

    nice -n 10 .venv/bin/python bench/diarisation_step.py [--steps 0.1,0.125,0.15,0.175,0.2,0.25]

segmentation-3.0 reads 10 s windows; `step` is the fraction of a window between two window starts, so it sets
how often each second is segmented and embedded (the diarisation's time goes as 1/step). Prints, per step, the
DER over the seven AMI dev files with its parts (blind; the clips with a 0.25 s collar, the excerpts over their
UEM, as bench/scoring.py scores them), the two guards (meeting-demo and pyannote's sample.wav) and the time the
segmentation and embeddings took on one torch thread. Stop 28 used it to show that the sample's DER moves by
points either way with the step alone (README, "Measured").
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402
from scoring import speech_files, table  # noqa: E402
from tune_diarisation import evaluate, file_items  # noqa: E402

from minutes.core.config import load_settings  # noqa: E402
from minutes.engines.diarisation import load_diarisation  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", default="0.1,0.125,0.15,0.175,0.2,0.25")
    args = parser.parse_args()
    torch.set_num_threads(1)  # as the product runs diarisation alongside the ASR
    settings, files, rows = load_settings(), speech_files(), []
    for step in (float(x) for x in args.steps.split(",")):
        params = settings.diarisation.model_copy(update={"step": step})
        pipeline = load_diarisation(settings, params=params).pipeline
        pipeline.training = True  # cache segmentation and embeddings per file, as the tuning search does
        started = time.perf_counter()
        result = evaluate(pipeline, files, file_items(files, [False], None), params)
        ami, guards = result["blind"], result["files_blind"]
        rows.append(
            {
                "step": step,
                "AMI DER": ami["der"],
                "missed": ami["missed"],
                "false alarm": ami["false_alarm"],
                "confusion": ami["confusion"],
                "demo DER": guards["meeting-demo"]["der"],
                "sample DER": guards["sample"]["der"],
                "sample confusion": guards["sample"]["confusion"],
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
        print(table(rows[-1:], list(rows[-1])), flush=True)
    print("\n" + table(rows, list(rows[0])))


if __name__ == "__main__":
    main()
