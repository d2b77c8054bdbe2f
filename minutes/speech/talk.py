"""Speakers named from the talk: who an unnamed voice is, read from what the meeting says aloud.

Meetings say people's names. Three kinds of line tell who a speaker is (a `Cue` each):
- addressed, then answering: a turn that ends by addressing a participant ("Fiona, can you confirm we're
  quorate?", "What do you think, Dev?", "Over to Dev for the budget.", "Dev." on its own, "..., Dev, could
  you ...?"; the last sentence naming anyone, in the turn's last two) is most often answered by that
  participant, so the next speaker is them; thanks look back instead ("Thanks, Graham." in a turn's first two sentences names the speaker
  before it);
- introduced: "I'm Priya", "I am Priya", "my name is Priya", "Priya here", "Priya speaking";
- office: "as chair, I ..." or "speaking as treasurer" names the speaker when exactly one participant holds
  that role on the participant list.
A speaker who addresses or thanks a participant by name is not that participant: that counts against the pair.

One line can mislead (a turn boundary placed late, someone else answering a question put to a colleague);
several lines that agree rarely do. Cues are counted per speaker label and participant, and labels and
participants are paired one to one (Hungarian assignment, as voice naming pairs them). A pair is `strong` when
at least `talk_min_lines` lines support it, nothing counts against it, and its support is at least
`talk_dominance` times that of its best rival (another participant for the label, or another label for the
participant); any other supported pair is only a suggestion. What is done with each is the caller's choice
(minutes.speech.speakers applies strong ones or suggests all, as configured). Names are matched as the
recogniser writes them, capitalised and whole; a name it misspells gives no cue, which loses a name but never
invents one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from minutes.core.speech_params import SPEAKERS, SpeakerParams
from minutes.core.types import Segment, Transcript

ADDRESSED, THANKED, INTRODUCED, OFFICE = "addressed", "thanked", "introduced", "office"
_LEAD = r"(?:(?:so|right|okay|ok|and|now|well|yes|yeah|sorry|oh|um|uh|er|erm)\b[,.]?\s+)*"
_THANKS = r"(?:thanks|thank you|cheers)"
_SENTENCE = re.compile(r"(?<=[.?!])\s+")


@dataclass(frozen=True)
class NamedPerson:
    name: str
    role: str | None = None


@dataclass(frozen=True)
class Cue:
    """A line that names a speaker: `said` is the line that says the name, `by` the named speaker's line (the
    same line for an introduction or an office), as (start, end) in seconds."""

    kind: str
    said: tuple[float, float]
    by: tuple[float, float]


@dataclass(frozen=True)
class TalkName:
    label: str
    name: str
    cues: tuple[Cue, ...]
    strong: bool


@dataclass(frozen=True)
class _Turn:
    speaker: str
    segments: tuple[Segment, ...]

    def sentences(self) -> list[tuple[tuple[float, float], str]]:
        """The turn's sentences, each with the time span of the segments it runs over (the recogniser cuts
        segments mid-sentence: "Yeah, Kieran, can you chase" / "the consent forms by Monday?")."""
        text, starts = "", []
        for seg in self.segments:
            starts.append(len(text))
            text += seg.text.strip() + " "
        out, pos = [], 0
        for sentence in _SENTENCE.split(text.strip()):
            at = text.index(sentence, pos)
            pos = at + len(sentence)
            first = max(i for i, start in enumerate(starts) if start <= at)
            last = max(i for i, start in enumerate(starts) if start < pos)
            out.append(((self.segments[first].start, self.segments[last].end), sentence))
        return out


def _turns(transcript: Transcript) -> list[_Turn]:
    """Consecutive segments of one speaker label, as turns (segments without a speaker are left out)."""
    turns: list[list[Segment]] = []
    for seg in (s for s in transcript.segments if s.speaker and s.text.strip()):
        if turns and turns[-1][-1].speaker == seg.speaker:
            turns[-1].append(seg)
        else:
            turns.append([seg])
    return [_Turn(t[0].speaker or "", tuple(t)) for t in turns]  # every one has a speaker (above)


class _Patterns:
    """The regular expressions for one participant list: each name as said (the full name, and the first
    name where no other participant shares it), each role held by exactly one participant."""

    def __init__(self, people: Sequence[NamedPerson]):
        firsts = [p.name.split()[0] for p in people]
        said: dict[str, str] = {}
        for p, first in zip(people, firsts, strict=True):
            forms = [p.name] + ([first] if firsts.count(first) == 1 and first != p.name else [])
            for form in forms:
                said[form] = p.name
        self.name_of = said
        names = "|".join(re.escape(f) for f in sorted(said, key=len, reverse=True))
        name = rf"(?P<name>{names})(?!['’]s)\b" if said else r"(?!x)x"
        self.any_name = re.compile(rf"\b{name}")
        self.opening = re.compile(rf"^{_LEAD}{name}\s*[,?!.]", re.IGNORECASE)
        self.closing = re.compile(rf",\s*{name}\s*[?.!]*$", re.IGNORECASE)
        self.over_to = re.compile(rf"\b(?:over|back)\s+to\s+(?:you,?\s+)?{name}", re.IGNORECASE)
        self.asking = re.compile(  # "..., Priya, could you take that on?" (a misheard word before the name)
            rf"\b{name},\s+(?:can|could|would|will|do|did|are|have|should)\s+you\b", re.IGNORECASE
        )
        self.addressing = (self.opening, self.closing, self.over_to, self.asking)
        self.thanks = re.compile(rf"^{_LEAD}{_THANKS},?\s+{name}", re.IGNORECASE)
        self.intro = (
            re.compile(rf"\b(?:i['’]m|i am|my name is)\s+{name}", re.IGNORECASE),
            re.compile(rf"^{_LEAD}{name},?\s+(?:here|speaking)\b(?!['’])", re.IGNORECASE),
        )
        roles = [p.role.strip() for p in people if p.role and p.role.strip()]
        self.holder = {
            p.role.strip().casefold(): p.name
            for p in people
            if p.role and p.role.strip() and roles.count(p.role.strip()) == 1
        }
        offices = "|".join(re.escape(r) for r in sorted(self.holder, key=len, reverse=True))
        self.office = (
            re.compile(
                rf"\b(?:as|speaking as)\s+(?:the\s+|your\s+)?(?P<role>{offices})\b,?\s+(?:i\b|i['’])"
                rf"|\bspeaking as\s+(?:the\s+|your\s+)?(?P<role2>{offices})\b",
                re.IGNORECASE,
            )
            if offices
            else None
        )

    def person(self, match: re.Match) -> str | None:
        """The participant a matched name is, when the recogniser wrote it capitalised as a name."""
        said = match["name"]
        return self.name_of.get(said) if said[:1].isupper() else None

    def introduction(self, sentence: str) -> re.Match | None:
        return self.intro[0].search(sentence) or self.intro[1].match(sentence)

    def names_in(self, sentence: str) -> set[str]:
        """The participants a sentence names, written as names."""
        return {name for m in self.any_name.finditer(sentence) if (name := self.person(m)) is not None}

    def vocative(self, sentence: str) -> str | None:
        """The one participant a sentence addresses by name (at its start or end, or asking "Dev, could you"); None
        for none or several."""
        if len(self.names_in(sentence)) != 1:
            return None
        m = next((m for p in self.addressing if (m := p.search(sentence))), None)
        return self.person(m) if m else None


def cues(transcript: Transcript, people: Sequence[NamedPerson]) -> tuple[dict, dict]:
    """(for, against): label -> participant name -> the cues naming that label as that participant, and the
    lines in which the label itself addresses or thanks the participant."""
    pat = _Patterns(people)
    support: dict[str, dict[str, list[Cue]]] = {}
    against: dict[str, dict[str, int]] = {}

    def add(label: str, name: str, cue: Cue) -> None:
        support.setdefault(label, {}).setdefault(name, []).append(cue)

    def deny(label: str, name: str) -> None:
        against.setdefault(label, {})[name] = against.get(label, {}).get(name, 0) + 1

    turns = _turns(transcript)
    for i, turn in enumerate(turns):
        sentences = turn.sentences()
        before, after = (turns[i - 1] if i else None), (turns[i + 1] if i + 1 < len(turns) else None)
        handover = None  # the turn's last sentence naming anyone, if it addresses them
        for k, (span, sentence) in enumerate(sentences):
            if pat.names_in(sentence):
                handover = None
            if (m := pat.thanks.match(sentence)) and (name := pat.person(m)):
                deny(turn.speaker, name)
                if k <= 1 and before is not None:  # opening thanks: for what was just said
                    add(before.speaker, name, Cue(THANKED, span, _span(before.segments[-1])))
            elif (m := pat.introduction(sentence)) and (name := pat.person(m)):
                add(turn.speaker, name, Cue(INTRODUCED, span, span))
            elif pat.office and (m := pat.office.search(sentence)):
                name = pat.holder[(m["role"] or m["role2"]).casefold()]
                add(turn.speaker, name, Cue(OFFICE, span, span))
            elif name := pat.vocative(sentence):
                deny(turn.speaker, name)
                handover = (k, span, name)
        # the turn hands over to whoever it addresses last, in its last two sentences ("Kieran, can you chase
        # the forms by Monday? Thanks.")
        if handover and handover[0] >= len(sentences) - 2 and after is not None:
            _, span, name = handover
            add(after.speaker, name, Cue(ADDRESSED, span, _span(after.segments[0])))
    return support, against


def _span(seg: Segment) -> tuple[float, float]:
    return (seg.start, seg.end)


def _lines(found: list[Cue]) -> int:
    """How many different lines say it (one line naming someone twice counts once)."""
    return len({c.said for c in found})


def names_from_talk(
    transcript: Transcript,
    people: Sequence[NamedPerson],
    taken: dict[str, str] | None = None,
    params: SpeakerParams = SPEAKERS,
) -> dict[str, TalkName]:
    """label -> the participant the talk names it as, for labels not in `taken` (label -> name already given,
    by voice or by hand) and participants not given to any label there."""
    from scipy.optimize import linear_sum_assignment

    taken = taken or {}
    support, against = cues(transcript, people)
    labels = sorted(label for label in support if label not in taken)
    names = sorted({n for label in labels for n in support[label]} - set(taken.values()))
    if not labels or not names:
        return {}
    count = [[_lines(support[label].get(n, [])) for n in names] for label in labels]
    rows, cols = linear_sum_assignment(count, maximize=True)
    out = {}
    for r, c in zip(rows, cols, strict=True):
        label, name, n = labels[r], names[c], count[r][c]
        if not n:
            continue
        rival = max(
            [count[r][j] for j in range(len(names)) if j != c]
            + [count[i][c] for i in range(len(labels)) if i != r]
            + [0]
        )
        strong = (
            n >= params.talk_min_lines
            and not against.get(label, {}).get(name)
            and n >= params.talk_dominance * rival
        )
        cited = sorted(support[label][name], key=lambda cue: cue.said)
        out[label] = TalkName(label, name, tuple(cited), strong)
    return out
