"""Extraction quality on the dev data (tests/data/dev), from reference transcripts: figures, printed, not asserted.

    python bench/quality_extraction.py [--only m01,ES2011c,...] [--json out.json] [--skip-qmsum]

School meetings (`meetings/*/reference.stm` + `judge.json`), scored as the dev data's README says: an item
matches a gold one by lower-case substrings of its text (a decision's `text`, an action's `task`); an action
counts only with the right owner, and of the owner's actions the one holding most of the gold terms is scored
(until stop 24 the first holding any: "the headteacher's report" stood for "sign the report off"); a due date is right when it equals the gold ISO date (only gold actions with a
date count); a not-decision counts when a reported decision that matched no gold decision contains one of its
terms; a sensitive item is flagged when a flag's time range covers a line holding one of its terms, and leaked
when one of its terms appears in the summary, a decision or an action; extra items matched no gold item; a
discussion point is misattributed when it holds a gold action's terms and says another participant does or did
it, without naming the owner.

QMSum AMI meetings (`qmsum/*.json`): the turns become a transcript (AMI markup removed, 2.6 words a second, the
speaker roles as participants); the report lists the decisions beside the human-answer decisions of
`human_decisions.json` (key terms read from QMSum's answers), counts chunks flagged as invalid or looping, and
decisions phrased as questions.

`collect(dev_dir)` returns {"meetings": rows, "qmsum": rows} for bench/quality.py; `table(rows)` prints them.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from minutes.core.drafting_params import DRAFTING, RULES, DraftingParams  # noqa: E402
from minutes.core.types import Draft, Segment, Transcript  # noqa: E402

DEV = ROOT / "tests" / "data" / "dev"
WORDS_PER_SECOND = 2.6
MARKUP = re.compile(r"\{\w+\}")
QUESTION = re.compile(
    r"\?\s*$|^(?:do|does|did|should|shall|can|could|will|would|is|are|what|which|how|why|who|"
    r"when|where)\b",
    re.IGNORECASE,
)


# -- inputs -----------------------------------------------------------------------------------------------------
def stm_transcript(path: Path) -> Transcript:
    """A reference STM (`meeting 1 SPEAKER START END text`) as a transcript, one segment per row."""
    segments = []
    for row in path.read_text(encoding="utf-8").splitlines():
        if row.strip():
            _, _, speaker, start, end, text = row.split(maxsplit=5)
            segments.append(Segment(start=float(start), end=float(end), text=text, speaker=speaker))
    return Transcript(language="en", duration=max((s.end for s in segments), default=0.0), segments=segments)


def qmsum_transcript(data: dict) -> Transcript:
    """QMSum turns as a transcript: markup dropped, each turn timed by its word count."""
    segments, t = [], 0.0
    for turn in data["turns"]:
        text = " ".join(MARKUP.sub(" ", turn["content"]).split())
        text = re.sub(r"\s+([,.?!])", r"\1", text)
        if not re.search(r"\w", text):
            continue
        length = max(1.0, len(text.split()) / WORDS_PER_SECOND)
        segments.append(
            Segment(start=round(t, 2), end=round(t + length, 2), text=text, speaker=turn["speaker"])
        )
        t += length + 0.3
    return Transcript(language="en", duration=t, segments=segments)


# -- scoring ----------------------------------------------------------------------------------------------------
def _has(text: str, terms: list[str]) -> bool:
    return any(term.lower() in text.lower() for term in terms)


def _decision_hit(text: str, gold: dict) -> bool:
    low = text.lower()
    return all(t.lower() in low for t in gold.get("all", [])) and (
        not gold.get("any") or _has(low, gold["any"])
    )


def _best_action(draft: Draft, gold: dict):
    """The owner's action holding the most of the gold action's terms (the first of equals), or None."""
    terms = [t.lower() for t in gold["any"]]
    mine = [a for a in draft.actions if a.owner == gold["owner"] and _has(a.task, terms)]
    return max(mine, key=lambda a: sum(t in a.task.lower() for t in terms), default=None)


def score_meeting(draft: Draft, judge: dict, transcript: Transcript) -> dict:
    decisions = [d.text for d in draft.decisions]
    matched = [any(_decision_hit(d, g) for g in judge["decisions"]) for d in decisions]
    found = sum(any(_decision_hit(d, g) for d in decisions) for g in judge["decisions"])
    hits = [_best_action(draft, g) for g in judge["actions"]]
    dated = [(g, a) for g, a in zip(judge["actions"], hits, strict=True) if g["due"]]
    not_dec = sum(
        any(_has(d, nd["any"]) for d, m in zip(decisions, matched, strict=True) if not m)
        for nd in judge["not_decisions"]
    )
    extra = matched.count(False) + sum(
        not any(_has(a.task, g["any"]) for g in judge["actions"]) for a in draft.actions
    )
    misattributed = sum(_misattributed(p.text, judge) for p in draft.points)
    said = " ".join([draft.summary, *decisions, *(a.task for a in draft.actions)])
    flagged = sum(_flagged(s["any"], draft, transcript) for s in judge["sensitive"])
    leaked = sum(_has(said, s["any"]) for s in judge["sensitive"])
    return {
        "decisions": f"{found}/{len(judge['decisions'])}",
        "actions (owner right)": f"{sum(h is not None for h in hits)}/{len(judge['actions'])}",
        "due right": f"{sum(a is not None and a.due == g['due'] for g, a in dated)}/{len(dated)}",
        "not-decisions reported": not_dec,
        "sensitive flagged": f"{flagged}/{len(judge['sensitive'])}",
        "sensitive leaked": leaked,
        "extra items": extra,
        "misattributed points": misattributed,
        "flags": len(draft.flags),
    }


# a point saying someone does or did something (not that they spoke of it)
DOES = (
    r"\s+(?:will|['’]ll|is going to|is to|agreed to|offered to|volunteered to|"
    r"(?!(?:ask|rais|suggest|propos|not|mention|question|report|explain|quer|wonder|want)ed\b)\w+ed)\b"
)


def _misattributed(point: str, judge: dict) -> bool:
    """Whether a discussion point gives a gold action to someone other than its owner: it holds the action's
    terms and says another participant does or did it, without naming the owner ("Ruth drafted the protocol"
    when the task is Tom's)."""
    for gold in judge["actions"]:
        owner = gold["owner"].split()[0]
        if not _has(point, gold["any"]) or re.search(rf"\b{re.escape(owner)}\b", point):
            continue
        others = [p.split()[0] for p in judge["participants"] if p.split()[0] != owner]
        if any(re.search(rf"\b{re.escape(n)}{DOES}", point) for n in others):
            return True
    return False


def _flagged(terms: list[str], draft: Draft, transcript: Transcript) -> bool:
    spans = [(e.start, e.end) for f in draft.flags for e in f.evidence]
    return any(
        _has(s.text, terms) and any(a <= s.start + 0.01 and s.end <= b + 0.01 for a, b in spans)
        for s in transcript.segments
    )


def score_qmsum(draft: Draft, human: list[dict]) -> dict:
    decisions = [d.text for d in draft.decisions]
    return {
        "decisions listed": len(decisions),
        "human decisions listed": f"{sum(any(_has(d, h['any']) for d in decisions) for h in human)}/{len(human)}",
        "questions": sum(bool(QUESTION.search(d.strip())) for d in decisions),
        "chunks flagged": sum(f.kind == "extraction" for f in draft.flags),
        "actions": len(draft.actions),
    }


# -- running ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Meeting:
    """One dev meeting as the bench drafts it: a school meeting scored against judge.json, or a QMSum meeting
    scored against its human-answer decisions."""

    name: str
    kind: str  # "meetings" or "qmsum"
    transcript: Transcript
    participants: list[str]
    day: date | None
    gold: Any

    def score(self, draft: Draft) -> dict:
        if self.kind == "qmsum":
            return {"minutes": round(self.transcript.duration / 60), **score_qmsum(draft, self.gold)}
        return score_meeting(draft, self.gold, self.transcript)


def dev_meetings(dev_dir: Path = DEV, only: set[str] | None = None, qmsum: bool = True) -> list[Meeting]:
    """The dev meetings (or those whose folder or file name starts with one of `only`), school ones first."""

    def wanted(name: str) -> bool:
        return not only or any(name.startswith(o) for o in only)

    out = []
    for folder in sorted((dev_dir / "meetings").iterdir()):
        if folder.is_dir() and wanted(folder.name):
            judge = json.loads((folder / "judge.json").read_text())
            day = date.fromisoformat(judge["meeting_date"])
            transcript = stm_transcript(folder / "reference.stm")
            out.append(Meeting(folder.name, "meetings", transcript, judge["participants"], day, judge))
    human = json.loads((dev_dir / "qmsum" / "human_decisions.json").read_text())
    for path in sorted((dev_dir / "qmsum").glob("*.json")) if qmsum else []:
        if path.stem in human and wanted(path.stem):
            transcript = qmsum_transcript(json.loads(path.read_text()))
            people = list(dict.fromkeys(s.speaker for s in transcript.segments))
            out.append(Meeting(path.stem, "qmsum", transcript, people, None, human[path.stem]))
    return out


def _timed(engine, meeting: Meeting, params: DraftingParams) -> tuple[Draft, dict]:
    """The draft and what it cost: wall seconds, and the model's calls and tokens (with a cached engine, what
    its calls cost when they ran, and how many ran now)."""
    from minutes.drafting.extract import extract

    cost = getattr(engine, "cost", None)
    before = dataclasses.replace(cost) if cost is not None else None
    calls, prompt, new = (getattr(engine, k, 0) for k in ("calls", "prompt_tokens", "new_tokens"))
    started = time.perf_counter()
    draft = extract(engine, meeting.transcript, meeting.participants, meeting.day, params=params)
    seconds = round(time.perf_counter() - started, 1)
    if cost is None:
        return draft, {
            "seconds": seconds,
            "calls": engine.calls - calls,
            "prompt tokens": engine.prompt_tokens - prompt,
            "new tokens": engine.new_tokens - new,
        }
    now = engine.cost
    return draft, {
        "seconds": seconds,
        "model seconds": round(now.seconds - before.seconds, 1),
        "calls": now.calls - before.calls,
        "yes/no questions": now.questions - before.questions,
        "prompt tokens": now.prompt_tokens - before.prompt_tokens,
        "new tokens": now.new_tokens - before.new_tokens,
        "ran now": now.ran - before.ran,
    }


def load_engine(cache: bool = True):
    """The configured extractor, its replies kept on disk (bench/cached_engine.py) unless `cache` is False."""
    from minutes.core.config import load_settings
    from minutes.engines.extractor import load_extractor

    engine = load_extractor(load_settings())
    if cache:
        from bench.cached_engine import CachedEngine

        engine = CachedEngine(engine)
    return engine


def run(engine, meeting: Meeting, params: DraftingParams = DRAFTING) -> dict:
    """One meeting drafted and scored: its row, with the draft."""
    draft, cost = _timed(engine, meeting, params)
    return {"meeting": meeting.name, **meeting.score(draft), **cost, "draft": draft.model_dump(mode="json")}


def collect(
    dev_dir: Path = DEV, only: set[str] | None = None, engine=None, qmsum: bool = True, cache: bool = True
) -> dict:
    """Extract every dev meeting (or those whose folder or file name starts with one of `only`) and score it.
    Without an engine, the configured extractor is loaded (`load_engine`)."""
    engine = engine or load_engine(cache)
    rows: dict[str, list[dict]] = {"meetings": [], "qmsum": []}
    for meeting in dev_meetings(dev_dir, only, qmsum):
        rows[meeting.kind].append(run(engine, meeting))
        print(table(rows[meeting.kind][-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    return rows


def rescore(saved: dict) -> dict:
    """Rows saved with their drafts (`--json`), scored again with today's scorer; their costs kept."""
    meetings = {m.name: m for m in dev_meetings(DEV)}
    out: dict[str, list[dict]] = {}
    for kind, rows in saved.items():
        for row in rows:
            meeting = meetings[row["meeting"]]
            score = meeting.score(Draft.model_validate(row["draft"]))
            cost = {k: v for k, v in row.items() if k not in score and k not in ("meeting", "draft")}
            out.setdefault(kind, []).append({"meeting": meeting.name, **score, **cost})
    return out


# -- ablation ---------------------------------------------------------------------------------------------------
SCORED = {  # the figures an ablation compares, and the short names its table uses
    "meetings": {
        "decisions": "dec",
        "actions (owner right)": "act",
        "due right": "due",
        "not-decisions reported": "not-dec",
        "extra items": "extra",
        "misattributed points": "misattr",
        "sensitive flagged": "flagged",
        "sensitive leaked": "leaked",
    },
    "qmsum": {"human decisions listed": "human", "decisions listed": "listed", "actions": "actions"},
}


COST = {"calls": "calls", "yes/no questions": "questions", "prompt tokens": "read", "new tokens": "written"}


def _figure(value) -> int:
    return int(str(value).split("/")[0])


def changes(base: dict, other: dict, kind: str) -> str:
    """What turning a rule off changed in one meeting's figures ("dec -1, extra +2"), or ""."""
    out = []
    for key, short in SCORED[kind].items():
        if key in base and (delta := _figure(other[key]) - _figure(base[key])):
            out.append(f"{short} {delta:+d}")
    return ", ".join(out)


UNCACHED = "uncached"  # an ablation's mark for a meeting that needed a model call an offline engine lacks


def ablate(engine, meetings: list[Meeting], rules: list[str], out: Path | None = None) -> list[dict]:
    """For each rule, what turning it off changes on each meeting (the rest on), and what the model calls cost
    with it off less with it on, summed over the meetings; a row per rule, each written to `out` (JSON) as soon
    as it is done, so a partial run is still a result. With an offline engine (`--cached-only`) a meeting whose
    draft needs a model call the cache lacks is marked "uncached" and skipped: that rule changes model calls
    there, and a later run with the model fills it in."""
    from bench.cached_engine import Uncached

    base = {m.name: run(engine, m) for m in meetings}
    rows: list[dict] = []
    for rule in rules:
        row: dict = {"rule": rule}
        cost = dict.fromkeys(COST, 0)
        for m in meetings:
            try:
                off = run(engine, m, DraftingParams(off=frozenset({rule})))
            except Uncached:
                row[m.name] = UNCACHED
                continue
            row[m.name] = changes(base[m.name], off, m.kind)
            for key in COST:
                cost[key] += off.get(key, 0) - base[m.name].get(key, 0)
        row["meetings changed"] = sum(bool(row[m.name]) and row[m.name] != UNCACHED for m in meetings)
        row |= {f"{COST[key]} off-on": value for key, value in cost.items()}
        rows.append(row)
        print(table([row]).splitlines()[-1], file=sys.stderr, flush=True)
        if out is not None:
            out.write_text(json.dumps(rows, indent=1))
    return rows


def table(rows: list[dict]) -> str:
    """Rows as a Markdown table (the draft itself is left out)."""
    if not rows:
        return ""
    keys = [k for k in rows[0] if k != "draft"]
    out = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    out += ["| " + " | ".join(str(r.get(k, "")) for k in keys) + " |" for r in rows]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated prefixes of meeting names, e.g. m01,m09,ES2011c")
    parser.add_argument("--json", dest="json_out", help="also write the rows (with each draft) to this file")
    parser.add_argument("--skip-qmsum", action="store_true")
    parser.add_argument(
        "--no-cache", action="store_true", help="run every model call (for timings); replies are not stored"
    )
    parser.add_argument(
        "--cached-only",
        action="store_true",
        help="with --ablate: run no model call; a meeting that needs one is marked uncached",
    )
    parser.add_argument(
        "--rescore", metavar="JSON", help="score the drafts a --json file holds again, with today's scorer"
    )
    parser.add_argument(
        "--ablate",
        nargs="?",
        const="all",
        help="print what turning each rule off changes on each meeting (comma-separated rules, or all)",
    )
    args = parser.parse_args()
    only = {o.strip() for o in args.only.split(",")} if args.only else None
    if args.rescore:
        for kind, rows in rescore(json.loads(Path(args.rescore).read_text())).items():
            print(f"\n{kind}\n{table(rows)}")
        return
    if args.ablate:
        rules = list(RULES) if args.ablate == "all" else [r.strip() for r in args.ablate.split(",")]
        unknown = sorted(set(rules) - set(RULES))
        if unknown:
            parser.error(f"unknown rules: {', '.join(unknown)}; known: {', '.join(RULES)}")
        meetings = dev_meetings(DEV, only, qmsum=not args.skip_qmsum)
        if args.cached_only and args.no_cache:
            parser.error("--cached-only needs the cache (drop --no-cache)")
        engine = load_engine(not args.no_cache)
        if args.cached_only:
            engine.offline = True
        out = Path(args.json_out) if args.json_out else None
        print(table(ablate(engine, meetings, rules, out)))
        return
    rows = collect(DEV, only, qmsum=not args.skip_qmsum, cache=not args.no_cache)
    for kind in ("meetings", "qmsum"):
        if rows[kind]:
            print(f"\n{kind}\n{table(rows[kind])}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
