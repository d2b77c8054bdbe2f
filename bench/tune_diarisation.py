"""Grid search of the diarisation hyper-parameters (`minutes.core.config.DiarisationParams`) on the real dev audio.

    nice -n 10 .venv/bin/python bench/tune_diarisation.py [--json out.json] [--quick]

Scored on the seven real AMI files (two clips, collar 0.25 s; five excerpts, their UEM, no collar; see
bench/scoring.py), DER accumulated over all seven; guarded by meeting-demo and sample.wav (no collar), which must
not get worse than with `BEFORE`. Every configuration runs twice: blind, and with `max_speakers` = the true count
(what `minutes process` passes from the participant list); the objective is the mean of the two.

Segmentation and embeddings do not depend on these parameters (segmentation-3.0 is powerset), so the pipeline
runs in pyannote's training mode, which caches both per file: only clustering and reconstruction are repeated.
`exclude_overlap` changes the embeddings, so each of its values gets its own cache.

Overfitting guard: seven short files are few. A configuration is ranked by its "plateau" DER, the worst of its
own objective and that of its neighbours one grid step away in threshold and in min_duration_off, so a
configuration that is good only at one point loses to one whose neighbourhood is good too.
"""

from __future__ import annotations

import argparse
import itertools
import json
import pickle
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402
from scoring import DerTotal, speech_files, table  # noqa: E402

from minutes.core.config import DiarisationParams, load_settings  # noqa: E402
from minutes.engines.diarisation import load_diarisation  # noqa: E402
from minutes.speech.audio import decode  # noqa: E402

BEFORE = DiarisationParams(
    threshold=0.3,
    method="average",
    min_cluster_size=12,
    min_duration_off=0.0,
    exclude_overlap=False,
    step=0.1,
)  # the settings tuned on synthetic and telephone audio (f3a8eeb)
THRESHOLDS = [round(0.2 + 0.05 * i, 2) for i in range(9)]  # 0.20 ... 0.60 (0.15 and 0.65-0.80 were worse)
MIN_CLUSTER_SIZES = [2, 6, 12]
MIN_DURATIONS_OFF = [0.0, 0.25, 0.5]
GUARD_SLACK = 0.002  # DER points of noise allowed on a guard before it counts as worse


def run(pipeline, files, cache, params: DiarisationParams, counted: bool) -> tuple[dict, dict]:
    """Per-file and overall DER (AMI files) of one configuration; guards reported per file."""
    pipeline.instantiate(params.hyper_parameters())
    pipeline.embedding_exclude_overlap = params.exclude_overlap
    ami, rows = DerTotal(), {}
    for f in files:
        item = cache[(f.name, params.exclude_overlap)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = pipeline(item, max_speakers=f.speakers if counted else None)
        score = ami if f.group != "guard" else DerTotal()
        rows[f.name] = score.add(f, out.speaker_diarization)
    return rows, ami.overall()


def file_items(files, exclude_overlap_values, saved: Path | None) -> dict:
    """One pyannote file dict per (file, exclude_overlap): each holds its own training cache, restored from
    `saved` (a pickle written by `save_cache`) when it is there."""
    known = pickle.loads(saved.read_bytes()) if saved and saved.is_file() else {}
    cache = {}
    for f in files:
        audio = decode(f.audio)
        for ex in exclude_overlap_values:
            cache[(f.name, ex)] = {**audio.waveform_dict(), "uri": f.uri, **known.get((f.name, ex), {})}
    return cache


def save_cache(cache: dict, path: Path) -> None:
    """Keep the segmentations and embeddings, so a second search skips the slow part."""
    keep = {
        k: {n: v for n, v in item.items() if n.startswith("training_cache/")} for k, item in cache.items()
    }
    path.write_bytes(pickle.dumps(keep))


def evaluate(pipeline, files, cache, params: DiarisationParams) -> dict:
    blind, blind_all = run(pipeline, files, cache, params, counted=False)
    counted, counted_all = run(pipeline, files, cache, params, counted=True)
    return {
        "params": params.model_dump(),
        "objective": (blind_all["der"] + counted_all["der"]) / 2,
        "blind": blind_all,
        "counted": counted_all,
        "files_blind": blind,
        "files_counted": counted,
    }


def plateau(results: list[dict]) -> None:
    """Add each result's plateau DER: the worst objective among it and its grid neighbours."""

    def key(p):
        return (
            p["method"],
            p["min_cluster_size"],
            p["exclude_overlap"],
            p["threshold"],
            p["min_duration_off"],
        )

    index = {key(r["params"]): r["objective"] for r in results}
    for r in results:
        p = r["params"]
        t, d = THRESHOLDS.index(p["threshold"]), MIN_DURATIONS_OFF.index(p["min_duration_off"])
        near = [
            index.get(key({**p, "threshold": THRESHOLDS[i], "min_duration_off": MIN_DURATIONS_OFF[j]}))
            for i, j in ((t - 1, d), (t + 1, d), (t, d - 1), (t, d + 1))
            if 0 <= i < len(THRESHOLDS) and 0 <= j < len(MIN_DURATIONS_OFF)
        ]
        r["plateau"] = max([r["objective"]] + [v for v in near if v is not None])


def guards_ok(result: dict, before: dict) -> bool:
    return all(
        result[mode][g]["der"] <= before[mode][g]["der"] + GUARD_SLACK
        for mode in ("files_blind", "files_counted")
        for g in ("meeting-demo", "sample")
    )


def per_file(label: str, result: dict) -> list[dict]:
    rows = []
    for mode in ("blind", "counted"):
        for name, r in result[f"files_{mode}"].items():
            rows.append({"config": label, "speakers": mode, "file": name, **r})
        rows.append({"config": label, "speakers": mode, "file": "AMI overall", **result[mode]})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", type=Path, help="write every configuration's scores here")
    parser.add_argument("--quick", action="store_true", help="exclude_overlap off only")
    parser.add_argument("--methods", default="average", help="linkage methods, comma-separated")
    parser.add_argument(
        "--cache", type=Path, help="a pickle of the segmentations and embeddings, reused if there"
    )
    args = parser.parse_args()
    torch.set_num_threads(1)  # as the product runs diarisation; on a shared 2-core box more threads only spin
    files = speech_files()
    engine = load_diarisation(load_settings(), params=BEFORE)
    pipeline = engine.pipeline
    pipeline.training = True  # cache segmentation and embeddings per file dict
    overlap_values = [False] if args.quick else [False, True]
    cache = file_items(files, overlap_values, args.cache)
    t0 = time.perf_counter()
    before = evaluate(pipeline, files, cache, BEFORE)
    for ex in overlap_values[1:]:  # the other embeddings, computed up front so that the cache holds them
        evaluate(pipeline, files, cache, BEFORE.model_copy(update={"exclude_overlap": ex}))
    if args.cache:
        save_cache(cache, args.cache)
    print(
        f"first pass (segmentation and embeddings, cached after): {time.perf_counter() - t0:.0f} s",
        flush=True,
    )
    methods = args.methods.split(",")
    results = []
    for method, size, ex, t, off in itertools.product(
        methods, MIN_CLUSTER_SIZES, overlap_values, THRESHOLDS, MIN_DURATIONS_OFF
    ):
        params = DiarisationParams(
            threshold=t, method=method, min_cluster_size=size, min_duration_off=off, exclude_overlap=ex
        )
        r = evaluate(pipeline, files, cache, params)
        r["guards_ok"] = guards_ok(r, before)
        results.append(r)
        print(
            f"{method:8s} size={size:2d} excl={int(ex)} thr={t:.2f} off={off:.2f}  "
            f"DER blind {r['blind']['der']:.3f} (miss {r['blind']['missed']:.3f} fa {r['blind']['false_alarm']:.3f}"
            f" conf {r['blind']['confusion']:.3f})  counted {r['counted']['der']:.3f} "
            f"(conf {r['counted']['confusion']:.3f})  demo {r['files_blind']['meeting-demo']['der']:.3f} "
            f"sample {r['files_blind']['sample']['der']:.3f}{'' if r['guards_ok'] else '  guard worse'}",
            flush=True,
        )
    plateau(results)
    ok = sorted((r for r in results if r["guards_ok"]), key=lambda r: (r["plateau"], r["objective"]))
    print("\nbest by plateau DER (guards not worse):")
    print(
        table(
            [{**r["params"], "objective": r["objective"], "plateau": r["plateau"]} for r in ok[:10]],
            [
                "method",
                "min_cluster_size",
                "exclude_overlap",
                "threshold",
                "min_duration_off",
                "objective",
                "plateau",
            ],
        )
    )
    best = ok[0]
    columns = [
        "config",
        "speakers",
        "file",
        "der",
        "missed",
        "false_alarm",
        "confusion",
        "speakers_found",
        "speakers_true",
    ]
    print("\nbefore and after, per file:")
    print(table(per_file("before", before) + per_file("after", best), columns))
    print("\nchosen:", json.dumps(best["params"]))
    if args.json:
        args.json.write_text(json.dumps({"before": before, "chosen": best, "all": results}, indent=1))


if __name__ == "__main__":
    main()
