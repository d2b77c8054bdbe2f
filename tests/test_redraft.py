"""Drafting again after speakers are named (`minutes redraft`, the web app's button): the new draft reads the
transcript with the names as they are now, replaces the draft under review (kept on record as rejected), and
approved or released minutes are never replaced. Canned speech engines and a canned extractor (its replies fixed;
the drafting rules around it are real), on the real stages, gate and store."""

from __future__ import annotations

import json

import pytest
from canned import Cast, FakeAsr, FakeDiarisation, tiny_wav
from click.testing import CliRunner
from sqlmodel import select

from minutes.cli import cli
from minutes.consent import ledger
from minutes.consent.meetings import participants_of
from minutes.core.config import load_settings
from minutes.db import Job
from minutes.records import meetings
from minutes.run import pipeline
from minutes.service import Ctx, jobs, processing, worker

SCRIPT = [
    ("Priya", "Could you book the coach for the trip by Friday?"),
    ("Tom", "Yes, I'll book the coach by Friday."),
    ("Priya", "Thank you, that is everything for today."),
]


class Scripted(Cast):
    """A cast whose lines are a short scripted exchange, so the drafting rules have a request to work on."""

    def words(self, name: str) -> list[str]:
        return [w for who, text in SCRIPT if who == name for w in _spoken(text)]

    def lines(self):
        return [(who, i * 4.0, i * 4.0 + 3.0, _spoken(text)) for i, (who, text) in enumerate(SCRIPT)]


def _spoken(text: str) -> list[str]:
    """A line's words as faster-whisper gives them, each with its leading space."""
    return [f" {w}" for w in text.split()]


class CannedExtractor:
    """The extractor's side of the Engine protocol with canned replies: whoever says line 2 takes on booking the
    coach, named as the lines name them (as a model reads them: "Speaker 2" while that voice has no name). It
    keeps the lines it was shown."""

    name, device = "canned-extractor", "cpu"

    def __init__(self):
        self.shown: list[str] = []

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def keep_prefix(self, messages) -> None: ...

    def map(self, work, items):
        return (work(self, item) for item in items)

    def complete(self, messages, schema, max_new_tokens):
        fields = schema["properties"]
        self.shown.append(messages[-1]["content"])
        if "actions" in fields:
            said = next(ln for ln in messages[-1]["content"].splitlines() if ln.startswith("2 "))
            owner = said[2:].split(":")[0]
            task = {"task": "Book the coach for the trip", "owners": [owner], "kind": "asked and agreed"}
            return json.dumps({"actions": [task | {"due": "Friday", "lines": [1, 2]}]})
        if "decisions" in fields:
            return json.dumps({"decisions": [], "points": []})
        return json.dumps(dict.fromkeys(fields))  # a second look: nothing there


@pytest.fixture
def extractor(monkeypatch) -> CannedExtractor:
    return CannedExtractor()


def processed(ctx: Ctx, home, monkeypatch, extractor: CannedExtractor) -> Scripted:
    """A meeting processed with everyone's consent; Priya's voice is named by enrolment, Tom's is not."""
    cast = Scripted(["Priya", "Tom"], "r", {}, enrolled=("Priya",))
    with ctx.tx() as s:
        m = meetings.create_meeting(s, "Trip planning", "2026-12-07", cast.names)
        cast.ids = {p.name: p.id for p in participants_of(s, m.id)}
        for name in cast.names:
            ledger.give(s, m.id, name, "all", "verbal", recorded_by="clerk")
    cast.meeting_id = m.id
    cast.wav = tiny_wav(home.parent / "trip.wav", seconds=cast.lines()[-1][2] + 0.5)
    asr, voices = FakeAsr(cast), FakeDiarisation(cast)
    monkeypatch.setattr(pipeline.Engines, "asr", property(lambda self: asr))
    monkeypatch.setattr(pipeline.Engines, "diarisation", property(lambda self: voices))
    monkeypatch.setattr(pipeline.Engines, "extractor", property(lambda self: extractor))
    result = processing.process(ctx, m.id, cast.wav, processing.Options(actor="clerk", overlap=False))
    assert result.draft_id and not result.blocked, result
    return cast


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def shown(draft_id) -> dict:
    return json.loads(run("review", "show", draft_id, "--json").output)


def test_naming_a_speaker_offers_a_redraft_that_uses_the_name(home, database, monkeypatch, extractor):
    ctx = Ctx.open(load_settings())
    cast = processed(ctx, home, monkeypatch, extractor)
    mid = cast.meeting_id
    assert "Speaker" in extractor.shown[0] and "Tom:" not in extractor.shown[0]
    first = shown(1)
    assert [a["owner"] for a in first["items"] if a["kind"] == "action"] in ([], [None])

    named = run("speakers", mid, "--name", f"{cast.label('Tom')}=Tom")
    assert named.exit_code == 0, named.output
    assert f"Draft it again with `minutes redraft {mid}`: it replaces draft 1" in named.output
    assert "minutes redraft" in run("review", "show", 1).output

    extractor.shown.clear()
    again = run("redraft", mid, "--by", "Mrs Reviewer")
    assert again.exit_code == 0, again.output
    assert "draft 2:" in again.output and "replacing draft 1" in again.output
    assert any("Tom: Yes, I'll book the coach by Friday." in text for text in extractor.shown)
    second = shown(2)
    assert second["status"] == "pending"
    assert [(a["text"], a["owner"]) for a in second["items"] if a["kind"] == "action"] == [
        ("Book the coach for the trip", "Tom")
    ]
    old = shown(1)
    assert old["status"] == "rejected" and old["reject_reason"].startswith("replaced by draft 2")
    events = json.loads(run("audit", "log", "--meeting", mid, "--json").output)
    assert [e["subject"]["replaced_by"] for e in events if e["kind"] == "draft.replace"] == [2]
    assert "minutes redraft" not in run("review", "show", 2).output  # named before draft 2: nothing to offer
    assert run("audit", "verify").exit_code == 0
    ctx.close()


def test_approved_or_released_minutes_are_never_redrafted(home, database, monkeypatch, extractor):
    ctx = Ctx.open(load_settings())
    cast = processed(ctx, home, monkeypatch, extractor)
    for ref in [i["ref"] for i in shown(1)["items"] if i["blocking"]]:
        assert run("review", "resolve", 1, ref, "--keep", "--by", "R").exit_code == 0
    assert run("review", "approve", 1, "--by", "R").exit_code == 0
    refused = run("redraft", cast.meeting_id)
    assert (
        refused.exit_code == 5 and "draft 1 of meeting" in refused.output and "is approved" in refused.output
    )
    assert shown(1)["status"] == "approved" and len(json.loads(run("review", "list", "--json").output)) == 1
    assert run("release", 1, "--by", "Chair").exit_code == 0
    refused = run("redraft", cast.meeting_id)
    assert refused.exit_code == 5 and "is released" in refused.output
    ctx.close()


def test_the_web_app_offers_the_redraft_and_its_worker_runs_it(web, monkeypatch, extractor):
    cast = processed(web.ctx, web.home, monkeypatch, extractor)
    mid = cast.meeting_id
    with web.ctx.tx() as s:
        draft = s.exec(select(Job).where(Job.meeting_id == mid)).one()  # the run's own job row (batch cli)
    reviewer, csrf = web.login("reviewer")
    draft_id = json.loads(run("review", "list", "--json").output)[-1]["id"]
    assert "Draft the minutes again" not in reviewer.get(f"/meetings/{mid}").text
    renamed = reviewer.post(
        f"/drafts/{draft_id}/speakers", data={"csrf": csrf, "label": cast.label("Tom"), "participant": "Tom"}
    )
    assert renamed.status_code == 303
    page = reviewer.get(f"/meetings/{mid}").text
    assert "Speakers were named after draft" in page and "Draft the minutes again" in page
    assert "Draft the minutes again" in reviewer.get(f"/drafts/{draft_id}").text
    clerk, clerk_csrf = web.login("clerk")
    assert "Draft the minutes again" not in clerk.get(f"/meetings/{mid}").text  # a reviewer's call
    assert clerk.post(f"/meetings/{mid}/redraft", data={"csrf": clerk_csrf}).status_code == 403
    queued = reviewer.post(f"/meetings/{mid}/redraft", data={"csrf": csrf})
    assert queued.status_code == 303
    assert reviewer.post(f"/meetings/{mid}/redraft", data={"csrf": csrf}).status_code == 409  # already queued
    assert worker.run_pending(web.ctx) == 1
    with web.ctx.tx() as s:
        job = s.exec(select(Job).where(Job.meeting_id == mid).order_by(Job.id.desc())).first()
    assert (job.batch, job.status, job.requested_by) == (jobs.REDRAFT_BATCH, "done", "Rhys Reviewer")
    assert draft.batch == "cli"
    progress = reviewer.get(f"/meetings/{mid}/recording").text
    assert "Done." in progress and "Review the draft" in progress
    new_id = json.loads(run("review", "list", "--json").output)[-1]["id"]
    assert new_id != draft_id and shown(draft_id)["status"] == "rejected"
    assert [a["owner"] for a in shown(new_id)["items"] if a["kind"] == "action"] == ["Tom"]
    assert "Speakers were named after draft" not in reviewer.get(f"/meetings/{mid}").text
