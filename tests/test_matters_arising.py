"""Bodies, matters arising and who owes what, on two processed meetings of one body (no models run): the demo
meeting released, then an INVENTED second meeting whose talk reports on its actions. The progress reader is
driven by the fake engine (canned yes/no answers), so what is tested is the rules around the model."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date

import pytest
import time_machine
from docx import Document
from fake_engine import FakeEngine
from pg import sql
from processed_meeting import Fixture, Line, approve_and_release, build, export_minutes, run
from test_withdrawal import withdraw

from minutes.core import types
from minutes.core.config import load_settings
from minutes.core.drafting_params import DraftingParams
from minutes.core.store import Database
from minutes.core.types import Evidence, Flag
from minutes.drafting import progress
from minutes.drafting.windows import Line as TalkLine
from minutes.records import series
from minutes.records.export import WITHDRAWN

BODY = "Science department"
PEOPLE = ["Priya:chair", "Tom", "Helen", "Sam"]
# the second meeting, invented for this test: Tom reports the coach booked, Sam the letter drafted but not sent,
# Priya the budget check not done; Helen moves on
SECOND = [
    Line("Priya", 0.5, 5.0, "Matters arising first. Tom, how are we doing on the coach?"),
    Line("Tom", 5.5, 11.0, "The coach is booked for the Year 9 trip, deposit paid on Monday."),
    Line(
        "Sam", 11.5, 17.0, "The letter to parents about the homework trial is drafted, Priya has it to check."
    ),
    Line(
        "Priya",
        17.5,
        23.0,
        "I haven't got to the budget for the lab technician post with the business manager yet.",
    ),
    Line("Helen", 23.5, 29.0, "Could we move on to the science fair?"),
]


def judge(question: str) -> float:
    """A canned reader: the lines that report on an action are the three reports above; only the coach is
    finished."""
    marked = next((x for x in question.splitlines() if x.startswith("Line: ")), "")
    if progress.REPORTS in question:
        return 0.9 if any(w in marked for w in ("booked", "drafted", "haven't got to")) else 0.1
    if progress.FINISHED in question:
        return 0.9 if "booked" in marked else 0.2
    return 0.0


def talk() -> list[TalkLine]:
    return [TalkLine(i, x.start, x.end, x.speaker, x.text) for i, x in enumerate(SECOND, 1)]


def store_two(settings):
    """Meeting 1 (the demo) released in the body's series; meeting 2 registered in it, with its talk and an
    empty draft, and the draft's suggestions stored as the summarise stage stores them. Needs MINUTES_HOME set
    to `settings`' home (the CLI is run in-process)."""
    first = build(settings)
    assert run("meeting", "body", first.meeting_id, BODY, "--kind", "department").exit_code == 0
    approve_and_release(first.draft_id)
    second = build(
        settings, types.Draft(), Fixture("Science department meeting", "2026-12-07", PEOPLE, SECOND)
    )
    result = run("meeting", "body", second.meeting_id, BODY)
    assert result.exit_code == 0, result.output
    db = Database.open(settings)
    try:
        with db.session() as s:
            targets = series.progress_targets(s, second.meeting_id)
            found = progress.suggest(FakeEngine(judge=judge), talk(), targets)
            series.store_suggestions(s, second.meeting_id, {a: x.as_json() for a, x in found.items()})
    finally:
        db.close()
    return first, second


@pytest.fixture
def two(home, database):
    return store_two(load_settings())


def listed(meeting_id: int) -> list[dict]:
    result = run("matters", "list", meeting_id, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_candidates_need_the_owner_or_two_task_words():
    action = progress.OpenAction(1, "Send the trip letters to parents", "Gita")
    lines = [
        TalkLine(1, 0, 1, "Gita", "The letters went out on Monday."),  # owner speaking, a task word
        TalkLine(2, 1, 2, "Ann", "Gita, anything else?"),  # owner named, no task word
        TalkLine(3, 2, 3, "Ben", "Parents liked the trip letters."),  # two task words
        TalkLine(4, 3, 4, "Ben", "The trip is in June."),  # one task word, not the owner
    ]
    assert progress.candidates(lines, action) == [0, 2]


def test_the_likeliest_line_is_the_evidence_and_a_weak_one_suggests_nothing():
    lines = [
        TalkLine(1, 0, 4, "Ola", "The gym floor is being sanded this week."),
        TalkLine(2, 5, 9, "Ola", "Gym floor varnish goes on after that."),
        TalkLine(3, 10, 14, "Ola", "The minibus tyres, I might get round to the minibus."),
    ]
    odds = {"sanded": 0.7, "varnish": 0.65, "minibus": 0.55}

    def reader(question: str) -> float:
        line = next(x for x in question.splitlines() if x.startswith("Line: "))
        if progress.FINISHED in question:
            return 0.3
        return next(p for word, p in odds.items() if word in line)

    actions = [
        progress.OpenAction(1, "Get the gym floor sanded and varnished", "Ola"),
        progress.OpenAction(2, "Replace the minibus tyres", "Ola"),
    ]
    engine = FakeEngine(judge=reader)
    found = progress.suggest(engine, lines, actions)
    assert list(found) == [1]  # the minibus line is below YES: nothing suggested, no second question
    assert found[1].status == "carried" and [e["start"] for e in found[1].evidence] == [0]
    assert 'Task: "Get the gym floor sanded and varnished" (Ola)' in engine.judged[0]
    assert sum(progress.FINISHED in q for q in engine.judged) == 1
    odds.update(sanded=0.95, varnish=0.92)  # a second line nearly as sure is evidence too
    assert [e["start"] for e in progress.suggest(FakeEngine(judge=reader), lines, actions)[1].evidence] == [
        0,
        5,
    ]


def test_a_flagged_passage_is_never_put_to_the_model():
    """An invented line about a pupil's health shares the task's words, but sits in a flagged passage: the
    progress reader never asks about it, and the line beside it is still read."""
    lines = [
        TalkLine(1, 0, 4, "Ola", "The swimming letters went home, except for one pupil."),
        TalkLine(2, 5, 9, "Ola", "That pupil's letters are held while his medical plan is reviewed."),
        TalkLine(3, 10, 14, "Ben", "Moving on."),
    ]
    flag = Flag(kind="health", reason="a pupil's health", evidence=[Evidence(start=5.0, end=9.0, quote="")])
    heard = progress.outside(lines, [flag])
    assert [ln.number for ln in heard] == [1, 3]
    engine = FakeEngine(judge=lambda q: 0.9 if progress.REPORTS in q else 0.1)
    found = progress.suggest(engine, heard, [progress.OpenAction(1, "Send the swimming letters", "Ola")])
    assert engine.judged and not any("medical" in q for q in engine.judged)
    assert [e["start"] for e in found[1].evidence] == [0]


def test_the_progress_reader_takes_its_tunables_from_the_drafting_params():
    action = progress.OpenAction(1, "Send the trip letters to parents", "Gita")
    lines = [TalkLine(i, i, i + 1, "Gita", f"The trip letters, part {i}.") for i in range(1, 9)]
    assert len(progress.candidates(lines, action)) == DraftingParams().progress_candidates == 6
    assert len(progress.candidates(lines, action, DraftingParams(progress_candidates=2))) == 2
    strict = DraftingParams(progress_yes=0.95)
    engine = FakeEngine(judge=lambda q: 0.9)
    assert progress.suggest(engine, lines, [action], strict) == {}


def test_nothing_is_asked_without_candidates():
    engine = FakeEngine(judge=judge)
    assert progress.suggest(engine, talk(), [progress.OpenAction(9, "Repaint the gym", "Ola")]) == {}
    assert engine.judged == []


def test_the_second_meeting_takes_up_the_first_ones_actions_with_evidence(two):
    first, second = two
    rows = {r["task"]: r for r in listed(second.meeting_id)}
    assert set(rows) == {
        "Book the coach for the Year 9 trip",
        "Draft the letter to parents about the paper homework trial and send it to Priya to check",
        "Check the budget for the lab technician post with the business manager",
    }
    coach = rows["Book the coach for the Year 9 trip"]
    assert (coach["owner"], coach["due"], coach["status"], coach["from_meeting"]) == (
        "Tom",
        "2026-11-27",
        "open",
        first.meeting_id,
    )
    assert coach["suggested"]["status"] == "done"
    assert coach["suggested"]["evidence"] == [
        {
            "start": 5.5,
            "end": 11.0,
            "quote": "The coach is booked for the Year 9 trip, deposit paid on Monday.",
        }
    ]
    letter = rows[next(t for t in rows if t.startswith("Draft the letter"))]
    assert letter["suggested"]["status"] == "carried" and letter["suggested"]["evidence"][0]["start"] == 11.5
    assert (
        rows["Check the budget for the lab technician post with the business manager"]["suggested"]["status"]
        == "carried"
    )
    assert listed(first.meeting_id) == []  # the first of the series takes nothing up


def _decide(second, rows) -> dict[str, int]:
    ids = {r["task"].split()[0]: r["action_id"] for r in rows}
    m = second.meeting_id
    for args in (
        ("confirm", m, ids["Book"], "--by", "Mrs Reviewer"),
        ("set", m, ids["Draft"], "carried", "--due", "14/12/2026", "--note", "Priya checks it first."),
        ("set", m, ids["Check"], "dropped", "--note", "The post is not going ahead", "--by", "Mrs Reviewer"),
    ):
        result = run("matters", *args)
        assert result.exit_code == 0, result.output
    return ids


def test_statuses_are_audited_filed_in_both_templates_and_carried_on(two, tmp_path):
    first, second = two
    ids = _decide(second, listed(second.meeting_id))
    events = [e for e in json.loads(run("audit", "log", "--kind", "matters.status", "--json").output)]
    assert [e["subject"]["status"] for e in events] == ["done", "carried", "dropped"]
    assert "Priya checks" not in json.dumps(events)  # the note's hash, never its words
    approve_and_release(second.draft_id)
    refused = run("matters", "set", second.meeting_id, ids["Book"], "dropped")
    assert refused.exit_code != 0 and "released" in refused.output and len(refused.output.splitlines()) <= 2

    for template in ("governors", "department"):
        md = tmp_path / f"{template}.md"
        export_minutes(second.draft_id, md, template)
        text = md.read_text()
        section = text.split("## Matters arising\n", 1)[1].split("\n## ", 1)[0]
        assert (
            "Action (Tom, by Friday 27 November 2026): Book the coach for the Year 9 trip. Done." in section
        )
        assert "Carried forward to Monday 14 December 2026. Priya checks it first." in section
        assert "Dropped. The post is not going ahead." in section
        assert ("MA.1 " in section) == (template == "governors")
        docx = tmp_path / f"{template}.docx"
        export_minutes(second.draft_id, docx, template)
        paras = [p.text for p in Document(str(docx)).paragraphs]
        at = paras.index("Matters arising")
        assert any("Book the coach for the Year 9 trip. Done." in p for p in paras[at : at + 4])

    third = build(
        load_settings(), types.Draft(), Fixture("Science department meeting", "2027-01-11", PEOPLE, SECOND)
    )
    assert run("meeting", "body", third.meeting_id, BODY).exit_code == 0
    again = listed(third.meeting_id)
    assert [(r["action_id"], r["due"], r["status"]) for r in again] == [(ids["Draft"], "2026-12-14", "open")]


def test_an_agenda_item_for_matters_arising_holds_them(two, tmp_path):
    first, second = two
    _decide(second, listed(second.meeting_id))
    path = tmp_path / "agenda.txt"
    path.write_text("1. Apologies\n2. Matters arising\n3. Science fair\n", encoding="utf-8")
    assert run("meeting", "agenda", second.meeting_id, path).exit_code == 0
    approve_and_release(second.draft_id)
    md = tmp_path / "m.md"
    export_minutes(second.draft_id, md, "governors")
    text = md.read_text()
    assert "## Matters arising" not in text
    item = text.split("## 2. Matters arising\n", 1)[1].split("\n## ", 1)[0]
    assert "2.1 Action (Tom, by Friday 27 November 2026): Book the coach" in item


def test_who_owes_what_overdue_first_as_table_csv_and_docx(two, tmp_path):
    first, second = two
    with time_machine.travel(date(2026, 11, 26), tick=False):
        result = run("actions", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.output.lstrip("\ufeff"))))
    assert rows[0] == ["Owner", "Action", "Due", "Overdue", "Body", "Meeting", "Meeting date"]
    assert [(r[0], r[2], r[3], r[4]) for r in rows[1:]] == [
        ("Sam", "25/11/2026", "yes", BODY),  # overdue first
        ("Tom", "27/11/2026", "", BODY),
        ("Priya", "next meeting", "", BODY),  # a spoken due, no date: last
    ]
    mine = run("actions", "--person", "tom", "--format", "csv")
    assert [r[0] for r in list(csv.reader(io.StringIO(mine.output.lstrip("\ufeff"))))[1:]] == ["Tom"]
    table = run("actions", "--person", "Sam", "--out", tmp_path / "owed.txt")
    assert table.exit_code == 0 and "1 open action written" in table.output
    assert "Draft the letter" in (tmp_path / "owed.txt").read_text() and "Book the coach" not in table.output
    out = tmp_path / "owed.docx"
    assert run("actions", "--body", BODY, "--format", "docx", "--out", out).exit_code == 0
    cells = [c.text for row in Document(str(out)).tables[0].rows for c in row.cells]
    assert "Book the coach for the Year 9 trip" in cells
    again = run("actions", "--body", BODY, "--format", "docx", "--out", out)
    assert again.exit_code == 2 and "already exists" in again.output and "--force" in again.output
    assert run("actions", "--format", "docx", "--out", out, "--force").exit_code == 0
    missing = run("actions", "--body", "Nowhere")
    assert missing.exit_code != 0 and "no body named 'Nowhere'" in missing.output
    _decide(second, listed(second.meeting_id))
    assert "Book the coach" in run("actions", "--format", "csv").output  # a draft's status is not yet decided
    approve_and_release(second.draft_id)
    left = run("actions", "--format", "csv").output
    assert "Book the coach" not in left and "business manager" not in left and "Draft the letter" in left
    assert "14/12/2026" in left  # carried forward to


def test_meeting_create_with_a_body_and_its_series(home):
    a = run("meeting", "create", "Governors", "--date", "2026-10-01", "--body", "Full governing board")
    b = run("meeting", "create", "Governors", "--date", "2026-09-01", "--body", "full  GOVERNING board")
    assert a.exit_code == 0 and b.exit_code == 0, a.output + b.output
    assert json.loads(run("body", "list", "--json").output) == [
        {"id": 1, "name": "Full governing board", "kind": "committee"}
    ]
    shown = run("body", "show", "Full governing board").output.splitlines()
    assert [x.split("\t")[1] for x in shown] == ["01/09/2026", "01/10/2026"]
    bad = run("meeting", "create", "X", "--date", "2026-10-01", "--body", "\u202e")
    assert bad.exit_code != 0 and run("meeting", "list", "--json").output.count('"id"') == 2


def test_withdrawal_of_the_owner_leaves_no_trace_in_the_next_matters_arising(two, home, tmp_path):
    first, second = two
    ids = _decide(second, listed(second.meeting_id))
    result = run("matters", "set", second.meeting_id, ids["Book"], "done", "--note", "Tom paid the deposit.")
    assert result.exit_code == 0, result.output
    md = tmp_path / "before.md"
    approve_and_release(second.draft_id)
    export_minutes(second.draft_id, md, "governors")
    assert "Tom" in md.read_text()
    withdraw(first.meeting_id, "Tom")
    assert not md.exists()  # the export that named him is invalidated and deleted
    after = tmp_path / "after.md"
    export_minutes(second.draft_id, after, "governors")
    section = after.read_text().split("## Matters arising\n", 1)[1].split("\n## ", 1)[0]
    log = b"\n".join(str(v).encode() for row in sql(home, "SELECT * FROM matter_arising") for v in row)
    shown = run("matters", "list", second.meeting_id, "--json").output.encode()
    name = re.compile(rb"(?<![a-z])tom(?![a-z])", re.IGNORECASE)
    for blob in (section.encode(), log, shown):
        assert not name.search(blob), blob
    assert WITHDRAWN in section and "Book the coach" in section


def test_purge_keeps_the_log_but_not_unconfirmed_suggestions(two, home):
    first, second = two
    ids = _decide(second, listed(second.meeting_id))
    run("matters", "set", second.meeting_id, ids["Check"], "open")  # undecided again: the suggestion is all
    approve_and_release(second.draft_id)
    with time_machine.travel(date(2028, 1, 1), tick=False):
        result = run("purge")
    assert result.exit_code == 0, result.output
    rows = {r["action_id"]: r for r in listed(second.meeting_id)}
    assert rows[ids["Book"]]["status"] == "done" and rows[ids["Book"]]["suggested"]["evidence"]
    assert rows[ids["Draft"]]["note"] == "Priya checks it first."
    assert rows[ids["Check"]]["suggested"] == {}  # it quoted the purged transcript and nobody confirmed it


def test_withdrawal_from_the_next_meeting_takes_their_lines_out_of_its_suggestions(two):
    first, second = two
    withdraw(second.meeting_id, "Tom")
    rows = {r["task"]: r for r in listed(second.meeting_id)}
    coach = rows["Book the coach for the Year 9 trip"]
    assert coach["suggested"] == {}  # its only evidence was Tom's own line
    assert coach["owner"] == "Tom"  # the first meeting's minutes are not his withdrawal from the second's
    letter = next(r for t, r in rows.items() if t.startswith("Draft the letter"))
    assert letter["suggested"]["evidence"][0]["quote"].startswith("The letter to parents")


def test_withdrawal_reaches_the_next_exports_when_the_log_has_no_row(home, database, tmp_path):
    """An action nobody spoke of at the next meeting has no log row, yet that meeting's minutes show its owner."""
    settings = load_settings()
    first = build(settings)
    assert run("meeting", "body", first.meeting_id, BODY).exit_code == 0
    approve_and_release(first.draft_id)
    second = build(
        settings, types.Draft(), Fixture("Science department meeting", "2026-12-07", PEOPLE, SECOND)
    )
    assert run("meeting", "body", second.meeting_id, BODY).exit_code == 0
    assert sql(home, "SELECT COUNT(*) FROM matter_arising") == [(0,)]
    approve_and_release(second.draft_id)
    md = tmp_path / "second.md"
    export_minutes(second.draft_id, md, "governors")
    assert "(Tom, by Friday 27 November 2026)" in md.read_text()
    withdraw(first.meeting_id, "Tom")
    assert not md.exists()  # invalidated and deleted, as the first meeting's own exports are


def test_lines_a_reviewer_flags_leave_the_suggestions_that_quote_them(two):
    first, second = two
    flagged = run(
        "review", "flag", second.draft_id, "--lines", "2", "--kind", "health", "--by", "Mrs Reviewer"
    )
    assert flagged.exit_code == 0, flagged.output
    rows = {r["task"]: r for r in listed(second.meeting_id)}
    assert rows["Book the coach for the Year 9 trip"]["suggested"] == {}  # its only evidence was line 2
    assert "deposit paid" not in json.dumps(rows)
    letter = next(r for t, r in rows.items() if t.startswith("Draft the letter"))
    assert letter["suggested"]["evidence"][0]["start"] == 11.5  # other lines stay
    refused = run(
        "matters", "confirm", second.meeting_id, rows["Book the coach for the Year 9 trip"]["action_id"]
    )
    assert refused.exit_code != 0 and "nothing was suggested" in refused.output


def test_a_redraft_that_finds_nothing_leaves_no_earlier_suggestion(two, home):
    first, second = two
    book = next(r["action_id"] for r in listed(second.meeting_id) if r["task"].startswith("Book"))
    assert run("matters", "confirm", second.meeting_id, book, "--by", "Mrs Reviewer").exit_code == 0
    db = Database.open(load_settings())
    try:
        with db.session() as s:
            series.store_suggestions(s, second.meeting_id, {})
            s.commit()
    finally:
        db.close()
    after = {r["action_id"]: r["suggested"] for r in listed(second.meeting_id)}
    assert after.pop(book)["status"] == "done"  # what a reviewer confirmed keeps its evidence
    assert list(after.values()) == [{}, {}]


def test_released_matters_arising_stay_as_filed(two, tmp_path):
    """Minutes released later for an earlier date of the body do not add to a released meeting's list."""
    first, second = two
    before = listed(second.meeting_id)
    approve_and_release(second.draft_id)
    settings = load_settings()
    late = build(settings, fixture=Fixture("Science department meeting", "2026-11-30", PEOPLE, SECOND))
    assert run("meeting", "body", late.meeting_id, BODY).exit_code == 0
    approve_and_release(late.draft_id)  # registered and released after the second, dated before it
    assert listed(second.meeting_id) == before
    assert len(listed(late.meeting_id)) == 3  # the late one takes up the first's, as it should


def test_a_status_closes_an_action_only_once_its_minutes_are_released(two):
    """A later meeting takes up an action a draft marked done until that draft's minutes are released; moving
    the draft's meeting to another body leaves no status of this body's actions behind."""
    first, second = two
    ids = _decide(second, listed(second.meeting_id))
    third = build(
        load_settings(), types.Draft(), Fixture("Science department meeting", "2027-01-11", PEOPLE, SECOND)
    )
    assert run("meeting", "body", third.meeting_id, BODY).exit_code == 0
    assert {r["action_id"] for r in listed(third.meeting_id)} == set(ids.values())
    assert run("meeting", "body", second.meeting_id, "Another body").exit_code == 0
    assert listed(second.meeting_id) == []
    assert "Book the coach" in run("actions", "--body", BODY, "--format", "csv").output
    assert run("meeting", "body", second.meeting_id, BODY).exit_code == 0
    assert {r["status"] for r in listed(second.meeting_id)} == {"open"}  # its old statuses went with the move


def test_withdrawal_deletes_a_who_owes_what_file_that_named_them(two, tmp_path):
    first, second = two
    out = tmp_path / "owed.csv"
    written = run("actions", "--person", "Tom", "--format", "csv", "--out", out)
    assert written.exit_code == 0 and "Book the coach" in out.read_text(encoding="utf-8-sig")
    events = json.loads(run("audit", "log", "--kind", "export", "--json").output)
    assert [e["subject"]["kind"] for e in events] == ["actions"]
    withdraw(first.meeting_id, "Tom")
    assert not out.exists()  # recorded as an export of the first meeting, so invalidated and deleted


def test_a_cell_a_spreadsheet_would_run_is_quoted_also_after_blanks():
    from minutes.service.series import _csv_safe

    cells = ("=1+1", ' =HYPERLINK("x")', "\t+2", "-3", "@SUM(A1)", "Book the coach", "next meeting", "")
    assert _csv_safe(cells) == (
        "'=1+1",
        '\' =HYPERLINK("x")',
        "'\t+2",
        "'-3",
        "'@SUM(A1)",
        "Book the coach",
        "next meeting",
        "",
    )
