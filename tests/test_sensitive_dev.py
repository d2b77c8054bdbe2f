"""Every sensitive item of every dev meeting (tests/data/dev/meetings, reference transcripts) is flagged, and none
of its words reaches a decision, action, discussion point, note or the summary, even from a model that writes
down everything it is shown: an engine that answers each chunk with every line it was given, as a decision,
an action and a point. The model's yes/no layer is left out (it answers no), so this checks the lexical
layers and the withholding alone; tests/test_sensitive_model.py runs the real classifier over the meetings."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from bench.quality_extraction import stm_transcript
from minutes.drafting import prompts
from minutes.drafting.extract import extract

MEETINGS = Path(__file__).parent / "data" / "dev" / "meetings"
NAMES = sorted(p.name for p in MEETINGS.iterdir() if p.is_dir())
SHOWN = re.compile(r"^(\d+) [^:\n]+: (.+)$", re.MULTILINE)


class Parrot:
    """An engine that writes down every line it is shown, as an action, a decision and a discussion point."""

    def __init__(self):
        self.shown: dict[int, str] = {}

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def keep_prefix(self, messages) -> None:
        pass

    def map(self, work, items):
        return (work(self, item) for item in items)

    def classify(self, opening, questions):
        return [0.0 for _ in questions]

    def complete(self, messages, schema, max_new_tokens):
        fields = schema["properties"]
        if "decision" in fields or "task" in fields or "from" in json.dumps(fields):
            return json.dumps(dict.fromkeys(fields) if "decisions" not in fields else {"decisions": []})
        chunk = next(
            m["content"] for m in reversed(messages) if m["role"] == "user" and SHOWN.search(m["content"])
        )
        said = {int(n): text for n, text in SHOWN.findall(chunk)}
        self.shown |= said
        if "actions" in fields:
            return json.dumps(
                {
                    "actions": [
                        {"lines": [n], "task": t, "owners": [], "kind": prompts.KINDS[0], "due": None}
                        for n, t in said.items()
                    ]
                }
            )
        return json.dumps(
            {
                "decisions": [{"lines": [n], "text": t, "outcome": "agreed"} for n, t in said.items()],
                "points": [{"lines": [n], "text": t} for n, t in said.items()],
            }
        )


@pytest.mark.parametrize("name", NAMES)
def test_every_sensitive_item_is_flagged_and_none_of_its_words_reaches_the_draft(name):
    folder = MEETINGS / name
    judge = json.loads((folder / "judge.json").read_text(encoding="utf-8"))
    transcript = stm_transcript(folder / "reference.stm")
    engine = Parrot()
    draft = extract(
        engine, transcript, judge["participants"], date.fromisoformat(judge["meeting_date"]), selection=False
    )
    spans = [(e.start, e.end) for f in draft.flags for e in f.evidence]
    written = " ".join(
        [
            draft.summary,
            *draft.notes,
            *(d.text for d in draft.decisions),
            *(a.task for a in draft.actions),
            *(p.text for p in draft.points),
        ]
    ).lower()
    assert engine.shown  # the parrot was shown the meeting
    for item in judge["sensitive"]:
        held = [s for s in transcript.segments if any(t in s.text.lower() for t in item["any"])]
        assert any(a <= s.start + 0.01 and s.end <= b + 0.01 for s in held for a, b in spans), item["name"]
        assert not [t for t in item["any"] if t in written], item["name"]
        assert not [t for t in item["any"] for text in engine.shown.values() if t in text.lower()]
    if not judge["sensitive"]:
        assert len(engine.shown) >= 0.9 * len(
            transcript.segments
        )  # a meeting with nothing private is drafted
