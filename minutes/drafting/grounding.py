"""The grounding check: every item's evidence must be in the transcript where it says, and name the right people.

For each item: each evidence quote must fuzzily occur (tolerant of ASR errors and punctuation) in the segments
within its time range; the item's words must overlap its evidence; an action's owner must speak or be addressed
there. An item that fails keeps its place in the draft with status "unsupported" and a note saying why.
Before that, `in_its_script` cuts a model's text where it leaves the transcript's script.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz

from minutes.core.drafting_params import DRAFTING, DraftingParams
from minutes.core.text import normalise
from minutes.core.types import Action, Decision, Draft, Evidence, Point, Segment, Transcript
from minutes.db import ItemStatus

STOPWORDS = frozenset(
    "a an and are as at be by can could do for from has have i i'll in is it its it's of on or our so that the "
    "their them then there they this to us was we we'll will with would you your yes okay right about each all any "
    "some one just really also get got need like think well good thanks everyone".split()
)


def content_words(text: str) -> set[str]:
    return {w for w in normalise(text).split() if w not in STOPWORDS and len(w) > 2}


def folded_words(text: str) -> set[str]:
    """Content words, possessives folded ("Jamie's" -> "jamie")."""
    return content_words(re.sub(r"['’]s\b", "", text))


def stems(text: str) -> set[str]:
    """Content words cut to four letters, so "booking", "book" and "booked" meet: the one measure of shared
    wording the drafting rules and the progress reader use."""
    return {w[:4] for w in folded_words(text)}


def segments_in(transcript: Transcript, ev: Evidence, tolerance: float = 0.0) -> list[Segment]:
    """The segments that overlap the evidence's time range, widened by `tolerance` seconds either side."""
    return [s for s in transcript.segments if s.end > ev.start - tolerance and s.start < ev.end + tolerance]


def quote_found(transcript: Transcript, ev: Evidence, params: DraftingParams = DRAFTING) -> bool:
    """Whether the quote occurs, give or take ASR errors and punctuation, within the evidence's time range."""
    quote = normalise(ev.quote)
    segments = segments_in(transcript, ev, params.quote_tolerance)
    if not quote or not segments:
        return False
    spoken = normalise(" ".join(s.text for s in segments))
    if len(quote) > len(spoken):
        return fuzz.ratio(quote, spoken) >= params.quote_score
    return fuzz.partial_ratio(quote, spoken) >= params.quote_score


def same_person(name: str, other: str | None) -> bool:
    """Case-insensitive; a first name matches a full name ("Priya" and "Priya Shah")."""
    if not other:
        return False
    a, b = normalise(name), normalise(other)
    return a == b or a.split()[:1] == b.split()[:1]


def owner_present(transcript: Transcript, owner: str, evidence: list[Evidence]) -> bool:
    """Whether the owner speaks, or is named, in the evidence's segments."""
    first = normalise(owner).split()[:1]
    for ev in evidence:
        for seg in segments_in(transcript, ev):
            if same_person(owner, seg.speaker) or (first and first[0] in normalise(seg.text).split()):
                return True
    return False


def problems(
    item: Decision | Action | Point, transcript: Transcript, params: DraftingParams = DRAFTING
) -> list[str]:
    """Why an item is not supported by the transcript; [] when it is."""
    text = item.task if isinstance(item, Action) else item.text
    if not item.evidence:
        return ["no evidence"]
    found = []
    missing = [i for i, ev in enumerate(item.evidence, 1) if not quote_found(transcript, ev, params)]
    if missing:
        found.append(f"evidence {', '.join(map(str, missing))}: quote not found in its time range")
    quoted = " ".join(ev.quote for ev in item.evidence)
    if not content_words(text) & content_words(quoted):
        found.append("the item's words do not appear in its evidence")
    if isinstance(item, Action) and item.owner and not owner_present(transcript, item.owner, item.evidence):
        found.append("the owner neither speaks nor is addressed in the evidence")
    return found


def verify(draft: Draft, transcript: Transcript, params: DraftingParams = DRAFTING) -> Draft:
    """Mark each decision, action and discussion point supported or unsupported, with a note per failure.
    Returns the same draft."""
    kinds: list[tuple[str, Sequence[Decision | Action | Point]]]
    kinds = [("decision", draft.decisions), ("action", draft.actions), ("point", draft.points)]
    for kind, items in kinds:
        for n, item in enumerate(items, 1):
            found = problems(item, transcript, params)
            item.status = ItemStatus.UNSUPPORTED if found else ItemStatus.SUPPORTED
            if found:
                draft.notes.append(f"{kind} {n} unsupported: {'; '.join(found)}")
    return draft


_UNSUPPORTED = re.compile(r"(decision|action|point) (\d+) unsupported: (.+)")


def unsupported_reasons(notes: list[str]) -> dict[str, str]:
    """Why each item `verify` marked unsupported, by item reference (a2, d1, p3), read back from its notes: the
    review shows the reason on the item itself, not only in the notes further down."""
    found = (_UNSUPPORTED.fullmatch(note) for note in notes)
    return {f"{m[1][0]}{m[2]}": m[3] for m in found if m}


def in_its_script(text: str, source: str) -> str:
    """`text` up to the first letter of a script `source` never uses, back to its last full sentence if it has
    one: the multilingual 1.5B model now and then slips into Chinese mid-item ("... sent to the website.
    The修订"). Letters beyond Latin Extended count only when the source has them, so names in other scripts
    stay."""
    seen = set(source)
    for i, char in enumerate(text):
        if char.isalpha() and ord(char) > 0x24F and char not in seen:
            head = text[:i]
            sentence = max(head.rfind(". "), head.rfind("! "), head.rfind("? "))
            if sentence > 0:
                return head[: sentence + 1].strip()
            return head.strip()
    return text
