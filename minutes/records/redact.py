"""A withdrawn person's name wherever the meeting's records hold it, and the words that rest on their lines.

Their name inside other people's words is their personal data, so a withdrawal redacts it everywhere (see
docs/privacy.md). `NameMatcher` finds it as written:
- the registered name, whole, in any case, spaces inside it matching any run of whitespace;
- each part of it that identifies them in this meeting: a first name or surname that no other participant's
  name shares (titles and suffixes such as "Mr" or "Jr." are not parts), as capitalised, with or without a title
  before it ("Lee", "Mr Lee");
- every other spelling known: the ones a reviewer corrected to their name (the AI wrote the owner "Thom", as the
  transcript had it, and a reviewer made it "Tom": `corrected_spellings`), and the ones the clerk gives when
  recording the withdrawal.
A name is matched as a whole: no letter, digit or underscore right before or after it. That is not `\\b`, which
needs a word character at the name's own edge, so "Ann Lee Jr.", "Bo)" or a name ending in an emoji match too.

`rests_on` tells a drafting note or a summary sentence that repeats the person's words (four words in a row of
one of their lines) from one that does not.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from minutes.core import types
from minutes.core.text import normalise

# Words that go with a name without identifying anyone: titles before it, suffixes after it.
TITLES = ("mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "rev", "cllr")
SUFFIXES = ("jr", "sr", "ii", "iii", "iv")
NAME_FIELDS = ("owner", "proposer", "seconder")  # item fields that hold a name and nothing else
SPAN = 4  # words in a row that make a note or a summary sentence a repeat of someone's line
_TITLE = r"(?:(?i:{})\.?\s+)?".format("|".join(TITLES))
EDGE = ".,;:!?\"'“”‘’()[]"


def _phrase(text: str) -> str:
    return r"\s+".join(re.escape(piece) for piece in text.split())


def name_parts(name: str, others: Iterable[str]) -> list[str]:
    """The parts of a name that identify its holder among `others` (the meeting's other names)."""
    pieces = [p.strip(EDGE) for p in name.split()]
    if len(pieces) < 2:
        return []
    taken = {p.strip(EDGE).casefold() for other in others for p in other.split()}
    return [
        p
        for p in pieces
        if len(p) >= 2
        and any(c.isalpha() for c in p)
        and p.casefold().rstrip(".") not in TITLES + SUFFIXES
        and p.casefold() not in taken
    ]


@dataclass(frozen=True)
class NameMatcher:
    """The person's name in all its known forms, as one pattern (see the module docstring)."""

    pattern: re.Pattern[str]
    spellings: tuple[str, ...]  # the whole forms matched, the registered name first

    def search(self, text: str | None) -> bool:
        return text is not None and self.pattern.search(text) is not None

    def is_name(self, text: str | None) -> bool:
        """Whether `text` is the name and nothing else (punctuation around it aside)."""
        if not text:
            return False
        return bool(self.pattern.fullmatch(text.strip()) or self.pattern.fullmatch(text.strip().strip(EDGE)))

    def sub(self, text: str, replacement: str) -> tuple[str, int]:
        """`text` with every form of the name replaced, and how many were."""
        return self.pattern.subn(replacement, text)

    def words(self, words: list[str], replacement: str) -> list[str]:
        """One segment's words with the name replaced across them: a name spanning several words leaves the
        replacement in its first word and the others empty (""), for the caller to delete."""
        cores = [w.strip() for w in words]
        joined, owner = "", []
        for i, core in enumerate(cores):
            if i:
                joined += " "
                owner.append(-1)
            joined += core
            owner += [i] * len(core)
        spans = [m.span() for m in self.pattern.finditer(joined)]
        if not spans:
            return list(words)
        new, cursor = [""] * len(words), 0
        for start, end in [*spans, (len(joined), len(joined))]:
            for c in range(cursor, start):
                if owner[c] >= 0:
                    new[owner[c]] += joined[c]
            if start < len(joined):
                new[owner[start]] += replacement
            cursor = end
        return [w[: len(w) - len(w.lstrip())] + n if n else "" for w, n in zip(words, new, strict=True)]


def matcher(name: str, spellings: Iterable[str] = (), others: Iterable[str] = ()) -> NameMatcher:
    """The matcher for `name`, its other `spellings`, and its parts not shared with `others`' names."""
    others = [o for o in others if o.casefold() != name.casefold()]
    whole = list(dict.fromkeys(s.strip() for s in (name, *spellings) if s and s.strip()))
    parts = [p for p in name_parts(name, others) if p.casefold() not in {w.casefold() for w in whole}]
    forms = sorted(
        [(f"(?i:{_phrase(w)})", len(w)) for w in whole] + [(_TITLE + re.escape(p), len(p)) for p in parts],
        key=lambda f: -f[1],  # longest first: "Tom Baker" before "Tom"
    )
    return NameMatcher(re.compile(rf"(?<!\w)(?:{'|'.join(f for f, _ in forms)})(?!\w)"), tuple(whole))


def _tokens(text: str | None) -> list[str]:
    return (text or "").split()


def corrected_spellings(original: types.Draft, current: dict[str, dict], names: NameMatcher) -> set[str]:
    """Spellings a reviewer corrected to the person's name: where an item's field held something else in the
    AI's draft and the reviewer's version has the name there. `current`: item ref (d1, a2, f1, p1) -> the
    reviewer's fields of that AI item."""
    found: set[str] = set()
    kinds = (
        ("d", original.decisions),
        ("a", original.actions),
        ("f", original.flags),
        ("p", original.points),
    )
    for prefix, items in kinds:
        for i, item in enumerate(items):
            now = current.get(f"{prefix}{i + 1}")
            if now is None:
                continue
            for key, new in now.items():
                old = getattr(item, key, None)
                if not isinstance(old, str) or not isinstance(new, str) or old == new:
                    continue
                if key in NAME_FIELDS:
                    if names.is_name(new) and not names.is_name(old):
                        found.add(old.strip())
                    continue
                found |= _replaced_by_name(_tokens(old), _tokens(new), names)
    return {f for f in found if f and any(c.isalpha() for c in f)}


def _replaced_by_name(old: list[str], new: list[str], names: NameMatcher) -> set[str]:
    """The words of `old` that an edit replaced by the name: at most three, each capitalised (a name as written,
    not "the head" rewritten as "Tom")."""
    out = set()
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        was = [w.strip(EDGE) for w in old[i1:i2]]
        if (
            op == "replace"
            and len(was) <= 3
            and all(w[:1].isupper() for w in was)
            and names.is_name(" ".join(new[j1:j2]))
        ):
            out.add(" ".join(was))
    return out


def rests_on(text: str, lines: list[str]) -> bool:
    """Whether `text` repeats SPAN words in a row of one of `lines` (their words, as drafting would quote them)."""
    words = normalise(text).split()
    grams = {tuple(words[i : i + SPAN]) for i in range(len(words) - SPAN + 1)}
    if not grams:
        return False
    for line in lines:
        spoken = normalise(line).split()
        if any(tuple(spoken[i : i + SPAN]) in grams for i in range(len(spoken) - SPAN + 1)):
            return True
    return False


def sentences(text: str) -> list[str]:
    """A summary's sentences, each with its closing punctuation."""
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
