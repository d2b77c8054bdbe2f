"""Candidate windows: the few transcript lines where something may be decided or assigned, packed into chunks.

A 1 h meeting is 10-13k tokens; a small local model cannot read it all quickly. Cheap lexical cues (agreement,
proposals, requests, commitments, deadlines, a participant addressed by name) mark cue lines; each cue line brings
its neighbours as context; overlapping windows merge. Chunks hold whole windows up to a token budget.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from minutes.core.types import Transcript

WEEKDAYS = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
MONTHS = r"(?:january|february|march|april|june|july|august|september|october|november|december)"  # not "may"

CUES = re.compile(
    r"\b(?:agree[ds]?|agreed|decide[ds]?|decision|approve[ds]?|settled on|that's settled|resolved|go with|"
    r"go ahead|shall we|should we|let['’]?s|we['’]ll|we will|we['’]re going to|we are going to|"
    r"will you|can you|could you|would you|please|"
    r"i['’]ll|i will|i['’]m going to|i can do|leave it with me|"
    r"action|deadline|by (?:the )?(?:end|next|this|tomorrow|" + WEEKDAYS + r")|"
    r"before (?:the )?(?:end|next|half term|" + WEEKDAYS + r")|"
    r"next (?:week|meeting|term|month|" + WEEKDAYS + r")|tomorrow|" + WEEKDAYS + r"|" + MONTHS + r"|"
    r"come back to|postpone|defer|park (?:it|that|this))\b",
    re.IGNORECASE,
)


# Lines that settle something beyond doubt ("Agreed.", "Carried.", "coaches it is").
SETTLES = re.compile(
    r"\b(?:agreed|carried|all in favou?r|unanimous(?:ly)?|resolved|(?:we )?approved?|decided|"
    r"(?:that|it)['’]s settled|go with that|fine by me|(?:no|any) objections?|(?:are we )?all content|"
    r"scrap that|change of plan)\b|"  # a new decision in place of an earlier one
    r"\b\w+ it is(?: then)?\b[.,!]|"
    # the chair summing up: "Right then. Nothing set over Christmas", "Right, so from the next unit test ..."
    r"^(?:right|okay|ok|so)[,.]?\s+(?:then|so)\b[,.]?\s+\w+(?:\W+\w+){3}",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Line:
    """One transcript segment as the model sees it; `number` is 1-based over the whole transcript."""

    number: int
    start: float
    end: float
    speaker: str | None
    text: str

    def render(self) -> str:
        return f"{self.number} {self.speaker or 'Unknown'}: {self.text}"


def lines_of(transcript: Transcript) -> list[Line]:
    """Every segment with words in it, numbered in transcript order."""
    return [
        Line(i, s.start, s.end, s.speaker, " ".join(s.text.split()))
        for i, s in enumerate(transcript.segments, start=1)
        if s.text.strip()
    ]


def is_cue(line: Line, participants: Iterable[str] = ()) -> bool:
    """A line that may hold a decision or an assignment: a lexical cue, or a participant addressed by name."""
    if CUES.search(line.text) or SETTLES.search(line.text):
        return True
    return any(re.search(rf"(?:^|[.?!]\s*){re.escape(name)}\s*,", line.text) for name in participants if name)


def select(
    lines: list[Line], participants: Iterable[str] = (), before: int = 1, after: int = 1
) -> list[list[Line]]:
    """The candidate windows: runs of consecutive lines around cue lines, in order, without overlap."""
    names = list(participants)
    keep = [False] * len(lines)
    for i, line in enumerate(lines):
        if is_cue(line, names):
            for j in range(max(0, i - before), min(len(lines), i + after + 1)):
                keep[j] = True
    windows: list[list[Line]] = []
    for i, line in enumerate(lines):
        if not keep[i]:
            continue
        if windows and i > 0 and keep[i - 1]:
            windows[-1].append(line)
        else:
            windows.append([line])
    return windows


def chunk(windows: list[list[Line]], count_tokens: Callable[[str], int], budget: int) -> list[list[Line]]:
    """Pack whole windows into chunks of at most `budget` tokens of rendered lines (a longer window is split)."""
    chunks: list[list[Line]] = []
    current: list[Line] = []
    used = 0
    for window in windows:
        costs = [count_tokens(line.render()) + 1 for line in window]
        if current and used + sum(costs) > budget:
            chunks.append(current)
            current, used = [], 0
        for line, cost in zip(window, costs, strict=True):
            if current and used + cost > budget:
                chunks.append(current)
                current, used = [], 0
            current.append(line)
            used += cost
    if current:
        chunks.append(current)
    return chunks


def render(lines: list[Line]) -> str:
    """Lines as the model reads them, with '...' where lines were left out between windows."""
    out: list[str] = []
    for prev, line in zip([None, *lines], lines, strict=False):
        if prev is not None and line.number != prev.number + 1:
            out.append("...")
        out.append(line.render())
    return "\n".join(out)
