"""The gate and begin/finish_stage on a real store (SQLite and PostgreSQL), including a withdrawal racing a stage start."""

from __future__ import annotations

import threading
import time

import pytest
from sqlmodel import select

from minutes.consent import gate, ledger
from minutes.consent.errors import ConsentInputError
from minutes.consent.gate import ConsentBlocked
from minutes.core.config import load_settings
from minutes.core.store import Database
from minutes.db import AuditEvent, StageRun
from minutes.db.audit import verify_chain
from minutes.records import meetings

GIVE = dict(recorded_by="clerk")


@pytest.fixture
def db(home, database):
    database = Database.open(load_settings(home))
    yield database
    database.close()


@pytest.fixture
def mid(db) -> int:
    with db.session() as s:
        m = meetings.create_meeting(s, "Science", "2026-11-23", ["Priya", "Tom"])
        for name in ("Priya", "Tom"):
            ledger.give(s, m.id, name, "all", "verbal", **GIVE)
    return m.id


def test_allowed_stage_is_recorded_started_then_done(db, mid):
    with db.session() as s:
        run = gate.begin_stage(s, mid, "transcribe")
        assert run.status == "started"
    with db.session() as s:
        done = gate.finish_stage(s, run, "done")
    assert done.status == "done" and done.finished_at is not None
    with db.session() as s:
        kinds = [e.kind for e in s.exec(select(AuditEvent).order_by(AuditEvent.seq))]
        assert kinds[-2:] == ["stage.started", "stage.done"]
        assert verify_chain(s).ok
        with pytest.raises(ConsentInputError, match="not running"):
            gate.finish_stage(s, run, "failed")


def test_blocked_stage_commits_a_blocked_row_and_names_the_fix(db, mid):
    with db.session() as s:
        ledger.refuse(s, mid, "Tom", "summarise", "verbal", **GIVE)
    with pytest.raises(ConsentBlocked) as err, db.session() as s:
        gate.begin_stage(s, mid, "summarise")
    msg = str(err.value)
    assert (
        "Tom (refused)" in msg
        and f'minutes consent give {mid} "Tom" --scope summarise --method verbal' in msg
    )
    assert err.value.decision.missing == [gate.Missing(2, "Tom", "summarise", "refused")]
    with db.session() as s:
        runs = s.exec(select(StageRun)).all()
        assert [(r.stage, r.status) for r in runs] == [("summarise", "blocked")]
        assert s.exec(select(AuditEvent).where(AuditEvent.kind == "stage.blocked")).first() is not None
        assert gate.check(s, mid, "transcribe").allowed


def test_a_participant_added_after_consent_blocks_until_they_consent(db, mid):
    with db.session() as s:
        assert gate.check(s, mid, "diarise").allowed
        meetings.add_participant(s, mid, "Helen")
    with db.session() as s:
        decision = gate.check(s, mid, "diarise")
        assert not decision.allowed and {m.participant for m in decision.missing} == {"Helen"}
        ledger.give(s, mid, "Helen", "diarise", "verbal", **GIVE)
    with db.session() as s:
        assert [m.scope for m in gate.check(s, mid, "diarise").missing] == ["record", "transcribe"]
        ledger.give(s, mid, "Helen", "record,transcribe", "verbal", **GIVE)
    with db.session() as s:
        assert gate.check(s, mid, "diarise").allowed
        assert gate.begin_stage(s, mid, "diarise").status == "started"


def test_meeting_without_participants_is_blocked(db):
    with db.session() as s:
        m = meetings.create_meeting(s, "Empty", "2026-01-01")
    with db.session() as s:
        decision = gate.check(s, m.id, "record")
    assert not decision.allowed and decision.missing[0].state == "no participants"
    with pytest.raises(ConsentBlocked, match="no participants"), db.session() as s:
        gate.begin_stage(s, m.id, "record")


def test_unknown_stage_meeting_or_recording(db, mid):
    with db.session() as s:
        with pytest.raises(ConsentInputError, match="unknown stage"):
            gate.check(s, mid, "extract")
        with pytest.raises(ConsentInputError, match="no meeting 99"):
            gate.begin_stage(s, 99, "record")
        with pytest.raises(ConsentInputError, match="no recording 5"):
            gate.begin_stage(s, mid, "record", recording_id=5)


def test_withdrawal_committed_from_another_connection_just_before_is_seen(db, home, mid):
    other = Database.open(load_settings(home))
    with db.session() as s:
        assert gate.check(s, mid, "transcribe").allowed  # this session has read consent already

        def withdraw():
            with other.session() as s2:
                ledger.withdraw(s2, mid, "Tom", "transcribe", "verbal", **GIVE)

        t = threading.Thread(target=withdraw)
        t.start()
        t.join()
        with pytest.raises(ConsentBlocked, match="Tom \\(withdrawn\\)"):
            gate.begin_stage(s, mid, "transcribe")
    other.close()


def test_begin_stage_waits_for_a_withdrawal_in_flight_and_sees_it(db, home, mid):
    other = Database.open(load_settings(home))
    locked, release = threading.Event(), 0.5

    def withdraw():
        with other.session() as s2:
            ledger.withdraw(s2, mid, "Priya", "record", "verbal", **GIVE)
            locked.set()
            time.sleep(release)  # the withdrawal holds the meeting lock, uncommitted

    t = threading.Thread(target=withdraw)
    t.start()
    assert locked.wait(10)
    started = time.monotonic()
    with pytest.raises(ConsentBlocked, match="Withdrawn participant 1 \\(withdrawn\\)"), db.session() as s:
        gate.begin_stage(s, mid, "record")
    assert (
        time.monotonic() - started > release / 2
    )  # it waited for the lock rather than reading stale consent
    t.join()
    other.close()


def test_withdrawal_waits_for_a_stage_start_in_flight(db, home, mid):
    other = Database.open(load_settings(home))
    order = []
    with db.session() as s:
        gate.begin_stage(s, mid, "record")

        def withdraw():
            with other.session() as s2:
                ledger.withdraw(s2, mid, "Priya", "record", "verbal", **GIVE)
            order.append("withdrawn")

        t = threading.Thread(target=withdraw)
        t.start()
        time.sleep(0.3)
        order.append("started committed")
    t.join()
    assert order == ["started committed", "withdrawn"]
    with db.session() as s:
        assert not gate.check(s, mid, "record").allowed
    other.close()


def test_a_stage_needs_every_earlier_scope(db, mid):
    """A diarisation is derived from the recording and the transcript: it needs their consent too."""
    with db.session() as s:
        ledger.refuse(s, mid, "Tom", "transcribe", "verbal", **GIVE)
    with pytest.raises(ConsentBlocked) as err, db.session() as s:
        gate.begin_stage(s, mid, "diarise")
    assert err.value.decision.missing == [gate.Missing(2, "Tom", "transcribe", "refused")]
    assert "needs record, transcribe, diarise consent; missing: Tom (transcribe refused)" in str(err.value)
    assert "--scope transcribe " in str(err.value)
