"""Progress found in the talk, measured on the dev series (tests/data/dev/series): figures printed, not asserted.

    .venv/bin/python bench/matters_progress.py [--model NAME]

The first meeting's gold actions stand for its released minutes; the second meeting's reference lines are read
for reports on them (minutes.drafting.progress: lexical candidates, then yes/no questions to the extractor).
Printed: candidate recall (gold evidence lines among the lines asked about), the questions put and their time,
per action the suggested status against the gold one, evidence precision and recall by line, and any distractor
line taken as evidence.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERIES = ROOT / "tests" / "data" / "dev" / "series"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="extractor model name (default: the configured one)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from minutes.core.config import load_settings
    from minutes.drafting import progress
    from minutes.drafting.windows import Line
    from minutes.engines.extractor import load_extractor

    gold = json.loads((SERIES / "gold.json").read_text(encoding="utf-8"))
    lines = []
    for i, raw in enumerate((SERIES / gold["second"]["dir"] / "reference.stm").read_text().splitlines(), 1):
        _, _, who, start, end, text = raw.split(" ", 5)
        lines.append(Line(i, float(start), float(end), who, text))
    actions = [progress.OpenAction(i, a["task"], a["owner"]) for i, a in enumerate(gold["first"]["actions"])]
    want = {a["task"]: a for a in gold["second"]["status"]}
    asked = {a.id: {i + 1 for i in progress.candidates(lines, a)} for a in actions}
    gold_lines = sum(len(want[a.task]["lines"]) for a in actions)
    found_lines = sum(len(asked[a.id] & set(want[a.task]["lines"])) for a in actions)
    print(f"candidates: {sum(map(len, asked.values()))} lines asked about for {len(actions)} actions")
    print(f"candidate recall: {found_lines}/{gold_lines} gold evidence lines")

    started = time.perf_counter()
    engine = load_extractor(load_settings(), model=args.model)
    loaded = time.perf_counter()
    found = progress.suggest(engine, lines, actions)
    took = time.perf_counter() - loaded
    print(f"model: {engine.name}; load {loaded - started:.1f} s; suggest {took:.2f} s")

    by_start = {x.start: x.number for x in lines}
    right = tp = fp = fn = 0
    distract = {int(k) for k in gold["distractors"]}
    taken_distractors = []
    for a in actions:
        g = want[a.task]
        got = found.get(a.id)
        status = got.status if got else "none"
        picked = {by_start[e["start"]] for e in got.evidence} if got else set()
        right += status == g["status"]
        tp += len(picked & set(g["lines"]))
        fp += len(picked - set(g["lines"]))
        fn += len(set(g["lines"]) - picked)
        taken_distractors += sorted(picked & distract)
        p = f"{got.p:.2f}" if got else "-"
        print(
            f"  {a.owner}: {a.task}: suggested {status} (p {p}, lines {sorted(picked)}); gold {g['status']} {g['lines']}"
        )
    print(f"status right: {right}/{len(actions)}")
    print(f"evidence lines: precision {tp}/{tp + fp}, recall {tp}/{tp + fn}")
    print(f"distractor lines taken as evidence: {taken_distractors or 'none'}")


if __name__ == "__main__":
    main()
