"""What extraction needs from a model (minutes.engines.extractor gives the real one; tests use canned replies)."""

from __future__ import annotations

from typing import Protocol

Messages = list[dict[str, str]]


class Engine(Protocol):
    """What extraction needs from a model: count tokens, complete a chat under a JSON schema, and keep the fixed
    opening of the prompts to come ready (an engine without a prompt cache does nothing)."""

    def count_tokens(self, text: str) -> int: ...

    def keep_prefix(self, messages: Messages) -> None: ...

    def complete(self, messages: Messages, schema: dict, max_new_tokens: int) -> str: ...
