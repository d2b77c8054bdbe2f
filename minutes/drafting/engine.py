"""What extraction needs from a model (minutes.engines.extractor gives the real one; tests use canned replies)."""

from __future__ import annotations

from typing import Protocol

Messages = list[dict[str, str]]


class Engine(Protocol):
    """What extraction needs from a model: count tokens, and complete a chat under a JSON schema."""

    def count_tokens(self, text: str) -> int: ...

    def complete(self, messages: Messages, schema: dict, max_new_tokens: int) -> str: ...
