"""Each dev meeting (one a full governing body) filed as a clerk would and exported in the clerk's shape, read
back from the DOCX: attendance, agenda items in order, each gold decision and action under the agenda item being
discussed when it was said (or where a reviewer moved it), the motions, the actions table, nothing sent to part 2
or marked sensitive in the main minutes, and the next meeting only when its date was said. The draft holds the
gold items (tests/dev_meetings.py), so no model runs."""

from __future__ import annotations

import pytest
from dev_meetings import NAMES, DevMeeting, dev_meeting
from docx import Document
from processed_meeting import approve_and_release, build, export_minutes, file_agenda, file_apologies, run

from minutes.core.config import load_settings
from minutes.dates import long_date, short_date
from minutes.records.clerk import CONFIDENTIAL_NOTE


def file_and_release(m: DevMeeting, tmp_path) -> int:
    """Store the meeting with its gold draft, file its agenda and attendance, send its flag to part 2, make the
    reviewer's moves, approve and release; returns the draft id."""
    built = build(load_settings(), m.draft(), m.fixture())
    file_agenda(built.meeting_id, m.filed["agenda"], tmp_path)
    for name, how in m.filed["attendance"].items():
        assert run("attendance", built.meeting_id, name, how).exit_code == 0
    for name in m.filed["apologies_accepted"]:
        file_apologies(built.meeting_id, name, True)
    steps = [("review", "move", built.draft_id, ref, "--agenda", n) for ref, n in m.filed["moves"].items()]
    if m.filed["part2"]:
        steps.append(("review", "resolve", built.draft_id, "f1", "--part2"))
    for step in steps:
        result = run(*step, "--by", "Rhys Reviewer")
        assert result.exit_code == 0, result.output
    approve_and_release(built.draft_id)
    return built.draft_id


def entry(m: DevMeeting, ref: str, template: str) -> str:
    """How an item reads in the minutes, without its number."""
    gold = m.gold(ref)
    if ref[0] == "a":
        due = f", by {long_date(gold['due'])}" if gold["due"] else ""
        return f"Action ({gold['owner']}{due}): {gold['name']}"
    motion = m.filed["motions"].get(ref, {}).get("minuted")
    said = "Resolved" if template == "governors" else "Agreed"
    return f"{said}: {gold['name']}" + (f" {motion}" if motion else "")


def expected_items(m: DevMeeting, template: str) -> dict[str, list[str]]:
    out = {}
    for n, (title, refs) in enumerate(zip(m.filed["agenda"], m.filed["minuted"], strict=True), 1):
        said = [entry(m, ref, template) for ref in refs]
        if template == "governors":
            said = [f"{n}.{k} {text}" for k, text in enumerate(said, 1)]
        out[f"{n}. {title}"] = said or ["No decisions or actions."]
    return out


def expected_actions(m: DevMeeting, template: str) -> list[list[str]]:
    rows = [["Minute", "Action", "Owner", "Due"]]
    for n, refs in enumerate(m.filed["minuted"], 1):
        for k, ref in enumerate(refs, 1):
            if ref[0] == "a":
                gold = m.gold(ref)
                minute = f"{n}.{k}" if template == "governors" else str(n)
                rows.append([minute, gold["name"], gold["owner"], short_date(gold["due"])])
    return rows


def attendance(m: DevMeeting) -> list[str]:
    roles, elsewhere = m.filed["roles"], m.filed["attendance"]
    named = {p: f"{p} ({roles[p]})" if p in roles else p for p in m.judge["participants"]}
    lines = ["Present: " + ", ".join(named[p] for p in m.judge["participants"] if p not in elsewhere)]
    if elsewhere:
        lines.append("In attendance: " + ", ".join(named[p] for p in elsewhere))
    sent = m.filed["apologies_accepted"]
    return lines + ["Apologies received and accepted from " + ", ".join(sent) if sent else "Apologies: none"]


def by_heading(doc) -> dict[str, list[str]]:
    """The document's paragraphs under each heading (the title's own)."""
    out: dict[str, list[str]] = {}
    for p in doc.paragraphs:
        if p.style.name.startswith(("Heading", "Title")):
            out[p.text] = []
            current = p.text
        else:
            out[current].append(p.text)
    return out


def check_minutes(m: DevMeeting, doc, template: str) -> None:
    shown = by_heading(doc)
    footer = shown[list(shown)[-1]].pop()
    assert footer.startswith("Reviewed and approved by Mrs Reviewer. Released by Mr Chair on ")
    items = expected_items(m, template)
    tail = [
        h
        for h, on in (
            ("Confidential items", m.filed["part2"]),
            ("Date of next meeting", m.filed["next_meeting"]),
        )
        if on
    ]
    declared = any("declarations" in t.casefold() for t in m.filed["agenda"])
    head = [m.filed["title"], "Attendance", *([] if declared else ["Declarations of interest"])]
    assert list(shown) == [*head, *items, "Actions arising", *tail]
    assert shown["Attendance"] == attendance(m)
    assert {h: shown[h] for h in items} == items
    (table,) = doc.tables
    assert [[c.text for c in row.cells] for row in table.rows] == expected_actions(m, template)
    if m.filed["next_meeting"]:
        assert shown["Date of next meeting"] == [m.filed["next_meeting"]]
    text = "\n".join(
        [p.text for p in doc.paragraphs] + [c.text for r in table.rows for c in r.cells]
    ).casefold()
    secret = [t for s in m.judge["sensitive"] for t in s["any"]]
    if part2 := m.filed["part2"]:
        assert shown["Confidential items"] == [CONFIDENTIAL_NOTE]
        secret += [part2["reason"], part2["quote"]]
    assert not [t for t in secret if t.casefold() in text]


@pytest.mark.parametrize("name", NAMES)
def test_a_dev_meeting_exports_in_the_clerks_shape(home, tmp_path, name):
    m = dev_meeting(name)
    draft_id = file_and_release(m, tmp_path)
    templates = ["governors"] + (["department"] if m.filed["kind"] == "department" else [])
    for template in templates:
        out = tmp_path / f"{template}.docx"
        export_minutes(draft_id, out, template)
        check_minutes(m, Document(str(out)), template)
