"""Where each missed gold item is lost: every school dev meeting drafted from the reply cache (no model call), each
gold decision, action (owner right) and due date the draft misses traced through the stages.

    python bench/losses.py [--only m10,m12]

Stages, first that applies: the item's words are on no candidate line (`windows`); no model reply lists it
(chunk or second look); a rule dropped it (its note); merging, the final pass or `repeats_action` removed it;
the action is drafted for another owner; the due phrase is missing or resolved to another date. The words of
a gold item are its judge.json terms, so "listed" means listed in terms the scorer would match.
The table in docs/drafting-rules.md ("Where the drafts lose items") is this script's output, read and checked.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.cached_engine import CachedEngine  # noqa: E402
from bench.quality_extraction import _best_action, _decision_hit, _has, dev_meetings, load_engine  # noqa: E402
from minutes.core.drafting_params import DRAFTING  # noqa: E402
from minutes.drafting import extract as extract_mod  # noqa: E402
from minutes.drafting import rules, windows  # noqa: E402


class Trace:
    """What the stages did to the items, recorded by wrapping the cached engine and two rules."""

    def __init__(self) -> None:
        self.replies: list[tuple[str, dict]] = []  # (kind, parsed reply)
        self.merged: list[tuple[str, str]] = []  # (item text merged away, the one it went into)
        self.repeats: set[str] = set()  # decisions found to restate an action

    def install(self, engine: CachedEngine):
        real_completion, real_merge, real_repeats = engine._completion, rules.merge, rules.repeats_an_action

        def completion(model, messages, schema, limit, run):
            reply = real_completion(model, messages, schema, limit, run)
            props = set(schema.get("properties", {}))
            kind = "chunk" if props & {"actions", "decisions"} else "look" if props else "other"
            if "sources" in json.dumps(schema):
                kind = "consolidate"
            try:
                self.replies.append((kind, json.loads(reply)))
            except json.JSONDecodeError:
                pass
            return reply

        def merge(items, same):
            out = real_merge(items, same)
            kept = {id(x) for x in out}
            for x in items:
                if id(x) not in kept:
                    into = next((y for y in out if same(x, y)), None)
                    self.merged.append((_text(x), _text(into) if into else "?"))
            return out

        def repeats(d, every, params=DRAFTING):
            hit = real_repeats(d, every, params)
            if hit:
                self.repeats.add(d.text)
            return hit

        engine._completion = completion
        rules.merge, rules.repeats_an_action = merge, repeats
        return lambda: (
            setattr(engine, "_completion", real_completion),
            setattr(rules, "merge", real_merge),
            setattr(rules, "repeats_an_action", real_repeats),
        )


def _text(item) -> str:
    return getattr(item, "text", None) or getattr(item, "task", "")


def _listed(trace: Trace, kind: str, match) -> list[str]:
    """Where the model's replies list an item matching: 'chunk: text (owners, outcome)', 'look: text'."""
    out = []
    for where, reply in trace.replies:
        if where == "chunk":
            for x in reply.get(kind + "s", []):
                t = x.get("text") or x.get("task") or ""
                if match(t):
                    extra = x.get("owners") or x.get("outcome")
                    out.append(
                        f"chunk: {t} [{extra}{'; due ' + str(x.get('due')) if kind == 'action' else ''}]"
                    )
        elif where == "look":
            t = reply.get("decision" if kind == "decision" else "task") or ""
            if t and match(t):
                out.append(f"look: {t}" + (f" [due {reply.get('due')}]" if kind == "action" else ""))
    return out


def trace_meeting(engine: CachedEngine, meeting) -> list[dict]:
    trace = Trace()
    undo = trace.install(engine)
    try:
        draft = extract_mod.extract(engine, meeting.transcript, meeting.participants, meeting.day)
    finally:
        undo()
    lines = windows.lines_of(meeting.transcript)
    names = [p.split(":")[0] for p in meeting.participants]
    chunks = extract_mod._chunks(lines, names, engine, DRAFTING.chunk_tokens, True, DRAFTING)
    shown = {x.number for part in chunks for x in part}
    judge = meeting.gold
    rows = []

    def candidate(terms: list[str]) -> str:
        on = [x for x in lines if _has(x.text, terms)]
        inside = [x.number for x in on if x.number in shown]
        return f"term lines {[x.number for x in on][:8]}, candidate {inside[:8]}"

    for g in judge["decisions"]:
        if any(_decision_hit(d.text, g) for d in draft.decisions):
            continue
        match = partial(_decision_hit, gold=g)
        rows.append(
            {
                "kind": "decision",
                "gold": g["name"],
                "listed": _listed(trace, "decision", match),
                "notes": [n for n in draft.notes if match(n)],
                "merged": [m for m in trace.merged if match(m[0])],
                "repeats": [t for t in trace.repeats if match(t)],
                "points": [p.text for p in draft.points if match(p.text)],
                "candidate": candidate(g.get("all", []) + g.get("any", [])),
            }
        )
    for g in judge["actions"]:
        terms = [t.lower() for t in g["any"]]
        hit = _best_action(draft, g)
        if hit is not None and (not g["due"] or hit.due == g["due"]):
            continue
        match = partial(_has, terms=terms)
        rows.append(
            {
                "kind": "due" if hit else "action",
                "gold": f"{g['owner']}: {g['name']} (due {g['due']})",
                "drafted": [f"{a.owner}: {a.task} (due {a.due})" for a in draft.actions if match(a.task)],
                "listed": _listed(trace, "action", match),
                "notes": [n for n in draft.notes if match(n)],
                "merged": [m for m in trace.merged if match(m[0])],
                "candidate": candidate(g["any"]),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", help="comma-separated meeting names (prefix match)")
    args = parser.parse_args()
    engine = load_engine()
    engine.offline = True
    only = set(args.only.split(",")) if args.only else None
    count: Counter = Counter()
    for meeting in dev_meetings(qmsum=False):
        if only and not any(meeting.name.startswith(o) for o in only):
            continue
        for row in trace_meeting(engine, meeting):
            count[row["kind"]] += 1
            print(f"\n## {meeting.name[:3]} {row.pop('kind')}: {row.pop('gold')}")
            for k, v in row.items():
                if v:
                    print(f"  {k}: {v}")
    print("\nmissed:", dict(count))


if __name__ == "__main__":
    main()
