"""The audit chain is anchored by a key outside the database, and vouches for consent rows and released minutes.

Each test plays someone who can edit `minutes.db` but cannot read `audit.key`.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat

import pytest
from pg import db_url, sql
from processed_meeting import approve_and_release, build, run
from sqlmodel import Session, create_engine, select

from minutes import review
from minutes.core.config import load_settings
from minutes.core.store import Database
from minutes.db import Release
from minutes.db.audit import AuditEvent, AuditHead, append_event


@pytest.fixture
def released(home, database):
    """Meeting 1 with consent recorded for every participant, its draft approved and released."""
    built = build(load_settings())
    for name in ("Priya", "Tom", "Helen"):
        assert (
            run(
                "consent",
                "give",
                built.meeting_id,
                name,
                "--scope",
                "all",
                "--method",
                "verbal",
                "--evidence-at",
                "0:01-0:03",
                "--by",
                "Clerk",
            ).exit_code
            == 0
        )
    assert (
        run(
            "consent",
            "refuse",
            built.meeting_id,
            "Sam",
            "--scope",
            "diarise",
            "--method",
            "verbal",
            "--by",
            "Clerk",
        ).exit_code
        == 0
    )
    approve_and_release(built.draft_id)
    assert run("audit", "verify").exit_code == 0
    return built


def failed(*needles: str) -> str:
    result = run("audit", "verify")
    assert result.exit_code == 1, result.output
    line = result.output.strip()
    assert "\n" not in line and line.startswith("error: "), line
    for needle in needles:
        assert needle in line, line
    return line


class ForgedKey:
    """What an attacker without audit.key can do at best: the product's own code, with a key of their own."""

    def key(self, create: bool) -> bytes:
        return b"\x01" * 32


def test_deleting_the_last_event_and_rewinding_the_head_is_detected(released, home):
    last = sql(home, "SELECT max(seq) FROM audit_event")[0][0]
    sql(home, "DELETE FROM audit_event WHERE seq = ?", last)
    sql(
        home,
        "UPDATE audit_head SET seq = ?, last_hash = (SELECT hash FROM audit_event WHERE seq = ?)",
        last - 1,
        last - 1,
    )
    failed(f"broken at event {last}", "removed or the chain was rewritten")


def test_rewriting_the_chain_from_an_edited_actor_without_the_key_is_detected(released, home):
    """Change who approved, then re-hash every event from there on exactly as the product would, but with a
    key the attacker made up."""
    approved = sql(home, "SELECT seq FROM audit_event WHERE kind = 'review.approve'")[0][0]
    later = sql(
        home,
        "SELECT seq, actor, kind, meeting_id, subject_json, hashes_json FROM audit_event "
        "WHERE seq >= ? ORDER BY seq",
        approved,
    )
    sql(home, "DELETE FROM audit_event WHERE seq >= ?", approved)
    sql(
        home,
        "UPDATE audit_head SET seq = ?, last_hash = (SELECT hash FROM audit_event WHERE seq = ?)",
        approved - 1,
        approved - 1,
    )
    with Session(create_engine(db_url(home)), info={"audit_key": ForgedKey()}) as s:
        for seq, actor, kind, meeting_id, subject, hashes in later:
            append_event(
                s,
                kind,
                "Someone Else" if seq == approved else actor,
                meeting_id,
                json.loads(subject),
                json.loads(hashes),
            )
        s.commit()
        assert s.get(AuditHead, 1).seq == later[-1][0]
    failed(f"broken at event {approved}", "altered")


@pytest.mark.parametrize(
    "statement, needle",
    [
        (
            "UPDATE consent_record SET decision = 'given' WHERE decision = 'refused'",
            "consent record 13 was altered",
        ),
        ("UPDATE consent_record SET recorded_by = 'Mallory' WHERE id = 2", "consent record 2 was altered"),
        ("DELETE FROM consent_record WHERE id = 3", "consent record 3 was deleted"),
        (
            "INSERT INTO consent_record (meeting_id, participant_id, scope, decision, method, recorded_by, recorded_at) "
            "SELECT meeting_id, participant_id, 'diarise', 'given', 'verbal', 'Clerk', recorded_at FROM consent_record "
            "WHERE id = 13",
            "consent record 14 has no audit event",
        ),
    ],
)
def test_a_consent_row_edited_in_the_database_is_named(released, home, statement, needle):
    assert sql(home, "SELECT id, decision FROM consent_record WHERE decision = 'refused'") == [
        (13, "refused")
    ]
    sql(home, statement)
    failed("audit check failed", needle)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE decision SET text = 'The trip is cancelled.' WHERE idx = 0",
        "UPDATE action SET owner = 'Helen' WHERE owner = 'Tom'",
        "DELETE FROM evidence WHERE id = (SELECT min(id) FROM evidence)",
        "UPDATE draft SET summary = summary || ' Nothing else.'",
    ],
)
def test_edited_released_minutes_fail_verify_and_are_not_exported(released, home, tmp_path, statement):
    sql(home, statement)
    failed(f"released draft {released.draft_id} was altered after release")
    out = tmp_path / "minutes.md"
    result = run("export", released.draft_id, "--format", "md", "--out", out)
    assert result.exit_code == 5, result.output
    assert result.output.startswith(f"error: not exporting draft {released.draft_id}: released draft"), (
        result.output
    )
    assert not out.exists() and sql(home, "SELECT count(*) FROM export") == [(0,)]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE release SET released_by = 'Mallory'",
        "UPDATE release SET released_at = '2020-01-01 00:00:00.000000'",
    ],
)
def test_an_edited_release_record_fails_verify_and_export(released, home, statement):
    sql(home, statement)
    failed(f"the release record of draft {released.draft_id} was altered")
    assert run("export", released.draft_id, "--format", "json").exit_code == 5


def test_a_draft_marked_released_in_the_database_is_not_exported(home, database):
    built = build(load_settings())
    assert run("review", "approve", built.draft_id, "--by", "Mrs Reviewer").exit_code == 0
    sql(home, "UPDATE draft SET status = 'released'")
    sql(
        home,
        "INSERT INTO release (draft_id, released_by, released_at, content_sha256) "
        "VALUES (?, 'Mallory', '2026-11-25 09:30:00.000000', '00')",
        built.draft_id,
    )
    failed(f"draft {built.draft_id} is marked released but no release event vouches for it")
    assert run("export", built.draft_id, "--format", "md").exit_code == 5


def test_key_file_is_32_random_bytes_owner_only_and_not_in_the_database(home):
    old = os.umask(0)  # the mode must not depend on the umask
    try:
        build(load_settings())
    finally:
        os.umask(old)
    key = home / "audit.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and key.stat().st_size == 32
    secret = key.read_bytes()
    for part in home.glob("minutes.db*"):
        assert secret not in part.read_bytes() and secret.hex().encode() not in part.read_bytes()
    assert run("audit", "verify").exit_code == 0


def test_a_missing_key_is_an_error_and_is_not_made_again(released, home):
    (home / "audit.key").unlink()
    for args in (
        ("audit", "verify"),
        ("audit", "head"),
        (
            "consent",
            "give",
            released.meeting_id,
            "Sam",
            "--scope",
            "summarise",
            "--method",
            "verbal",
            "--by",
            "Clerk",
        ),
    ):
        result = run(*args)
        assert result.exit_code == 1, result.output
        assert "error: the audit key" in result.output and "is missing" in result.output, result.output
        assert not (home / "audit.key").exists()
    assert sql(
        home,
        "SELECT count(*) FROM consent_record WHERE scope = 'summarise' AND participant_id = ?",
        released.participants["Sam"],
    ) == [(0,)]


def test_a_replaced_key_fails_verify(released, home):
    (home / "audit.key").write_bytes(os.urandom(32))
    failed("broken at event 1", "altered")


def test_a_key_readable_by_others_is_refused(released, home):
    (home / "audit.key").chmod(0o644)
    result = run("audit", "verify")
    assert result.exit_code == 1 and "can be read by other users (mode 0644)" in result.output, result.output
    assert "chmod 600" in result.output


def test_head_is_printed_for_filing_and_a_rollback_is_caught_by_it(released, home, tmp_path):
    if not db_url(home).startswith("sqlite"):
        pytest.skip("restores a file copy of the SQLite database (the check itself is engine-neutral)")
    before = tmp_path / "before.db"
    with sqlite3.connect(home / "minutes.db") as src, sqlite3.connect(before) as dst:
        src.backup(dst)
    assert run("export", released.draft_id, "--format", "md").exit_code == 0
    head = json.loads(run("audit", "head", "--json").output)
    last = sql(home, "SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1")[0]
    assert (head["event"], head["hash"]) == last and len(head["hmac"]) == 64 and head["at"].endswith("+00:00")
    text = run("audit", "head").output
    assert f"event {last[0]}\nhash {last[1]}\nhmac {head['hmac']}\n" in text
    assert f"minutes audit verify --filed {last[0]}:{last[1]}" in text
    filed = f"{head['event']}:{head['hash']}"
    assert run("audit", "verify", "--filed", filed).exit_code == 0
    with sqlite3.connect(before) as src, sqlite3.connect(home / "minutes.db") as dst:  # restore the old copy
        src.backup(dst)
    assert run("audit", "verify").exit_code == 0, (
        "a whole-database rollback is only visible against a filed head"
    )
    result = run("audit", "verify", "--filed", filed)
    assert (
        result.exit_code == 1
        and f"the filed head, event {head['event']}, is not in the chain" in result.output
    )
    assert run("audit", "verify", "--filed", "12:zz").exit_code == 2


def test_non_ascii_names_hash_the_same_everywhere(home, database, tmp_path):
    """A draft naming Zoë: the edit event, the release event and the Release row hold one hash; export and verify
    pass; after a withdrawal the re-issue is vouched for as well."""
    built = build(load_settings())
    db = Database.open(load_settings())
    with db.session() as s:
        doc = review.editable_document(s, built.draft_id)
    doc["summary"] += " Zoë Ó Briain chairs the next meeting."
    edited = tmp_path / "edit.json"
    edited.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert run("review", "edit", built.draft_id, "--from", edited, "--by", "Mrs Reviewer").exit_code == 0
    approve_and_release(built.draft_id)
    with db.session() as s:
        version = json.loads(
            s.exec(select(AuditEvent).where(AuditEvent.kind == "review.edit")).one().hashes_json
        )
        release = json.loads(s.exec(select(AuditEvent).where(AuditEvent.kind == "release")).one().hashes_json)
        stored = s.exec(select(Release)).one().content_sha256
    db.close()
    assert version["version"] == stored, "the edit event and the release hash the same version the same way"
    assert release.get("draft") == stored
    out = tmp_path / "minutes.md"
    assert run("export", built.draft_id, "--format", "md", "--out", out).exit_code == 0
    assert "Zoë Ó Briain" in out.read_text(encoding="utf-8")
    assert run("audit", "verify").exit_code == 0
    assert (
        run(
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
        ).exit_code
        == 0
    )
    assert [e["kind"] for e in json.loads(run("audit", "log", "--json").output)].count("release.reissue") == 1
    assert run("audit", "verify").exit_code == 0
    assert run("export", built.draft_id, "--format", "md", "--out", tmp_path / "again.md").exit_code == 0


# -- issue 40, items 5, 6, 7, 22 and 23 -------------------------------------------------------------------------
def test_an_emptied_chain_does_not_verify_while_its_key_exists(home, database):
    """Item 5: every event, the head and the consent records deleted; the key says events were written."""
    built = build(load_settings())
    given = run("consent", "give", built.meeting_id, "Tom", "--scope", "all", "--method", "verbal")
    assert given.exit_code == 0 and run("audit", "verify").exit_code == 0
    sql(home, "DELETE FROM audit_event")
    sql(home, "DELETE FROM audit_head")
    sql(home, "DELETE FROM consent_record")
    failed("the audit chain is empty", "events were written")


def test_a_fresh_store_with_no_events_verifies(home, database):
    result = run("audit", "verify")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "statement, needle",
    [
        ("UPDATE participant SET attendance = 'absent' WHERE name = 'Sam'", "attendance of participant 4"),
        (
            "INSERT INTO participant (meeting_id, name, name_key, attendance, added_at) "
            "VALUES (1, 'Mallory', 'mallory', 'present', '2026-11-23 09:00:00.000000')",
            "participant 5 has no audit event",
        ),
    ],
)
def test_attendance_and_participants_changed_in_the_database_fail_verify(released, home, statement, needle):
    """Item 6: Sam refused diarise; marking him absent in the database would open the gate."""
    sql(home, statement)
    failed(needle)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE meeting SET title = 'Something else'",
        "UPDATE participant SET name = 'Tomas', name_key = 'tomas' WHERE name = 'Tom'",
        "UPDATE participant SET role = 'head' WHERE name = 'Priya'",
        "UPDATE meeting SET date = '2026-11-30'",
    ],
)
def test_meeting_facts_changed_after_release_fail_verify_and_export(released, home, tmp_path, statement):
    """Item 7: the release covers the meeting facts its minutes print."""
    sql(home, statement)
    failed(f"the meeting of released draft {released.draft_id} was changed after release")
    result = run("export", released.draft_id, "--format", "md", "--out", tmp_path / "m.md")
    assert result.exit_code == 5 and not (tmp_path / "m.md").exists(), result.output


def test_participants_cannot_be_added_or_removed_after_release(released, home):
    """Item 22: released minutes are frozen; the meeting's list of people with them."""
    added = run("participant", "add", released.meeting_id, "Late Larry")
    assert added.exit_code == 5 and "released minutes" in added.output, added.output
    removed = run("participant", "remove", released.meeting_id, "Sam")
    assert removed.exit_code == 5, removed.output
    assert sql(home, "SELECT count(*) FROM participant") == [(4,)]
    assert run("audit", "verify").exit_code == 0


def test_a_reissue_after_a_withdrawal_keeps_who_released_the_minutes(released, home, tmp_path):
    """Item 23: the clerk who records a withdrawal cannot release minutes; the re-issue names the releaser."""
    withdrawn = run("consent", "withdraw", released.meeting_id, "Tom", "--scope", "all", "--method", "written",
                    "--by", "Clara Clerk")  # fmt: skip
    assert withdrawn.exit_code == 0, withdrawn.output
    assert sql(home, "SELECT released_by, reissue_of FROM release ORDER BY id") == [
        ("Mr Chair", None),
        ("Mr Chair", 1),
    ]
    md = tmp_path / "m.md"
    assert run("export", released.draft_id, "--format", "md", "--out", md).exit_code == 0
    text = md.read_text()
    assert "Released by Mr Chair" in text and "Re-issued" in text and "Released by Clara Clerk" not in text
    assert run("audit", "verify").exit_code == 0
