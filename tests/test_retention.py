"""Retention purge: the policy by days after release, --dry-run changing nothing, a real purge removing exactly
what it reported, released minutes kept."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from processed_meeting import approve_and_release, build, run, stm_lines

from minutes.core.config import load_settings
from minutes.core.store import Database
from minutes.records.retention import purge

RELEASED = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
WORDS = sum(len(x.text.split()) for x in stm_lines())


@pytest.fixture
def two_meetings(home):
    """Meeting 1 released on RELEASED with a minutes export; meeting 2 still pending review."""
    first = build(load_settings())
    with time_machine.travel(RELEASED, tick=False):
        approve_and_release(first.draft_id)
    assert run("export", first.draft_id, "--format", "md").exit_code == 0
    second = build(load_settings())
    return first, second


def files(home) -> dict[str, str]:
    return {
        str(p.relative_to(home)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(home.rglob("*"))
        if p.is_file() and not p.name.startswith("minutes.db")
    }


def rows(home) -> list[str]:
    with sqlite3.connect(home / "minutes.db") as conn:
        return list(conn.iterdump())


def count(home, query: str, *params) -> int:
    with sqlite3.connect(home / "minutes.db") as conn:
        return conn.execute(query, params).fetchone()[0]


def run_purge(now: datetime, dry_run: bool):
    db = Database.open(load_settings())
    try:
        with db.session() as s:
            return purge(s, load_settings(), now=now, dry_run=dry_run)
    finally:
        db.close()


def test_nothing_is_due_before_the_policy_days(two_meetings, home):
    before = files(home)
    report = run_purge(RELEASED + timedelta(days=29, hours=23), dry_run=False)
    assert (report.audio, report.transcripts, report.voice_centroids) == ([], [], 0)
    assert files(home) == before
    assert count(home, "SELECT count(*) FROM audit_event WHERE kind = 'purge'") == 1


def test_dry_run_changes_nothing_and_the_real_purge_removes_exactly_that(two_meetings, home, tmp_path):
    first, second = two_meetings
    now = RELEASED + timedelta(days=400)
    files_before, rows_before = files(home), rows(home)
    planned = run_purge(now, dry_run=True)
    assert files(home) == files_before and rows(home) == rows_before
    assert [(a.recording_id, a.meeting_id) for a in planned.audio] == [(first.recording_id, first.meeting_id)]
    assert [(t.transcript_id, t.segments, t.words) for t in planned.transcripts] == [
        (first.transcript_id, 16, WORDS)
    ]
    assert (planned.voice_centroids, planned.voice_enrolments, planned.speaker_turns) == (4, 4, 16)

    done = run_purge(now, dry_run=False)
    assert done.to_json() | {"dry_run": True} == planned.to_json()
    gone = set(files_before) - set(files(home))
    assert gone == {f"files/{a.path}" for a in planned.audio}
    assert not first.audio.exists() and second.audio.exists()
    tid = first.transcript_id
    assert count(home, "SELECT count(*) FROM segment WHERE transcript_id = ?", tid) == 0
    assert (
        count(
            home,
            "SELECT count(*) FROM word w JOIN segment s ON w.segment_id = s.id WHERE s.transcript_id = ?",
            tid,
        )
        == 0
    )
    assert count(home, "SELECT count(*) FROM segment WHERE transcript_id = ?", second.transcript_id) == 16
    assert count(home, "SELECT count(*) FROM transcript WHERE deleted_at IS NOT NULL") == 1
    assert (
        count(home, "SELECT count(*) FROM recording WHERE path IS NULL AND audio_deleted_at IS NOT NULL") == 1
    )
    assert count(home, "SELECT count(*) FROM speaker_label WHERE centroid IS NOT NULL") == 4  # meeting 2's
    assert count(home, "SELECT count(*) FROM voice_enrolment") == 4
    # released minutes are kept, and can still be exported
    assert json.loads(run("review", "show", first.draft_id, "--json").output)["status"] == "released"
    assert run("export", first.draft_id, "--format", "md", "--out", tmp_path / "again.md").exit_code == 0
    assert "Book the coach" in (tmp_path / "again.md").read_text()
    # a second run has nothing left to do
    assert run_purge(now, dry_run=False).audio == []


def test_cli_dry_run_then_purge(two_meetings, home):
    (home / "config.toml").write_text(
        "[retention]\naudio_days_after_release = 1\ntranscript_days_after_release = 2\n"
    )
    with time_machine.travel(
        RELEASED + timedelta(days=3), tick=False
    ):  # not an edited release row: verify checks it
        files_before, rows_before = files(home), rows(home)
        dry = run("purge", "--dry-run", "--json")
        assert dry.exit_code == 0, dry.output
        assert files(home) == files_before and rows(home) == rows_before
        planned = json.loads(dry.output)
        assert planned["dry_run"] is True and len(planned["audio"]) == 1 and len(planned["transcripts"]) == 1
        text = run("purge", "--dry-run")
        assert "would remove audio of recording 1" in text.output and "16 segments" in text.output
        real = run("purge", "--by", "Clerk", "--json")
        assert real.exit_code == 0, real.output
        done = json.loads(real.output)
        assert {k: v for k, v in done.items() if k not in ("dry_run", "now")} == {
            k: v for k, v in planned.items() if k not in ("dry_run", "now")
        }
        events = json.loads(run("audit", "log", "--kind", "purge", "--json").output)
        assert [(e["actor"], e["subject"]["recordings"], e["subject"]["transcripts"]) for e in events] == [
            ("Clerk", [1], [1])
        ]
    assert run("audit", "verify").exit_code == 0
