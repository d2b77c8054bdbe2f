"""The reviewer decides on sensitive flags (minutes.review.flags through the CLI and the service): clear a false
flag in one step with a reason, flag any line or time range (the items resting on it go), every step audited
with kinds and line numbers only; and the next draft of the transcript takes those decisions in."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from fake_engine import FakeEngine, reply
from processed_meeting import build, demo_draft, run

from minutes.core.config import load_settings
from minutes.core.progress import QuietReporter
from minutes.core.store import Database
from minutes.db import Recording, Review
from minutes.drafting import private
from minutes.review import flags
from minutes.run import stages

BY = ("--by", "Mrs Reviewer")


@pytest.fixture
def flagged(home, database):
    return build(load_settings(), demo_draft(flags=True))  # f1: a staffing flag on line 14


def shown(draft_id: int) -> dict:
    result = run("review", "show", draft_id, "--transcript", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def events(meeting_id: int, kind: str) -> list[dict]:
    logged = json.loads(run("audit", "log", "--meeting", meeting_id, "--json").output)
    return [e for e in logged if e["kind"] == kind]


def test_a_reason_with_control_characters_is_refused_and_the_flag_stays(flagged):
    done = run("review", "clear", flagged.draft_id, "f1", "--reason", "fine\n## Injected\x1b[31m", *BY)
    assert done.exit_code == 2 and "control" in done.output, done.output
    assert shown(flagged.draft_id)["blocking"] == ["f1"]


def test_a_false_flag_is_cleared_in_one_step_with_a_reason_that_stays_out_of_the_audit_chain(flagged):
    reason = "Helen asked about the advert, not about a person"
    done = run("review", "clear", flagged.draft_id, "f1", "--reason", reason, *BY)
    assert done.exit_code == 0 and "f1 cleared" in done.output, done.output
    view = shown(flagged.draft_id)
    assert view["blocking"] == [] and view["status"] == "in_review"
    assert not any(line["flags"] for line in view["transcript"])
    (event,) = events(flagged.meeting_id, "review.clear")
    assert event["subject"] == {
        "draft": flagged.draft_id,
        "item": "f1",
        "kind": "staffing",
        "lines": [14, 14],
    }
    assert "reason" in event["hashes"] and reason not in json.dumps(event)
    db = Database.open(load_settings())
    with db.session() as s:
        step = s.query(Review).filter(Review.kind == "clear").one()
        assert step.reason == reason  # the reviewer's reason is kept with the step
    db.close()


def test_clearing_needs_a_reason_and_a_sensitive_flag(flagged):
    no_reason = run("review", "clear", flagged.draft_id, "f1", "--reason", "  ", *BY)
    assert no_reason.exit_code == 2 and "needs a reason" in no_reason.output
    not_a_flag = run("review", "clear", flagged.draft_id, "d1", "--reason", "x", *BY)
    assert not_a_flag.exit_code == 2 and "not a sensitive flag" in not_a_flag.output
    removed = run("review", "resolve", flagged.draft_id, "f1", "--remove", *BY)
    assert removed.exit_code == 2 and "review clear" in removed.output
    assert shown(flagged.draft_id)["blocking"] == ["f1"]  # nothing changed


def test_a_reviewer_flags_lines_and_the_items_resting_on_them_go(flagged):
    done = run("review", "flag", flagged.draft_id, "--lines", "6-7", "--kind", "family", *BY, "--json")
    assert done.exit_code == 0, done.output
    result = json.loads(done.output)
    assert result["lines"] == [6, 7] and result["removed"] == ["d1", "a1"]
    view = shown(flagged.draft_id)
    new = next(i for i in view["items"] if i["ref"] == result["flag"]["ref"])
    assert (new["flag_kind"], new["origin"], new["resolution"], new["blocking"]) == (
        "family",
        "reviewer",
        "kept",
        False,
    )
    assert "lines 6-7" in new["text"] and new["evidence"][0]["quote"] == ""
    assert [x["number"] for x in view["transcript"] if x["flags"]] == [6, 7, 14]
    assert {i["ref"]: i["resolution"] for i in view["items"]}["a1"] == "removed"
    assert any(
        "resting on lines 6-7, flagged by a reviewer, were removed: d1, a1" in n for n in view["notes"]
    )
    (event,) = events(flagged.meeting_id, "review.flag")
    assert event["subject"]["lines"] == [6, 7] and event["subject"]["removed"] == ["d1", "a1"]
    said = [x["text"] for x in view["transcript"][5:7]]
    assert not any(word in json.dumps(event) for line in said for word in line.split() if len(word) > 5)


def test_a_time_range_flags_the_lines_inside_it_and_bad_ranges_are_one_line_errors(flagged):
    done = run("review", "flag", flagged.draft_id, "--from", "0:35", "--to", "0:36", *BY, "--json")
    assert done.exit_code == 0 and json.loads(done.output)["lines"] == [7, 7], done.output
    for bad, needle in (
        (("--lines", "99"), "not in the transcript (lines 1 to 16)"),
        (("--lines", "x-2"), "not a line or a range"),
        (("--lines", "3", "--from", "0:01", "--to", "0:02"), "not both"),
        (("--from", "5:00", "--to", "6:00"), "no transcript line between"),
        (("--from", "0:61", "--to", "1:00"), "not a time"),
        (("--lines", "3", "--kind", "gossip"), "unknown kind of flag"),
    ):
        result = run("review", "flag", flagged.draft_id, *bad, *BY)
        assert result.exit_code == 2 and needle in result.output, (bad, result.output)
        assert result.output.startswith("error: ") and result.output.count("\n") <= 2


def test_the_next_draft_takes_the_reviewers_decisions_in(flagged):
    """The summarise stage (as a re-draft runs it) reads the reviewers' decisions on the transcript: the cleared
    flag's line goes to the model, the lines a reviewer flagged do not, and the new draft flags them again."""
    assert (
        run("review", "clear", flagged.draft_id, "f1", "--reason", "not about a person", *BY).exit_code == 0
    )
    assert run("review", "flag", flagged.draft_id, "--lines", "9-10", *BY).exit_code == 0
    settings = load_settings()
    db = Database.open(settings)
    with db.session() as s:
        decided = flags.reviewed(s, flagged.transcript_id)
        recording = s.get(Recording, flagged.recording_id)
    assert len(decided.cleared) == 1 and len(decided.added) == 1
    engine = FakeEngine(reply(), judge=lambda q: 0.99)  # the model would flag anything it is asked about
    engine.name, engine.device = "fake", "cpu"
    engines = SimpleNamespace(
        options=SimpleNamespace(keep_models=True, actor="Clerk"), extractor=engine, settings=settings
    )
    run_ = stages.Run(db, engines, flagged.meeting_id, Path("unused.wav"), QuietReporter(), recording)
    write = stages.summarise(run_)
    with db.session() as s:
        write(s)
    db.close()
    sent = engine.asked[0][0][-1]["content"]
    assert "higher salary band" in sent  # line 14: cleared, so drafted
    assert "online homework platform" not in sent and "I'm happy with that" not in sent  # lines 9-10
    asked_private = [q for q in engine.judged if q.endswith(private.QUESTION.format(lines=""))]
    assert not any("higher salary band" in q for q in asked_private)  # cleared lines are not asked about
    drafts = json.loads(run("review", "list", "--json").output)
    new = shown(drafts[-1]["id"])
    again = [i["text"] for i in new["items"] if i["kind"] == "flag" and i["flag_kind"] == "sensitive"]
    assert again == [
        "a sensitive matter, flagged by a reviewer on an earlier draft (lines 9-10); for human-only "
        "handling, not summarised"
    ]
    assert {x["number"] for x in new["transcript"] if x["flags"]} >= {9, 10}
    assert 14 not in {x["number"] for x in new["transcript"] if x["flags"]}


def test_the_review_page_clears_a_flag_and_flags_lines_for_a_reviewer_only(web):
    d = web.built.draft_id
    reviewer, csrf = web.login("reviewer")
    page = reviewer.get(f"/drafts/{d}").text
    assert f'action="/drafts/{d}/flags/f1/clear"' in page and 'id="clear-f1"' in page
    assert 'id="line-14"' in page and "Flagged: F1" in page  # the flag's line is marked
    f1 = page.split('id="item-f1"', 1)[1].split("</article>", 1)[0]
    assert 'value="remove"' not in f1 and 'value="keep"' in f1  # no removal without a reason
    clerk, clerk_csrf = web.login("clerk")
    before = web.snapshot()
    assert clerk.post(f"/drafts/{d}/flags", data={"csrf": clerk_csrf, "first": "6"}).status_code == 403
    assert reviewer.post(f"/drafts/{d}/flags", data={"first": "6"}).status_code == 403  # no CSRF token
    no_reason = reviewer.post(f"/drafts/{d}/flags/f1/clear", data={"csrf": csrf, "reason": " "})
    assert no_reason.status_code == 400 and "needs a reason" in no_reason.text
    assert web.snapshot() == before
    cleared = reviewer.post(f"/drafts/{d}/flags/f1/clear", data={"csrf": csrf, "reason": "about the advert"})
    assert cleared.status_code == 303 and cleared.headers["location"].endswith("#item-f1")
    flagged = reviewer.post(
        f"/drafts/{d}/flags", data={"csrf": csrf, "first": "6", "last": "7", "kind": "family"}
    )
    assert flagged.status_code == 303 and flagged.headers["location"].endswith("#item-f2")
    page = reviewer.get(f"/drafts/{d}").text
    assert "Flagged: F2" in page and "Flagged: F1" not in page
    assert "resting on lines 6-7, flagged by a reviewer, were removed: d1, a1" in page
    bad = reviewer.post(f"/drafts/{d}/flags", data={"csrf": csrf, "first": "40"})
    assert bad.status_code == 400 and "not in the transcript" in bad.text
