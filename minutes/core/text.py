"""Text as compared word by word, the same way everywhere: a repeated recognition segment, an evidence quote
against what was said, a withdrawn person's words in a draft."""

from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"[^\w\s']")  # apostrophes stay: "we'll" is one word


def normalise(text: str) -> str:
    """Case-folded, punctuation turned to spaces, whitespace collapsed."""
    return " ".join(_PUNCTUATION.sub(" ", text.casefold()).split())
