"""Withdrawal propagation: after `minutes consent withdraw`, none of the person's words, no audio and no voice
embedding is left in the database file, its WAL, the file store, the exports or the logs."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from pg import db_url, dump_bytes, sql
from processed_meeting import approve_and_release, build, demo_draft, line, run, stm_lines

from minutes.consent.hooks import Withdrawal, fire_withdrawal
from minutes.core.config import load_settings
from minutes.core.logs import setup_logging
from minutes.core.store import Database
from minutes.records.export import WITHDRAWN
from minutes.records.withdrawal import WithdrawalReport
from minutes.review import create_draft

# Tom's words, from his lines in reference.stm; the single words occur in no one else's line
TOM_PHRASES = [
    "coach prices",
    "cheapest option",
    "twelve pounds a head",
    "if we go on a Tuesday",
    "The coach company said April is no problem",
    "That works for me",
    "I'll book it by Friday",
]
TOM_WORDS = ["cheapest", "twelve", "pounds", "prices", "company"]


def test_tom_words_are_his_alone():
    others = " ".join(x.text for x in stm_lines() if x.speaker != "Tom").casefold()
    toms = " ".join(x.text for x in stm_lines() if x.speaker == "Tom").casefold()
    for w in TOM_WORDS + TOM_PHRASES:
        assert w.casefold() in toms and w.casefold() not in others, w


@pytest.fixture
def processed(home, database, tmp_path):
    """Meeting released with minutes exported (md and docx) and a second, pending draft of the same meeting; both
    with discussion points and the summary made of them."""
    settings = load_settings()
    setup_logging(settings.log_dir)
    built = build(settings, demo_draft(points=True))
    approve_and_release(built.draft_id)
    out = tmp_path / "exports"
    out.mkdir()
    for fmt in ("md", "docx"):
        assert run("export", built.draft_id, "--format", fmt, "--out", out / f"minutes.{fmt}").exit_code == 0
    db = Database.open(settings)
    with db.session() as s:
        pending = create_draft(
            s, built.meeting_id, built.transcript_id, demo_draft(points=True), "test-extractor"
        ).id
    db.close()
    return built, pending, out


def scanned_bytes(home: Path, *folders: Path) -> dict[str, bytes]:
    """The database and its WAL after a checkpoint (SQLite) or its rows (PostgreSQL), and every file in the
    store, the logs and the given folders."""
    paths = {p for root in (home, *folders) for p in root.rglob("*") if p.is_file()}
    if not db_url(home).startswith("sqlite"):  # PostgreSQL: the rows (its files belong to the server)
        return {str(p): p.read_bytes() for p in sorted(paths)} | {str(home / "minutes.db"): dump_bytes(home)}
    sql(home, "PRAGMA wal_checkpoint(TRUNCATE)")
    paths |= {home / "minutes.db", home / "minutes.db-wal"}
    return {str(p): p.read_bytes() for p in sorted(paths) if p.exists()}


def found(blobs: dict[str, bytes], needles: list[bytes]) -> list[tuple[str, bytes]]:
    return [(name, n) for name, data in blobs.items() for n in needles if n.lower() in data.lower()]


def named(blobs: dict[str, bytes], name: str) -> list[str]:
    """The files holding `name` as a word (any case; "Tom" is not in "bottom")."""
    pattern = re.compile(rb"(?<![a-z])" + re.escape(name.encode()) + rb"(?![a-z])", re.IGNORECASE)
    return [file for file, data in blobs.items() if pattern.search(data)]


def needles(voice: bytes) -> list[bytes]:
    return [w.encode() for w in TOM_PHRASES + TOM_WORDS] + [voice[:32], voice[256:288]]


def test_withdrawal_leaves_no_words_audio_or_voice(processed, home):
    built, pending, out = processed
    tom_voice = built.voices["Tom"]
    before = scanned_bytes(home, out)
    assert found(before, needles(tom_voice)), "the scan must see Tom's words and voice before the withdrawal"
    assert named(before, "Tom") and built.audio.exists()
    summaries = sql(home, "SELECT summary, original FROM draft")
    assert all("coach prices" in summary and "coach prices" in str(o) for summary, o in summaries)
    assert any("coach prices" in text for (text,) in sql(home, "SELECT text FROM point")), (
        "points are populated"
    )

    result = run(
        "consent",
        "withdraw",
        built.meeting_id,
        "Tom",
        "--scope",
        "all",
        "--method",
        "written",
        "--by",
        "Clerk",
    )
    assert result.exit_code == 0, result.output
    said = result.output.splitlines()
    mid = built.meeting_id
    assert said[:2] == [
        f"Consent withdrawn by Tom for meeting {mid}: all four stages.",
        f"Removed from meeting {mid}:",
    ]
    report = "\n".join(said[2:])
    for words in (
        "passages of the transcript (",
        "stretches marked as their voice, and the link between their voice and their name, deleted",
        "1 voice sample deleted",
        "the meeting's audio recording deleted (1 file",
        "their name replaced in",
        f"draft {pending} sent back to review",
        "released minutes re-issued with their name replaced (release",
        "2 exported files of the meeting deleted",
    ):
        assert words in report, (words, report)
    assert "[" not in report and "removed" not in report and "_" not in report

    after = scanned_bytes(home, out)
    assert found(after, needles(tom_voice)) == []
    assert named(after, "Tom") == [], "his name goes from everyone's lines, the items and his row"
    assert not [name for name, data in after.items() if data[:4] == b"RIFF" or name.endswith(".wav")]
    assert not built.audio.exists() and not list(out.iterdir())
    others = [built.voices[n][:32] for n in ("Priya", "Helen", "Sam")]
    assert len(found(after, others)) == 3, "other people's voices are not touched"
    assert b"Tuesdays clash with the Year 11 mock exams" in after[str(home / "minutes.db")], (
        "Helen's words stay"
    )
    assert run("audit", "verify").exit_code == 0
    log = (home / "logs" / "minutes.log").read_text()
    assert f"withdrawal: participant {built.participants['Tom']} of meeting {built.meeting_id}" in log
    assert "Tom" not in log


def test_drafts_exports_and_release_after_withdrawal(processed, home, tmp_path):
    built, pending, out = processed
    assert (
        run(
            "consent",
            "withdraw",
            built.meeting_id,
            "Tom",
            "--scope",
            "transcribe",
            "--method",
            "verbal",
            "--by",
            "Clerk",
        ).exit_code
        == 0
    )
    released = json.loads(run("review", "show", built.draft_id, "--json").output)
    assert released["status"] == "released"
    items = {i["ref"]: i for i in released["items"]}
    assert len([i for i in released["items"] if i["kind"] == "decision"]) == 2, "the decisions stay on record"
    assert items["a1"]["owner"] == WITHDRAWN
    quotes = [e["quote"] for i in released["items"] for e in i["evidence"]]
    assert "Yes, I'll book it by Friday." not in quotes
    assert line("Priya", "So we're agreed").text.replace("Tom", WITHDRAWN) in quotes, "his name goes too"
    assert [h["kind"] for h in released["history"]][-2:] == ["withdrawal", "reissue"]
    reopened = json.loads(run("review", "show", pending, "--json").output)
    assert reopened["status"] == "in_review"
    assert reopened["notes"] == [
        f"an action's owner was changed from Priya to {WITHDRAWN}, who was asked to do it at line 6"
    ]
    # a JSON column: text on SQLite, already parsed on PostgreSQL
    rows = sql(home, "SELECT original FROM draft ORDER BY id")
    originals = [o if isinstance(o, dict) else json.loads(o) for (o,) in rows]
    assert all("Tom" not in note for o in originals for note in o["notes"]) and originals[1]["notes"]
    assert reopened["history"][-1]["reason"].startswith("a participant withdrew consent")
    assert sql(home, "SELECT id, reissue_of FROM release ORDER BY id") == [
        (1, None),
        (2, 1),
    ]
    assert sql(home, "SELECT count(*) FROM export WHERE invalidated_at IS NULL")[0][0] == 0
    assert sql(home, "SELECT path, audio_deleted_at IS NOT NULL FROM recording") == [(None, 1)]
    kinds = [
        e["kind"] for e in json.loads(run("audit", "log", "--meeting", built.meeting_id, "--json").output)
    ]
    assert kinds[-4:] == ["consent.withdrawn", "release.reissue", "review.withdrawal", "withdrawal.propagate"]
    md = tmp_path / "again.md"
    assert run("export", built.draft_id, "--format", "md", "--out", md).exit_code == 0
    text = md.read_text()
    assert (
        f"**Attendees:** Priya, {WITHDRAWN}, Helen, Sam" in text and f"| {WITHDRAWN} | Book the coach" in text
    )
    assert re.search(r"Re-issued on \w+day \d{1,2} \w+ \d{4}: a participant withdrew consent", text)


def test_hook_reports_exactly_what_it_removed(processed, home):
    built, pending, out = processed
    settings = load_settings()
    db = Database.open(settings)
    with db.session() as s:
        s.info["settings"] = settings
        reports = fire_withdrawal(
            s, Withdrawal("Clerk", ("diarise",), built.meeting_id, built.participants["Tom"])
        )
    db.close()
    [report] = [
        r for r in reports if isinstance(r, WithdrawalReport)
    ]  # names: a1's owner and a note, in 2 drafts
    toms = [x for x in stm_lines() if x.speaker == "Tom"]
    assert report.to_json() == {
        "participants": [built.participants["Tom"]],
        "meetings": [built.meeting_id],
        "transcripts_removed": [],
        "segments_removed": len(toms),
        "unattributed_segments_removed": 0,
        "words_removed": sum(len(x.text.split()) for x in toms),
        "speaker_turns_removed": len(toms),
        "speaker_labels_removed": 1,
        "voice_enrolments_removed": 1,
        "audio_deleted": [str(built.audio.relative_to(settings.files_dir))],
        "evidence_removed": 8,  # per draft: his line cited by d1, a1, p1 and p3
        "items_removed": 2,  # p1 of each draft rests on his words alone
        # per draft: a1's owner, a note and three quotes of Priya's "Tom, can you book"; two lines of Priya's
        "names_replaced": 12,
        "drafts_returned_to_review": [pending],
        "releases_reissued": [2],
        "exports_invalidated": [str(out / "minutes.md"), str(out / "minutes.docx")],
        "exports_need_attention": [],
    }
    assert sql(home, "SELECT count(*) FROM segment")[0][0] == 16 - len(toms)
    assert sql(home, "SELECT count(*) FROM speaker_label")[0][0] == 3
    assert sql(home, "SELECT count(*) FROM voice_enrolment")[0][0] == 3


def test_standing_withdrawal_reaches_every_meeting_of_the_person(home, database):
    from minutes.records.meetings import add_person

    settings = load_settings()
    db = Database.open(settings)
    with db.session() as s:
        add_person(s, "Tom", actor="Clerk")
    db.close()
    first, second = build(settings), build(settings)
    result = run(
        "consent", "standing", "withdraw", "Tom", "--scope", "all", "--method", "written", "--by", "Clerk"
    )
    assert result.exit_code == 0, result.output
    assert not first.audio.exists() and not second.audio.exists()
    assert sql(home, "SELECT count(*) FROM segment WHERE speaker = 'SPEAKER_01'")[0][0] == 0
    assert sql(home, "SELECT count(*) FROM segment")[0][0] == 2 * (16 - 3)
    events = json.loads(run("audit", "log", "--kind", "withdrawal.propagate", "--json").output)
    assert sorted(e["meeting_id"] for e in events) == [first.meeting_id, second.meeting_id]


def test_named_transcript_segments_are_removed_by_name(home, database):
    """Transcripts that store names instead of diarisation labels lose the person's segments too."""
    settings = load_settings()
    built = build(settings)
    sql(home, "UPDATE segment SET speaker = 'Tom' WHERE speaker = 'SPEAKER_01'")
    sql(home, "UPDATE word SET speaker = 'Tom' WHERE speaker = 'SPEAKER_01'")
    sql(home, "DELETE FROM speaker_label WHERE label = 'SPEAKER_01'")
    assert (
        run(
            "consent",
            "withdraw",
            built.meeting_id,
            "Tom",
            "--scope",
            "summarise",
            "--method",
            "verbal",
            "--by",
            "Clerk",
        ).exit_code
        == 0
    )
    assert sql(home, "SELECT count(*) FROM segment WHERE speaker = 'Tom'")[0][0] == 0
    assert sql(home, "SELECT count(*) FROM word WHERE speaker = 'Tom'")[0][0] == 0
    assert sql(home, "SELECT count(*) FROM segment")[0][0] == 16 - 3  # Tom speaks three times


def test_withdraw_command_reports_what_it_removed(processed, home):
    """`minutes consent withdraw` prints exactly what was removed: counts and ids, never text."""
    built, pending, _ = processed
    result = run(
        "consent",
        "withdraw",
        built.meeting_id,
        "Tom",
        "--scope",
        "all",
        "--method",
        "written",
        "--by",
        "Clerk",
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {r["decision"] for r in data["records"]} == {"withdrawn"}
    [removed] = data["removed"]
    toms = [x for x in stm_lines() if x.speaker == "Tom"]
    assert removed["segments_removed"] == len(toms) and removed["voice_enrolments_removed"] == 1
    assert pending in removed["drafts_returned_to_review"]
    assert not any(p in result.output.lower() for p in ("coach prices", "twelve pounds"))


def test_a_withdrawal_is_refused_when_propagation_is_not_wired():
    """Library code that bypasses minutes.service must not record a withdrawal without its purge."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from minutes.consent import hooks\n"
        "from minutes.errors import MinutesError\n"
        "try:\n"
        "    hooks.fire_withdrawal(None, hooks.Withdrawal(actor='clerk', scopes=('record',), participant_id=1))\n"
        "except MinutesError as exc:\n"
        "    print(exc)\n"
        "    sys.exit(0)\n"
        "sys.exit(1)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "not wired" in done.stdout, done.stdout + done.stderr


def withdraw(meeting_id: int, name: str, *extra: str):
    result = run(
        "consent",
        "withdraw",
        meeting_id,
        name,
        "--scope",
        "all",
        "--method",
        "written",
        "--by",
        "Clerk",
        *extra,
    )
    assert result.exit_code == 0, result.output
    return result


# -- issue 40, item 1: what rests on their words alone goes, in the items, the summary and the original ----------
def test_points_summary_and_original_lose_what_rests_on_their_words(processed, home, tmp_path):
    built, pending, _ = processed
    withdraw(built.meeting_id, "Tom")
    for summary, text in sql(home, "SELECT summary, original FROM draft"):
        assert "coach prices" not in summary and "cheapest" not in summary
        assert "Tuesdays clash" in summary, "the summary is rebuilt from the points left"
        assert "coach prices" not in str(text) and "cheapest" not in str(text)
    assert not [t for (t,) in sql(home, "SELECT text FROM point") if "coach" in t]
    view = json.loads(run("review", "show", pending, "--json").output)
    p1 = next(i for i in view["items"] if i["ref"] == "p1")
    assert (p1["resolution"], p1["status"], p1["evidence"]) == ("removed", "unsupported", [])
    assert run("review", "approve", pending, "--by", "Mrs Reviewer").exit_code == 0
    assert run("release", pending, "--by", "Mr Chair").exit_code == 0
    for draft in (built.draft_id, pending):
        md = tmp_path / f"again-{draft}.md"
        assert run("export", draft, "--format", "md", "--out", md).exit_code == 0
        text = md.read_text()
        assert "coach prices" not in text and "Tuesdays clash with the Year 11 mock exams" in text
    diff = json.loads(run("review", "diff", pending, "--json").output)
    assert "coach prices" not in json.dumps(diff)


def test_a_summary_without_points_loses_the_sentences_that_repeat_their_words(home, database):
    draft = demo_draft()
    draft.summary = (
        "Tom found the cheapest option is twelve pounds a head. Helen said Tuesdays clash with mock exams."
    )
    draft.notes.append("not a discussion point (too vague): the coach company said April is no problem")
    built = build(load_settings(), draft)
    withdraw(built.meeting_id, "Tom")
    [(summary, notes)] = sql(home, "SELECT summary, notes FROM draft")
    assert summary == "Helen said Tuesdays clash with mock exams."
    assert "coach company" not in str(notes) and "Tom" not in str(notes)


# -- item 2: names that begin or end with something other than a letter --------------------------------------
@pytest.mark.parametrize("name", ["Ann Lee Jr.", "Bo (Robert)", "Kim 🙂", "(Jo)"])
def test_a_name_that_ends_in_punctuation_or_an_emoji_is_replaced(home, database, name):
    built = build(load_settings())
    assert run("participant", "add", built.meeting_id, name).exit_code == 0
    edit = run(
        "review", "resolve", built.draft_id, "a2", "--edit", f"{name} drafts the letter to parents",
        "--owner", name, "--by", "Mrs Reviewer",
    )  # fmt: skip
    assert edit.exit_code == 0, edit.output
    withdraw(built.meeting_id, name)
    view = json.loads(run("review", "show", built.draft_id, "--json").output)
    a2 = next(i for i in view["items"] if i["ref"] == "a2")
    assert (a2["owner"], a2["text"]) == (WITHDRAWN, f"{WITHDRAWN} drafts the letter to parents")


def test_a_name_inside_another_word_is_left_alone(home, database):
    built = build(load_settings())
    withdraw(built.meeting_id, "Sam")
    texts = [t for (t,) in sql(home, "SELECT text FROM segment")]
    assert not any("Sam" in t for t in texts), "Priya's 'Sam, could you draft' is redacted"
    [(task,)] = sql(home, "SELECT task FROM action WHERE idx = 2")
    assert task == "Check the budget for the lab technician post with the business manager"


# -- item 9: their name inside other people's words, with the spellings the ASR and a reviewer used ----------
def test_their_name_goes_from_other_peoples_lines_quotes_and_exports(processed, home, tmp_path):
    built, pending, out = processed
    withdraw(built.meeting_id, "Tom")
    lines = [t for (t,) in sql(home, "SELECT text FROM segment")]
    assert (
        f"Good. So we're agreed, the trip moves to the last week of April. {WITHDRAWN}, can you book the coach by Friday?"
        in lines
    )
    words = [w for (w,) in sql(home, "SELECT word FROM word")]
    assert "Tom," not in words and f"{WITHDRAWN}," in words
    assert not [q for (q,) in sql(home, "SELECT quote FROM evidence") if "Tom" in q]
    for fmt in ("txt", "vtt", "srt", "json"):
        path = tmp_path / f"transcript.{fmt}"
        result = run("export", pending, "--format", fmt, "--transcript", "--out", path)
        assert result.exit_code == 0, result.output
        assert "Tom" not in path.read_text() and "Helen" in path.read_text()
    grid = json.loads(run("consent", "status", built.meeting_id, "--json").output)
    names = [p["name"] for p in grid["participants"]]
    assert names == ["Priya", f"Withdrawn participant {built.participants['Tom']}", "Helen", "Sam"]


def spelt(fixture, old: str, new: str):
    """The demo as an ASR that misheard one name would have written it."""
    from processed_meeting import Line

    lines = [Line(x.speaker, x.start, x.end, x.text.replace(old, new)) for x in fixture.lines]
    return dataclasses.replace(fixture, lines=lines)


def test_the_spellings_a_reviewer_corrected_and_the_clerk_gives_go_too(home, database):
    from processed_meeting import demo_fixture

    fixture = spelt(spelt(demo_fixture(), "Tom, can you", "Thom, can you"), "Tom books", "Tam books")
    draft = demo_draft()
    draft.actions[0].owner = "Thom"  # the AI copied the ASR's spelling
    draft.actions[0].evidence[0].quote = draft.actions[0].evidence[0].quote.replace("Tom", "Thom")
    built = build(load_settings(), draft, fixture)
    fixed = run("review", "resolve", built.draft_id, "a1", "--owner", "Tom", "--by", "Mrs Reviewer")
    assert fixed.exit_code == 0, fixed.output
    withdraw(built.meeting_id, "Tom", "--spelling", "Tam")
    blob = dump_bytes(home) if not db_url(home).startswith("sqlite") else None
    texts = [t for (t,) in sql(home, "SELECT text FROM segment")] + [
        q for (q,) in sql(home, "SELECT quote FROM evidence")
    ]
    texts += [str(o) for (o,) in sql(home, "SELECT original FROM draft")]
    for spelling in ("Thom", "Tam", "Tom"):
        assert not [t for t in texts if re.search(rf"\b{spelling}\b", t)], spelling
    assert blob is None or b"Thom" not in blob
    assert any(f"{WITHDRAWN} books the coach" in t for t in texts)


def test_a_summary_a_reviewer_wrote_is_kept_but_for_what_repeats_their_words(home, database, tmp_path):
    built = build(load_settings(), demo_draft(points=True))
    doc = tmp_path / "doc.json"
    shown = json.loads(run("review", "show", built.draft_id, "--json").output)
    written = "The trip moves to April. Helen said Tuesdays clash with the Year 11 mock exams."
    document = {
        "summary": written,
        "decisions": [{"id": i["ref"], "text": i["text"]} for i in shown["items"] if i["kind"] == "decision"],
        "actions": [
            {"id": i["ref"], "task": i["text"], "owner": i["owner"], "due": i["due"]}
            for i in shown["items"]
            if i["kind"] == "action"
        ],
        "points": [{"id": i["ref"], "text": i["text"]} for i in shown["items"] if i["kind"] == "point"],
    }
    doc.write_text(json.dumps(document), encoding="utf-8")
    assert run("review", "edit", built.draft_id, "--by", "R", "--from", doc).exit_code == 0
    withdraw(built.meeting_id, "Helen")  # her point goes; the reviewer's summary is not rebuilt from points
    [(summary,)] = sql(home, "SELECT summary FROM draft")
    assert summary == "The trip moves to April."
