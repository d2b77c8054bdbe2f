"""Withdrawal propagation: after `minutes consent withdraw`, none of the person's words, no audio and no voice
embedding is left in the database file, its WAL, the file store, the exports or the logs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from minutes.consent.hooks import Withdrawal, fire_withdrawal
from pg import db_url, dump_bytes, sql
from processed_meeting import approve_and_release, build, demo_draft, line, run, stm_lines

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
    """Meeting released with minutes exported (md and docx) and a second, pending draft of the same meeting."""
    settings = load_settings()
    setup_logging(settings.log_dir)
    built = build(settings)
    approve_and_release(built.draft_id)
    out = tmp_path / "exports"
    out.mkdir()
    for fmt in ("md", "docx"):
        assert run("export", built.draft_id, "--format", fmt, "--out", out / f"minutes.{fmt}").exit_code == 0
    db = Database.open(settings)
    with db.session() as s:
        pending = create_draft(s, built.meeting_id, built.transcript_id, demo_draft(), "test-extractor").id
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


def needles(voice: bytes) -> list[bytes]:
    return [w.encode() for w in TOM_PHRASES + TOM_WORDS] + [voice[:32], voice[256:288]]


def test_withdrawal_leaves_no_words_audio_or_voice(processed, home):
    built, pending, out = processed
    tom_voice = built.voices["Tom"]
    before = scanned_bytes(home, out)
    assert found(before, needles(tom_voice)), "the scan must see Tom's words and voice before the withdrawal"
    assert built.audio.exists()

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
    assert "Yes, I'll book it by Friday." not in quotes and line("Priya", "So we're agreed").text in quotes
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
    assert "Re-issued: a participant withdrew consent" in text


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
        "evidence_removed": 4,
        "names_replaced": 4,
        "drafts_returned_to_review": [pending],
        "releases_reissued": [2],
        "exports_invalidated": [str(out / "minutes.md"), str(out / "minutes.docx")],
        "exports_need_attention": [],
    }
    assert sql(home, "SELECT count(*) FROM segment")[0][0] == 16 - len(toms)
    assert sql(home, "SELECT count(*) FROM speaker_label")[0][0] == 3
    assert sql(home, "SELECT count(*) FROM voice_enrolment")[0][0] == 3


def test_standing_withdrawal_reaches_every_meeting_of_the_person(home, database):
    from minutes.consent.meetings import add_person

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
