"""What extraction needs from a model (minutes.engines.extractor gives the real one; tests use canned replies)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Protocol, TypeVar

Messages = list[dict[str, str]]
T = TypeVar("T")
R = TypeVar("R")


class Completes(Protocol):
    """A model that completes a chat under a JSON schema."""

    def complete(self, messages: Messages, schema: dict, max_new_tokens: int) -> str: ...


class Engine(Completes, Protocol):
    """What extraction needs from a model: count tokens, complete a chat under a JSON schema, keep the fixed
    opening of the prompts to come ready (an engine without a prompt cache does nothing), run calls that
    do not depend on each other (a chunk's turns, the second looks) side by side where it can, and answer
    yes/no questions by classification (prefill only, where a small model judges better than it writes)."""

    def count_tokens(self, text: str) -> int: ...

    def keep_prefix(self, messages: Messages) -> None: ...

    def classify(self, opening: Messages, questions: Sequence[str]) -> list[float]:
        """P(yes) for each question put as a user turn after `opening` (instructions and worked examples
        answered "Yes" or "No"), read from the model's next-token distribution; nothing is generated."""
        ...

    def map(self, work: Callable[[Completes, T], R], items: Sequence[T]) -> Iterator[R]:
        """`work(model, item)` for each item, results in the items' order; `work` calls only `complete`."""
        ...
