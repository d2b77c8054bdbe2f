"""The reply schemas the extractor decodes under, pinned as the GBNF grammars llama.cpp builds from them.

tests/data/reply_grammars.json holds the grammars of the hand-written schema dicts as they were before the
schemas were derived from the pydantic reply models (commit b877877); an equal grammar is proof that the model
is held to exactly the same replies (same fields, order, caps and enums), so no drafting figure can move.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from llama_cpp.llama_grammar import json_schema_to_gbnf

from minutes.drafting import prompts

PINNED = json.loads((Path(__file__).parent / "data" / "reply_grammars.json").read_text(encoding="utf-8"))

CASES = {
    "actions 1-3, two owners": lambda: prompts.actions_schema([1, 2, 3], ["Tom", "Helen (teacher)"]),
    "actions 5, no owners": lambda: prompts.actions_schema([5], []),
    "actions, no lines": lambda: prompts.actions_schema([], ["Zoë"]),
    "actions 1-29, four owners": lambda: prompts.actions_schema(
        list(range(1, 30)), ["Ann (chair)", "Ben", "Cara", "Dan (headteacher)"]
    ),
    "decisions 1-2": lambda: prompts.decisions_schema([1, 2]),
    "decisions 7-10": lambda: prompts.decisions_schema([7, 8, 9, 10]),
    "decisions, no lines": lambda: prompts.decisions_schema([]),
    "consolidate 1": lambda: prompts.consolidate_schema(1),
    "consolidate 5": lambda: prompts.consolidate_schema(5),
    "second look, decision": lambda: prompts.second_look_schema("decision"),
    "second look, task": lambda: prompts.second_look_schema("task"),
}


def grammar(schema: dict) -> str:
    """The grammar as minutes.engines.llama builds it (before `compact`, which depends on nothing else)."""
    return json_schema_to_gbnf(json.dumps(schema))


def test_every_case_is_pinned():
    assert set(CASES) == set(PINNED["grammars"])


@pytest.mark.parametrize("case", list(CASES))
def test_reply_grammar_is_unchanged(case):
    assert grammar(CASES[case]()) == PINNED["grammars"][case]
