"""One meaning per class name: two public classes in minutes/, consent/ or models/ may not share a name, so that
a name read anywhere (a traceback, a grep, an import) means one thing. Read from the source with `ast`, so a
class defined under a condition or inside a function counts too. Private (`_`) names stay inside their module.

The exceptions are the item concepts that still have a table and a stage record of the same fields (both built
from minutes.db.domain's mixins): issue 43 item 2 makes each one model, and this list shrinks with it. No name
may be added to it."""

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("minutes", "consent", "models")
# table (models/) and stage record (minutes/core/types.py) of one concept, pending one model per concept
TABLE_AND_RECORD = {"Action", "Decision", "Draft", "Flag", "Point", "Segment", "Transcript", "Word"}


def classes() -> dict[str, list[str]]:
    where: dict[str, list[str]] = defaultdict(list)
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
                if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                    where[node.name].append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return where


def test_no_two_classes_share_a_name():
    where = classes()
    assert len(where) > 150  # the tree was read
    shared = {
        name: places for name, places in where.items() if len(places) > 1 and name not in TABLE_AND_RECORD
    }
    assert shared == {}, "rename one side so each name means one thing: " + "; ".join(
        f"{name} in {', '.join(places)}" for name, places in sorted(shared.items())
    )


def test_the_exceptions_are_still_needed():
    """An exception whose pair has gone (one model per concept) leaves the list, so it cannot hide a new one."""
    where = classes()
    assert {name for name in TABLE_AND_RECORD if len(where[name]) == 2} == TABLE_AND_RECORD
    for name in TABLE_AND_RECORD:
        assert sorted(p.split("/")[0] for p in where[name]) == ["minutes", "models"], where[name]
