"""One meaning per class name: two public classes in minutes/, consent/ or models/ may not share a name, so that
a name read anywhere (a traceback, a grep, an import) means one thing. Read from the source with `ast`, so a
class defined under a condition or inside a function counts too. Private (`_`) names stay inside their module.

There are no exceptions: a table whose concept also has a stage record (minutes.core.types) ends in `Row`
(`DraftRow` beside the record `Draft`, `SegmentRow` beside `Segment`), keeping its table name."""

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("minutes", "consent", "models")


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
    shared = {name: places for name, places in where.items() if len(places) > 1}
    assert shared == {}, "rename one side so each name means one thing: " + "; ".join(
        f"{name} in {', '.join(places)}" for name, places in sorted(shared.items())
    )
