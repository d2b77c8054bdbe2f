"""Consent through the CLI on a real store: records, evidence, status table, history, audit, notice, bad input."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex

import pytest
from canned import tiny_wav
from click.testing import CliRunner
from pg import sql

from minutes.cli import cli
from minutes.consent import hooks
from minutes.core.config import load_settings
from minutes.core.store import Database
from minutes.db import Recording

TABLES = ("meeting", "participant", "person", "consent_record", "audit_event", "stage_run")


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def ok(*args: str) -> str:
    res = run(*args)
    assert res.exit_code == 0, res.output
    return res.output


def counts(home) -> dict[str, int]:
    return {t: sql(home, f"select count(*) from {t}")[0][0] for t in TABLES}


@pytest.fixture
def meeting(home, database):
    ok(
        "meeting",
        "create",
        "Science",
        "--date",
        "2026-11-23",
        "--participant",
        "Priya:chair",
        "--participant",
        "Tom",
        "--participant",
        "Zoë O'Brien-Ñúñez",
    )
    return "1"


def status(mid: str) -> dict:
    return json.loads(ok("consent", "status", mid, "--json"))


def states(mid: str) -> dict[str, dict[str, str]]:
    return {p["name"]: {k: v["state"] for k, v in p["scopes"].items()} for p in status(mid)["participants"]}


def test_status_table_and_json_follow_the_records(meeting):
    ok(
        "consent",
        "give",
        meeting,
        "priya",
        "--scope",
        "all",
        "--method",
        "verbal",
        "--evidence-at",
        "0:05-0:09",
    )
    ok("consent", "give", meeting, "Tom", "--scope", "record,transcribe", "--method", "written")
    ok("consent", "refuse", meeting, "Tom", "--scope", "summarise", "--method", "verbal")
    ok("consent", "give", meeting, "Zoë O'Brien-Ñúñez", "--scope", "all", "--method", "form")
    ok("consent", "withdraw", meeting, "zoë o'brien-ñúñez", "--scope", "diarise", "--method", "verbal")
    assert states(meeting) == {
        "Priya": dict(record="given", transcribe="given", diarise="given", summarise="given"),
        "Tom": dict(record="given", transcribe="given", diarise="missing", summarise="refused"),
        "Zoë O'Brien-Ñúñez": dict(record="given", transcribe="given", diarise="withdrawn", summarise="given"),
    }
    assert status(meeting)["stages"] == dict(record=True, transcribe=True, diarise=False, summarise=False)
    text = ok("consent", "status", meeting)
    for word in ("Priya", "Tom", "refused", "withdrawn", "missing", "verbal", "written", "form"):
        assert word in text
    assert "stages: record allowed, transcribe allowed, diarise blocked, summarise blocked" in text


def test_each_record_is_reported_in_words_naming_the_person(meeting, home):
    said = ok("consent", "give", meeting, "priya", "--scope", "record,transcribe", "--method", "verbal")
    assert said == f"Consent given by Priya for meeting {meeting}: record, transcribe.\n"
    said = ok("consent", "refuse", meeting, "zoë o'brien-ñúñez", "--scope", "all", "--method", "written")
    assert said == f"Consent refused by Zoë O'Brien-Ñúñez for meeting {meeting}: all four stages.\n"
    said = ok("consent", "withdraw", meeting, "Priya", "--scope", "transcribe", "--method", "verbal")
    assert said.splitlines() == [
        f"Consent withdrawn by Priya for meeting {meeting}: transcribe.",
        f"Removed from meeting {meeting}:",
        "  - nothing had been derived from them yet",
    ]


def test_records_are_appended_never_updated(meeting, home):
    ok("consent", "give", meeting, "Tom", "--scope", "summarise", "--method", "verbal", "--by", "Mrs Clerk")
    ok("consent", "withdraw", meeting, "Tom", "--scope", "summarise", "--method", "written")
    ok("consent", "give", meeting, "Tom", "--scope", "summarise", "--method", "form")
    hist = json.loads(ok("consent", "history", meeting, "--json"))
    assert [(h["decision"], h["method"]) for h in hist] == [
        ("given", "verbal"),
        ("withdrawn", "written"),
        ("given", "form"),
    ]
    assert hist[0]["recorded_by"] == "Mrs Clerk" and all(h["name"] == "Tom" for h in hist)
    assert states(meeting)["Tom"]["summarise"] == "given"
    assert "withdrawn" in ok("consent", "history", meeting)


def test_evidence_file_is_copied_with_its_hash_and_audited_without_names(meeting, home, tmp_path):
    form = tmp_path / "Tom consent form.PDF"
    form.write_bytes(b"%PDF-1.4 signed form")
    digest = hashlib.sha256(form.read_bytes()).hexdigest()
    out = json.loads(
        ok(
            "consent",
            "give",
            meeting,
            "Tom",
            "--scope",
            "all",
            "--method",
            "form",
            "--evidence",
            str(form),
            "--json",
        )
    )
    assert {r["evidence_sha256"] for r in out} == {digest} and len(out) == 4
    copy = home / "files" / "evidence" / f"{digest}.pdf"
    assert copy.read_bytes() == form.read_bytes()
    rows = sql(home, "select subject_json, hashes_json, actor from audit_event where kind='consent.given'")
    paths = {r[0] for r in sql(home, "select evidence_path from consent_record")}
    assert paths == {f"evidence/{digest}.pdf"}
    assert len(rows) == 4
    for subject, hashes, _actor in rows:
        assert json.loads(hashes)["evidence"] == digest and json.loads(hashes).keys() == {
            "evidence",
            "record",
        }
        assert json.loads(subject)["participant_id"] == 2 and "Tom" not in subject


def test_standing_consent_applies_inside_its_window_and_meeting_level_wins(home, database):
    ok("person", "add", "Helen", "--role", "teacher")
    ok(
        "consent",
        "standing",
        "give",
        "Helen",
        "--scope",
        "all",
        "--from",
        "2026-09-01",
        "--until",
        "2099-12-20",
        "--method",
        "form",
    )
    ok("meeting", "create", "In term", "--date", "2026-11-23", "--participant", "Helen")
    ok("meeting", "create", "Before term", "--date", "2026-08-01", "--participant", "Helen")
    assert set(states("1")["Helen"].values()) == {"given"}
    assert set(states("2")["Helen"].values()) == {"missing"}
    ok("consent", "refuse", "1", "Helen", "--scope", "diarise", "--method", "verbal")
    assert states("1")["Helen"]["diarise"] == "refused"
    ok("consent", "standing", "withdraw", "Helen", "--scope", "transcribe", "--method", "written")
    assert states("1")["Helen"] == dict(
        record="given", transcribe="withdrawn", diarise="refused", summarise="given"
    )
    text = ok("consent", "status", "1")
    assert "standing" in text


def test_standing_consent_that_ended_before_the_meeting_shows_expired(home, database):
    ok("person", "add", "Sam")
    ok(
        "consent",
        "standing",
        "give",
        "Sam",
        "--scope",
        "record",
        "--from",
        "2026-01-01",
        "--until",
        "2026-03-31",
        "--method",
        "form",
    )
    ok("meeting", "create", "Summer", "--date", "2026-06-01", "--participant", "Sam")
    assert states("1")["Sam"]["record"] == "expired"
    assert "expired" in ok("consent", "status", "1")


def test_withdrawal_fires_the_hooks_in_its_transaction(meeting, home):
    seen = []

    def hook(session, w):
        seen.append((w.meeting_id, w.participant_id, w.scopes, session.in_transaction()))

    hooks.on_withdrawal(hook)
    try:
        ok("consent", "withdraw", meeting, "Tom", "--scope", "diarise,summarise", "--method", "verbal")
    finally:
        hooks._HOOKS.remove(hook)
    assert seen == [(1, 2, ("diarise", "summarise"), True)]


def test_a_failing_hook_leaves_no_withdrawal_rows(meeting, home):
    def broken(session, w):
        raise RuntimeError("purge failed")

    hooks.on_withdrawal(broken)
    before = counts(home)
    try:
        res = run("consent", "withdraw", meeting, "Tom", "--scope", "all", "--method", "verbal")
    finally:
        hooks._HOOKS.remove(broken)
    assert res.exit_code != 0 and counts(home) == before


def _add_recording(home, duration: float) -> None:
    db = Database.open(load_settings(home))
    with db.session() as s:
        s.add(Recording(meeting_id=1, original_name="m.wav", sha256="0" * 64, duration=duration))
    db.close()


def test_evidence_range_inside_the_recording_is_kept(meeting, home):
    _add_recording(home, 98.0)
    ok(
        "consent",
        "give",
        meeting,
        "Tom",
        "--scope",
        "record",
        "--method",
        "verbal",
        "--evidence-at",
        "1:30-1:38",
    )
    hist = json.loads(ok("consent", "history", meeting, "--json"))
    assert hist[0]["evidence_at"] == "1:30-1:38"


def test_evidence_range_outside_the_recording_is_refused(meeting, home):
    _add_recording(home, 98.0)
    before = counts(home)
    res = run(
        "consent", "give", meeting, "Tom", "--scope", "record", "--method", "verbal", "--evidence-at", "90-99"
    )
    assert res.exit_code == 2 and "outside the recording" in res.output and counts(home) == before


def test_a_blocked_run_prints_commands_that_unblock_every_later_stage(meeting, home, tmp_path):
    """Following the printed commands once is enough: the next run is not blocked again at transcribe,
    diarise or summarise (it used to print `--scope record` only)."""
    ok("consent", "give", meeting, "Priya", "--scope", "all", "--method", "verbal")
    ok("consent", "give", meeting, "Tom", "--scope", "record,transcribe", "--method", "verbal")
    res = run("attach", meeting, str(tiny_wav(tmp_path / "m.wav")))
    assert res.exit_code == 5 and "record is blocked" in res.output
    commands = re.findall(r"`(minutes consent give [^`]+)`", res.output)
    assert sorted(commands) == sorted(
        [
            f'minutes consent give {meeting} "Zoë O\'Brien-Ñúñez" --scope all --method verbal',
            f'minutes consent give {meeting} "Tom" --scope diarise,summarise --method verbal',
        ]
    ), res.output
    assert "later stages need transcribe, diarise, summarise consent too" in res.output
    for command in commands:
        ok(*shlex.split(command)[1:])
    assert status(meeting)["stages"] == dict.fromkeys(("record", "transcribe", "diarise", "summarise"), True)
    ok("attach", meeting, str(tmp_path / "m.wav"))


@pytest.mark.parametrize(
    "args, message",
    [
        (("consent", "give", "9", "Tom", "--scope", "all", "--method", "verbal"), "no meeting 9"),
        (
            ("consent", "give", "1", "Nobody", "--scope", "all", "--method", "verbal"),
            "has no participant 'Nobody'",
        ),
        (
            ("consent", "give", "1", "Tom", "--scope", "record,facial", "--method", "verbal"),
            "unknown scope 'facial'",
        ),
        (("consent", "give", "1", "Tom", "--scope", " , ", "--method", "verbal"), "no scope given"),
        (("consent", "give", "1", "Tom", "--scope", "all", "--method", "nod"), "unknown method"),
        (
            (
                "consent",
                "give",
                "1",
                "Tom",
                "--scope",
                "all",
                "--method",
                "form",
                "--evidence",
                "missing.pdf",
            ),
            "does not exist",
        ),
        (
            ("consent", "give", "1", "Tom", "--scope", "all", "--method", "form", "--evidence", "."),
            "is a folder",
        ),
        (
            ("consent", "give", "1", "Tom", "--scope", "all", "--method", "form", "--evidence", "empty.pdf"),
            "is empty",
        ),
        (
            (
                "consent",
                "give",
                "1",
                "Tom",
                "--scope",
                "all",
                "--method",
                "form",
                "--evidence",
                "empty.pdf/x",
            ),
            "cannot read",
        ),
        (
            (
                "consent",
                "give",
                "1",
                "Tom",
                "--scope",
                "all",
                "--method",
                "verbal",
                "--evidence-at",
                "1:20-1:05",
            ),
            "inverted",
        ),
        (
            (
                "consent",
                "give",
                "1",
                "Tom",
                "--scope",
                "all",
                "--method",
                "verbal",
                "--evidence-at",
                "1:75-2:00",
            ),
            "not a time",
        ),
        (
            ("consent", "give", "1", "Tom", "--scope", "all", "--method", "verbal", "--evidence-at", "12"),
            "not a time range",
        ),
        (
            ("consent", "give", "1", "Tom", "--scope", "all", "--method", "verbal", "--by", "\x1b[31m"),
            "control",
        ),
        (
            (
                "consent",
                "standing",
                "give",
                "Nobody",
                "--scope",
                "all",
                "--method",
                "form",
                "--from",
                "2026-01-01",
                "--until",
                "2026-02-01",
            ),
            "no person 'Nobody'",
        ),
        (
            ("consent", "standing", "give", "Priya Shah", "--scope", "all", "--method", "form"),
            "needs --from and --until",
        ),
        (
            (
                "consent",
                "standing",
                "give",
                "Priya Shah",
                "--scope",
                "all",
                "--method",
                "form",
                "--from",
                "2026-03-01",
                "--until",
                "2026-02-01",
            ),
            "inverted",
        ),
        (("consent", "status", "42"), "no meeting 42"),
        (("consent", "history", "abc"), "meeting id must be a number"),
        (("consent", "notice", "1", "--format", "pdf"), "unknown format"),
    ],
)
def test_bad_input_one_line_error_and_no_rows(meeting, home, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty.pdf").write_bytes(b"")
    ok("person", "add", "Priya Shah")
    before = counts(home)
    res = run(*args)
    not_found = message.startswith(("no meeting", "has no participant"))
    assert res.exit_code == (3 if not_found else 2), res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], res.output
    assert counts(home) == before
    assert not (home / "files" / "evidence").exists() or not any((home / "files" / "evidence").iterdir())


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_evidence_file(meeting, home, tmp_path):
    form = tmp_path / "form.pdf"
    form.write_bytes(b"x")
    form.chmod(0)
    res = run(
        "consent", "give", meeting, "Tom", "--scope", "all", "--method", "form", "--evidence", str(form)
    )
    assert res.exit_code == 2 and "cannot read evidence file" in res.output


def test_notice_reads_plainly_with_settings(meeting, home):
    (home / "config.toml").write_text(
        "[retention]\naudio_days_after_release = 14\n"
        "transcript_days_after_release = 90\n"
        '[notice]\norganisation = "Hill School"\ncontact = "Mrs A. Clerk, 01234 567890"\n'
    )
    md = ok("consent", "notice", meeting)
    assert md.startswith("# Recording this meeting: Science, Monday 23 November 2026")
    for phrase in (
        "Hill School would like to record this meeting",
        "never leaves that computer",
        "does not learn from what you say",
        "A person checks and corrects the draft",
        "audio recording 14 days after",
        "said 90 days after",
        "remove your words",
        "delete the audio recording",
        "Please contact Mrs A. Clerk, 01234 567890.",
    ):
        assert phrase in md
    txt = ok("consent", "notice", meeting, "--format", "txt")
    assert "#" not in txt and "never leaves that computer" in txt
    sentences = [s for line in txt.splitlines() for s in line.split(". ") if s.strip()]
    assert max(len(s.split()) for s in sentences) <= 25  # short sentences
    for jargon in ("diaris", "LLM", "transcri", "model", "GDPR", "algorithm"):
        assert jargon.lower() not in txt.lower()
    (home / "config.toml").write_text("")  # the default organisation, "the school", starts a sentence
    assert "- The school would like to record this meeting" in ok("consent", "notice", meeting)


def test_a_participant_added_by_mistake_can_be_removed_until_consent_or_a_recording(meeting, home):
    ok("participant", "add", meeting, "Tomm")  # a typo: Tomm was never there and blocks every stage
    for name in ("Priya", "Tom", "Zoë O'Brien-Ñúñez"):
        ok("consent", "give", meeting, name, "--scope", "all", "--method", "verbal")
    assert status(meeting)["stages"]["record"] is False
    assert "removed Tomm" in ok("participant", "remove", meeting, "tomm")
    assert status(meeting)["stages"] == dict(record=True, transcribe=True, diarise=True, summarise=True)
    assert "participant.removed" in ok("audit", "log", "--meeting", meeting)
    ok("audit", "verify")

    before = counts(home)
    refused = run("participant", "remove", meeting, "Tom")  # on record: the ledger is never edited
    assert refused.exit_code == 5 and "consent withdraw" in refused.output and counts(home) == before
    ok("participant", "add", meeting, "Guest")
    _add_recording(home, 98.0)
    late = run("participant", "remove", meeting, "Guest")
    assert (
        late.exit_code == 5
        and "already has a recording" in late.output
        and counts(home)
        == before | {"participant": before["participant"] + 1, "audit_event": before["audit_event"] + 1}
    )
    missing = run("participant", "remove", meeting, "Nobody")
    assert missing.exit_code == 3 and "has no participant 'Nobody'" in missing.output


def test_a_report_that_cannot_be_written_records_nothing(meeting, home):
    """Issue 40, item 16: `consent give ... > /dev/full` must not say nothing and keep the record."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "MINUTES_HOME": str(home)}
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-c", "from minutes.cli import main; main()", "consent", "give", meeting, "Tom",
             "--scope", "all", "--method", "verbal"],
            stdout=full, stderr=subprocess.PIPE, text=True, env=env, timeout=120,
        )  # fmt: skip
    assert done.returncode == 74, done.stderr
    assert done.stderr.strip().startswith("error: the report could not be written (No space left on device)")
    assert json.loads(ok("consent", "history", meeting, "--json")) == []
    assert sql(home, "SELECT count(*) FROM consent_record") == [(0,)]
    ok("consent", "give", meeting, "Tom", "--scope", "all", "--method", "verbal")  # with somewhere to write
    assert len(json.loads(ok("consent", "history", meeting, "--json"))) == 4
