"""Text as compared word by word, the same way everywhere: a repeated recognition segment, an evidence quote
against what was said, a withdrawn person's words in a draft; and counts as the messages say them."""

from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"[^\w\s']")  # apostrophes stay: "we'll" is one word


def normalise(text: str) -> str:
    """Case-folded, punctuation turned to spaces, whitespace collapsed."""
    return " ".join(_PUNCTUATION.sub(" ", text.casefold()).split())


def counted(n: int, one: str, many: str | None = None) -> str:
    """ "1 action", "3 actions": a count with its noun, plural unless it is one (`many` for irregular ones)."""
    return f"{n} {one if n == 1 else (many or one + 's')}"
