"""The dev meetings (tests/data/dev/meetings) as a clerk would file them, with their gold items as a draft.

`tests/data/clerk/dev_meetings.json` says, for each meeting, what a clerk gives and expects: the agenda,
attendance, the lines each gold item of `judge.json` rests on, reviewers' moves, the items expected under each
agenda item, motions, a flag sent to part 2 and the next meeting's date. The draft holds the gold decisions and
actions citing those lines, so the minutes can be checked without running a model."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from processed_meeting import Fixture, Line, stm_lines

from minutes.core import types

DATA = Path(__file__).parent / "data"
MEETINGS = DATA / "dev" / "meetings"
FILED = json.loads((DATA / "clerk" / "dev_meetings.json").read_text(encoding="utf-8"))
# the meetings a clerk has filed; m10-m12 came later, for drafting and sensitive-matter checks only
NAMES = sorted(p.name for p in MEETINGS.iterdir() if p.is_dir() and p.name in FILED)


@dataclass(frozen=True)
class DevMeeting:
    name: str
    judge: dict
    filed: dict
    lines: list[Line]

    def gold(self, ref: str) -> dict:
        """A judge.json item by reference: d1 is the first decision, a1 the first action."""
        return self.judge["decisions" if ref[0] == "d" else "actions"][int(ref[1:]) - 1]

    def quoted(self, quote: str) -> Line:
        """The one transcript line holding `quote`."""
        (found,) = [x for x in self.lines if quote in x.text]
        return found

    def evidence(self, quotes: list[str]) -> list[types.Evidence]:
        return [types.Evidence(start=x.start, end=x.end, quote=x.text) for x in map(self.quoted, quotes)]

    def fixture(self) -> Fixture:
        roles = self.filed["roles"]
        people = [f"{p}:{roles[p]}" if p in roles else p for p in self.judge["participants"]]
        return Fixture(self.filed["title"], self.judge["meeting_date"], people, self.lines)

    def draft(self) -> types.Draft:
        """The gold decisions (with the motions said) and actions, citing their lines; a flag for part 2."""
        said, motions = self.filed["evidence"], self.filed["motions"]
        decisions = [
            types.Decision(
                text=g["name"],
                evidence=self.evidence(said[f"d{i}"]),
                **motions.get(f"d{i}", {}).get("said", {}),
            )
            for i, g in enumerate(self.judge["decisions"], 1)
        ]
        actions = [
            types.Action(
                task=g["name"], owner=g["owner"], due=g["due"], evidence=self.evidence(said[f"a{i}"])
            )
            for i, g in enumerate(self.judge["actions"], 1)
        ]
        flags = []
        if part2 := self.filed["part2"]:
            flags.append(
                types.Flag(
                    kind=part2["kind"], reason=part2["reason"], evidence=self.evidence([part2["quote"]])
                )
            )
        return types.Draft(decisions=decisions, actions=actions, flags=flags)


def dev_meeting(name: str) -> DevMeeting:
    folder = MEETINGS / name
    judge = json.loads((folder / "judge.json").read_text(encoding="utf-8"))
    return DevMeeting(name, judge, FILED[name], stm_lines(folder / "reference.stm"))
