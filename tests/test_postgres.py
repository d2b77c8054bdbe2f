"""PostgreSQL works as the store: a real throwaway server on loopback, migrated, audited, verified."""

from __future__ import annotations

import stat
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from minutes.consent import ledger
from minutes.core.config import load_settings
from minutes.core.store import Database
from minutes.db import AuditEvent, Meeting
from minutes.db.audit import append_event, verify_chain
from minutes.records import meetings
from minutes.records.integrity import verify

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_url(pg_server):
    """One database for the module (its tests share the chain and audit key of one MINUTES_HOME)."""
    return pg_server.url(pg_server.fresh())


@pytest.fixture(scope="module")
def pg_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture
def home(pg_home, monkeypatch) -> Path:
    """One MINUTES_HOME for the module: its tests share one server, so they share its chain and its audit key."""
    monkeypatch.setenv("MINUTES_HOME", str(pg_home))
    monkeypatch.delenv("MINUTES_DB", raising=False)
    return pg_home


def test_postgres_store_migrates_and_keeps_an_intact_audit_chain(home, pg_url):
    db = Database.open(load_settings(db=pg_url))
    assert db.schema_version() == db.head_version()
    with db.session() as s:
        meeting = Meeting(title="Governors", date=date(2026, 11, 23))
        s.add(meeting)
        s.flush()
        append_event(s, "meeting.create", "clerk", meeting.id, {"meeting": meeting.id})
        append_event(s, "participant.add", "clerk", meeting.id, {"meeting": meeting.id})
    with db.session() as s:
        check = verify_chain(s)
        assert check.ok and check.events == 2
    with db.session() as s:  # row hashes survive PostgreSQL's types (timestamptz, float8, date, UTF-8 text)
        m = meetings.create_meeting(s, "Governors", "2026-11-23", ["Zoë", "Tom"])
        ledger.give(s, m.id, "Zoë", "all", "verbal", recorded_by="Clerk Zoë", evidence_at="0:01.25-0:02.5")
    with db.session() as s:
        result = verify(s)
        assert result.ok and result.consent_records == 4, result
        s.execute(text("UPDATE audit_event SET actor = 'mallory' WHERE seq = 1"))
    with db.session() as s:
        check = verify_chain(s)
        assert not check.ok and check.first_bad_seq == 1
    assert stat.S_IMODE((home / "audit.key").stat().st_mode) == 0o600
    db.close()


def test_postgres_constraints_hold_and_roll_back(home, pg_url):
    from sqlalchemy.exc import IntegrityError

    db = Database.open(load_settings(db=pg_url))
    with db.session() as s:
        before = s.execute(text("SELECT count(*) FROM meeting")).scalar()
    with pytest.raises(IntegrityError):
        with db.session() as s:
            s.add(Meeting(title="Half-written", date=date(2026, 11, 23)))
            s.flush()
            s.add(AuditEvent(seq=1, actor="x", kind="dup", prev_hash="0", hash="0"))  # seq 1 exists already
    with db.session() as s:
        assert s.execute(text("SELECT count(*) FROM meeting")).scalar() == before
    db.close()


def test_postgres_gate_waits_for_a_withdrawal_in_flight_and_sees_it(home, pg_url):
    """The meeting row lock (SELECT ... FOR UPDATE) serialises a stage start behind an uncommitted withdrawal."""
    import threading
    import time

    from minutes.consent import gate, ledger
    from minutes.consent.gate import ConsentBlocked
    from minutes.records import meetings

    db, other = Database.open(load_settings(db=pg_url)), Database.open(load_settings(db=pg_url))
    with db.session() as s:
        m = meetings.create_meeting(s, "Locking", "2026-11-23", ["Priya", "Tom"])
        for name in ("Priya", "Tom"):
            ledger.give(s, m.id, name, "all", "verbal", recorded_by="clerk")
    locked, hold = threading.Event(), 0.5

    def withdraw():
        with other.session() as s2:
            ledger.withdraw(s2, m.id, "Priya", "transcribe", "verbal", recorded_by="clerk")
            locked.set()
            time.sleep(hold)  # uncommitted, holding the meeting's row lock

    t = threading.Thread(target=withdraw)
    t.start()
    assert locked.wait(10)
    started = time.monotonic()
    with pytest.raises(ConsentBlocked, match="Priya"), db.session() as s:
        gate.begin_stage(s, m.id, "transcribe")
    assert time.monotonic() - started > hold / 2
    t.join()
    db.close()
    other.close()


def test_one_run_per_meeting_across_connections(home, pg_url):
    """The run lease lives in the database, so it holds for runs on different machines sharing the server."""
    from minutes.db import RunLock
    from minutes.records import meetings
    from minutes.run import runlock

    db, other = Database.open(load_settings(db=pg_url)), Database.open(load_settings(db=pg_url))
    with db.session() as s:
        m = meetings.create_meeting(s, "Leased", "2026-11-23", ["Priya"])
    with runlock.hold(db, m.id, "first") as token:
        with pytest.raises(runlock.MeetingBusy, match=f"meeting {m.id} is being processed by another run"):
            runlock.acquire(other, m.id, "second")
        with other.session() as s:
            runlock.check(s, m.id, token)  # a commit of the holder, on any connection, passes
    with pytest.raises(runlock.MeetingBusy), other.session() as s:  # given back: the old token holds nothing
        runlock.check(s, m.id, token)
    with db.session() as s:
        assert s.get(RunLock, m.id) is None
    second = runlock.acquire(other, m.id, "second")
    runlock.release(other, m.id, second)
    db.close()
    other.close()


def test_postgres_keeps_a_draft_and_its_json_columns_with_the_same_hash(home, pg_url):
    """The one domain model on PostgreSQL: JSON columns, "Zoë" as is, and the content hash SQLite gives."""
    from test_domain_model import DRAFT, DRAFT_SHA256

    from minutes import review
    from minutes.db import DraftRow

    db = Database.open(load_settings(db=pg_url))
    with db.session() as s:
        m = meetings.create_meeting(s, "Governors", "2026-11-30", ["Zoë:chair"])
        draft_id = review.create_draft(s, m.id, None, DRAFT, "smol").id
        review.resolve(s, draft_id, "f1", "keep", "Zoë")
    with db.session() as s:
        assert review.draft_as_types(s, draft_id) == DRAFT
        assert review.content_sha256(s, draft_id) == DRAFT_SHA256
        assert s.get(DraftRow, draft_id).original == DRAFT.model_dump(mode="json")
        assert review.history(s, draft_id)[-1].detail == {"item": "f1", "resolution": "kept"}
        assert review.diff(s, draft_id).changes[0].change == "kept"
    db.close()
