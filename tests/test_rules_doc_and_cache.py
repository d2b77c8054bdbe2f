"""The drafting rules' page lists every switch there is and no other, and the bench's reply cache, told not to
run the model (an ablation's first pass), answers what it holds and refuses the rest."""

import re
from pathlib import Path

import pytest

from bench.cached_engine import CachedEngine, Uncached
from minutes.core.drafting_params import RULES

DOC = Path(__file__).resolve().parents[1] / "docs" / "drafting-rules.md"


def test_every_rule_has_a_row_on_the_rules_page_and_every_row_a_rule():
    text = DOC.read_text(encoding="utf-8")
    table = text.split("## Every rule", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \|", table, re.MULTILINE)
    assert sorted(rows) == sorted(RULES)


class Counting:
    """A stand-in model that says which calls reached it."""

    name = "counting"
    weights = "counting-1"

    def __init__(self):
        self.ran = []

    def count_tokens(self, text):
        return len(text.split())

    def keep_prefix(self, messages):
        pass

    def complete(self, messages, schema, max_new_tokens):
        self.ran.append(messages[-1]["content"])
        return '{"ok": true}'

    def classify(self, opening, questions):
        self.ran += list(questions)
        return [0.5 for _ in questions]


def test_an_offline_cache_answers_what_it_holds_and_refuses_the_rest(tmp_path):
    model = Counting()
    online = CachedEngine(model, path=tmp_path / "replies.sqlite")
    asked = [{"role": "user", "content": "held"}]
    assert online.complete(asked, {}, 10) == '{"ok": true}'
    assert online.classify(asked, ["held?"]) == [0.5]
    online.close()
    offline = CachedEngine(model, path=tmp_path / "replies.sqlite", offline=True)
    assert offline.complete(asked, {}, 10) == '{"ok": true}'
    assert offline.classify(asked, ["held?"]) == [0.5]
    with pytest.raises(Uncached):
        offline.complete([{"role": "user", "content": "new"}], {}, 10)
    with pytest.raises(Uncached):
        offline.classify(asked, ["new?"])
    assert model.ran == ["held", "held?"]  # the model ran only while online
