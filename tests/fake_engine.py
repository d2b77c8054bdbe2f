"""A fake extraction engine with canned replies, for unit-testing the rules around the model (the Engine protocol
of minutes.drafting.engine) on invented lines. No model is loaded."""

import json
from collections.abc import Callable
from datetime import date

from minutes.core.types import Segment, Transcript
from minutes.drafting import judge

WEDNESDAY = date(2026, 11, 18)


def decides(question: str) -> float:
    """The default judge: yes to every question whether a decision was settled (minutes.drafting.judge), so the
    rules around it are tested on the items the canned replies give; no to any other question."""
    return 1.0 if judge.MINUTE in question or judge.MARKED in question else 0.0


class FakeEngine:
    """Canned replies in order (a chunk's two turns given as a pair); records what it was asked. Second looks
    at single cue lines are answered from `looks` in order, then with "nothing here", and recorded apart."""

    def __init__(self, *replies, looks=(), judge: Callable[[str], float] = decides):
        flat = [x for r in replies for x in (r if isinstance(r, tuple) else (r,))]
        self.replies = [r if isinstance(r, str) else json.dumps(r) for r in flat]
        self.looks = list(looks)
        self.asked: list[tuple[list, dict]] = []
        self.looked: list[str] = []
        self.judge = judge  # P(yes) for a question put to `classify`
        self.judged: list[str] = []

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def keep_prefix(self, messages) -> None:
        self.opening = messages

    def map(self, work, items):
        return (work(self, item) for item in items)

    def classify(self, opening, questions):
        self.classify_opening = opening
        self.judged += questions
        return [self.judge(q) for q in questions]

    def complete(self, messages, schema, max_new_tokens):
        fields = schema["properties"]
        if "decision" in fields or "task" in fields:
            self.looked.append(messages[-1]["content"])
            return json.dumps(self.looks.pop(0) if self.looks else dict.fromkeys(fields))
        self.asked.append((messages, schema))
        return self.replies.pop(0)


def meeting(*rows) -> Transcript:
    return Transcript(
        language="en",
        duration=6.0 * len(rows),
        segments=[
            Segment(start=i * 6.0, end=i * 6.0 + 5.0, text=text, speaker=who)
            for i, (who, text) in enumerate(rows)
        ],
    )


def reply(decisions=(), actions=(), points=()):
    """A chunk's two replies: its actions, then its decisions and discussion points."""
    return {"actions": list(actions)}, {"decisions": list(decisions), "points": list(points)}
