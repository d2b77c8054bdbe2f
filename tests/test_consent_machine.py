"""Stateful property: consent holds in every interleaving of stage begins, commits and crashes with give, refuse
and withdraw, for every scope (issue 11, "must hold").

The stages are the real ones (minutes.run.stages: begin behind the gate, commit behind the gate), fed canned model
results (tests/canned.py). After every step:
- nothing stored depends on a scope that a current participant lacks: stored audio needs everyone's record
  consent, an unattributed transcript everyone's record and transcribe, a person's attributed words and voice
  their record, transcribe and diarise, and draft evidence quoting them all four;
- a byte scan of the SQLite file and its WAL (as they lie, no checkpoint by the test) finds no word or voice of
  anyone who revoked consent since those were stored, including before diarisation linked words to speakers.
A begin or commit must succeed exactly when an independent model says it may.
"""

from __future__ import annotations

import itertools
import re
import tempfile
from pathlib import Path

import pytest
from canned import Cast, compute, db_bytes, tiny_wav
from examples import examples
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from pg import dump_bytes
from sqlmodel import select

import minutes.service  # noqa: F401  (registers the withdrawal hook)
from minutes.consent import ledger
from minutes.consent.gate import NEEDS
from minutes.consent.meetings import participants_of
from minutes.core.config import load_settings
from minutes.core.progress import QuietReporter
from minutes.core.store import Database
from minutes.db import DraftRow, ItemEvidence, Recording, SegmentRow, SpeakerLabel, TranscriptRow
from minutes.db.audit import verify_chain
from minutes.records import meetings
from minutes.run.pipeline import Engines, Options
from minutes.run.stages import Blocked, Run

SCOPES = ("record", "transcribe", "diarise", "summarise")
NAMES = ["Asha", "Ben", "Cleo"]
_tags = itertools.count()


class ConsentMachine(RuleBasedStateMachine):
    db: Database
    wav: Path

    def __init__(self):
        super().__init__()
        tag = str(next(_tags))
        self.cast = Cast(NAMES, f"q{tag}z", {}, enrolled=("Asha", "Ben"))  # Cleo's voice stays "Speaker 3"
        with self.db.session() as s:
            m = meetings.create_meeting(s, f"meeting {tag}", "2026-11-23", NAMES)
            self.cast.ids = {p.name: p.id for p in participants_of(s, m.id)}
        self.run = Run(
            self.db, Engines(self.db.settings, Options(actor="machine")), m.id, self.wav, QuietReporter()
        )
        self.pending: tuple[str, object] | None = None
        self.cancelled = False
        # what may be stored of each person: their words, their voice, their name and quotes in a draft
        self.words_ok, self.voice_ok, self.draft_ok = set(), set(), set()
        self.holds: dict[tuple[str, str], bool] = {}
        self._give_all()  # from there the rules take consent away and give it back

    def everyone(self, scopes) -> bool:
        return all(self.holds[n, sc] for n in NAMES for sc in scopes)

    @rule(
        name=st.sampled_from(NAMES),
        decision=st.sampled_from(("given", "given", "refused", "withdrawn")),
        scopes=st.lists(st.sampled_from(SCOPES), min_size=1, max_size=4, unique=True),
    )
    def consent(self, name, decision, scopes):
        revokes = decision == "withdrawn" or (
            decision == "refused" and any(self.holds[name, s] for s in scopes)
        )
        with self.db.session() as s:
            # by id: withdrawing from the recording takes the name off the participant's row (issue 40)
            who = self.cast.ids[name]
            ledger.record(s, self.run.meeting_id, who, decision, scopes, "verbal", recorded_by="clerk")
        self.holds.update({(name, sc): decision == "given" for sc in scopes})
        if revokes:
            self.cancelled = self.pending is not None
            self.words_ok.discard(name)
            self.voice_ok.discard(name)
            self.draft_ok.discard(name)

    @rule()
    def give_everything(self):
        self._give_all()

    def _give_all(self):
        """Consent by all, so that runs get far often enough."""
        with self.db.session() as s:
            for name in NAMES:
                ledger.give(s, self.run.meeting_id, self.cast.ids[name], "all", "verbal", recorded_by="clerk")
        self.holds = {(n, sc): True for n in NAMES for sc in SCOPES}

    @precondition(lambda self: self.pending is None)
    @rule()
    def begin_next_stage(self):
        self._begin()

    def _begin(self):
        stage = next((sc for sc in SCOPES if not self.run.done(sc)), None)
        if stage is None:
            return
        if stage == "record":
            self.run.audio()
        try:
            self.run.begin(stage)
        except Blocked:
            assert not self.everyone(NEEDS[stage]), f"{stage} was refused with every consent given"
            return
        assert self.everyone(NEEDS[stage]), f"{stage} began without {NEEDS[stage]} from everyone"
        self.pending, self.cancelled = (stage, compute(self.run, stage, self.cast)), False

    @precondition(lambda self: self.pending is not None)
    @rule()
    def commit(self):
        self._commit()

    def _commit(self):
        (stage, write), self.pending = self.pending, None
        expected = not self.cancelled and self.everyone(NEEDS[stage])
        try:
            self.run.commit(stage, write)
            stored = True
        except Blocked:
            stored = False
        finally:
            self.run.drop_unstored_copy()
        assert stored == expected, (stage, self.cancelled, self.holds)
        event(f"{stage} {'stored' if stored else 'discarded'}")
        if stored and stage == "transcribe":
            self.words_ok.update(NAMES)
        elif stored and stage == "diarise":
            self.voice_ok.update(NAMES)
        elif stored and stage == "summarise":
            self.draft_ok.update(NAMES)

    @precondition(lambda self: self.pending is None)
    @rule()
    def run_next_stage(self):
        """A stage with nothing happening while its model runs, so that runs get far often enough."""
        self._begin()
        if self.pending is not None:
            self._commit()

    @precondition(lambda self: self.pending is not None)
    @rule()
    def crash(self):
        self.pending = None
        self.run.fail()
        self.run.drop_unstored_copy()

    @invariant()
    def nothing_stored_without_consent(self):
        mid, ids = self.run.meeting_id, self.cast.ids
        with self.db.session() as s:
            recs = s.exec(select(Recording).where(Recording.meeting_id == mid)).all()
            assert not any(r.path for r in recs) or self.everyone(["record"]), (
                "audio kept without record consent"
            )
            live = [
                t.id
                for t in s.exec(
                    select(TranscriptRow).where(
                        TranscriptRow.meeting_id == mid, TranscriptRow.deleted_at.is_(None)
                    )
                )
            ]
            segs = s.exec(select(SegmentRow).where(SegmentRow.transcript_id.in_(live))).all()
            if any(seg.speaker is None for seg in segs):
                assert self.everyone(NEEDS["transcribe"]), "an unattributed transcript outlived a withdrawal"
            labels = s.exec(
                select(SpeakerLabel).where(SpeakerLabel.recording_id.in_([r.id for r in recs]))
            ).all()
            mapped = {lab.label: lab.participant_id for lab in labels}
            for name in NAMES:
                theirs = self.cast.label(name)
                if any(seg.speaker == theirs for seg in segs) and mapped.get(theirs) == ids[name]:
                    assert all(self.holds[name, sc] for sc in NEEDS["diarise"]), f"{name}'s attributed words"
            drafts = [d.id for d in s.exec(select(DraftRow).where(DraftRow.meeting_id == mid))]
            quotes = " ".join(e.quote for e in s.exec(select(ItemEvidence))) if drafts else ""
        for name in NAMES:
            if any(w in quotes for w in self.cast.words(name)):
                assert name in self.draft_ok and all(self.holds[name, sc] for sc in SCOPES), f"{name} quoted"

    @invariant()
    def no_revoked_words_or_voice_on_disk(self):
        needles = [w.encode() for n in NAMES if n not in self.words_ok for w in self.cast.words(n)]
        needles += [self.cast.voice(n).tobytes()[:16] for n in NAMES if n not in self.voice_ok]
        if needles:
            url = self.db.engine.url
            if url.get_backend_name() == "sqlite":
                data = db_bytes(Path(url.database))
            else:  # PostgreSQL: its rows (the server's files are not the test's to read)
                data = dump_bytes(None, engine=self.db.engine)
            found = set(re.findall(b"|".join(map(re.escape, needles)), data))
            assert not found, f"revoked words or voices still in the database file or its WAL: {found}"

    def teardown(self):
        if self.pending is not None:
            self.run.fail()
            self.run.drop_unstored_copy()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def machine_db(request):
    url = None
    if request.param == "postgres":
        server = request.getfixturevalue("pg_server")
        url = server.url(server.fresh())
    with tempfile.TemporaryDirectory(prefix="minutes-machine-") as tmp:
        db = Database.open(load_settings(Path(tmp) / "home", db=url))
        ConsentMachine.db, ConsentMachine.wav = db, tiny_wav(Path(tmp) / "meeting.wav")
        yield db
        db.close()


def test_consent_holds_in_every_interleaving(machine_db):
    run_state_machine_as_test(
        ConsentMachine,
        settings=settings(
            # fewer on PostgreSQL: that run checks the engine; SQLite's covers the interleavings widely
            max_examples=examples(25) if machine_db.engine.url.get_backend_name() == "sqlite" else 6,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
    with machine_db.session() as s:
        assert verify_chain(s).ok
