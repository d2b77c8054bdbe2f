"""One domain model: a draft and a transcript naming "Zoë" survive the database and JSON unchanged, and the
hash of a draft's content is the one the dataclass records gave (released minutes verify as before)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import JSON
from sqlmodel import select

from minutes import review
from minutes.core import types
from minutes.core.config import load_settings
from minutes.core.store import Database
from minutes.db import AuditEvent, Draft, Recording, Review
from minutes.records.meetings import create_meeting
from minutes.speech.transcripts import load_transcript, save_transcript

E = types.Evidence
DRAFT = types.Draft(
    decisions=[types.Decision("Zoë's trip to Zürich is approved", [E(1.5, 4.25, "Zoë: we go to Zürich")])],
    actions=[
        types.Action("Book the coach", "Zoë", "2026-12-01", [E(5.0, 7.0, "I'll book it")], "unsupported")
    ],
    summary="Zoë chaired — trip approved.",
    flags=[types.Flag("safeguarding", "Concern about Zoë", [E(8.0, 9.0, "worried")])],
    notes=["repaired — chunk 2"],
)
# content_sha256 of DRAFT as computed by the dataclass records this model replaced (commit 7fc2ccc)
DRAFT_SHA256 = "a145d6c3a8ffac3b531a5498a7776fd62ce2dbbcdc674ea427b02791d1235a7a"


@pytest.fixture
def database(home):
    db = Database.open(load_settings())
    yield db
    db.close()


def test_a_draft_round_trips_through_the_database_and_json_with_the_same_hash(database):
    with database.session() as s:
        meeting = create_meeting(s, "Governors", "2026-11-30", ["Zoë:chair"])
        draft_id = review.create_draft(s, meeting.id, None, DRAFT, "smol").id
    with database.session() as s:
        stored = review.draft_as_types(s, draft_id)
        assert review.content_sha256(s, draft_id) == DRAFT_SHA256
        assert (
            review.diff(s, draft_id).changes == []
        )  # the original, read back, equals the reviewer's version
    assert stored == DRAFT
    text = json.dumps(stored.model_dump(mode="json"), ensure_ascii=False)
    assert "Zoë" in text and "\\u00eb" not in text
    assert types.Draft.model_validate(json.loads(text)) == DRAFT


def test_the_draft_create_event_hashes_the_draft_as_a_release_of_it_would(database):
    """One canonical JSON for every hash: the AI's draft of "Zoë" is recorded with the hash an unedited
    release of it gets (the event once hashed a second serialisation, with spaces)."""
    with database.session() as s:
        meeting = create_meeting(s, "Governors", "2026-11-30", ["Zoë:chair"])
        draft_id = review.create_draft(s, meeting.id, None, DRAFT, "smol").id
    with database.session() as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.kind == "draft.create")).one()
        assert json.loads(event.hashes_json) == {"draft": DRAFT_SHA256}
        assert review.content_sha256(s, draft_id) == DRAFT_SHA256


def test_a_transcript_round_trips_through_the_database_and_json(database):
    words = [types.Word(0.0, 0.4, " Zoë", 0.93, "Zoë"), types.Word(0.4, 0.9, " speaks.", 0.88, "Zoë")]
    transcript = types.Transcript(
        "en",
        3.5,
        [
            types.Segment(0.0, 0.9, "Zoë speaks.", words, "Zoë"),
            types.Segment(1.0, 3.5, "No words here.", [], None, overlap=True),
        ],
    )
    with database.session() as s:
        meeting = create_meeting(s, "Governors", "2026-11-30", ["Zoë:chair"])
        rec = Recording(meeting_id=meeting.id, original_name="m.wav", sha256="0" * 64, duration=3.5)
        s.add(rec)
        s.flush()
        transcript_id = save_transcript(s, meeting.id, rec.id, transcript, "whisper").id
    with database.session() as s:
        assert load_transcript(s, transcript_id) == transcript
    data = transcript.model_dump(mode="json")
    assert list(data["segments"][0]) == [
        "start",
        "end",
        "text",
        "words",
        "speaker",
        "overlap",
    ]  # the README's
    assert types.Transcript.model_validate(data) == transcript


def test_records_take_positional_arguments_in_field_order():
    assert types.Segment(0.0, 1.0, "Hi.", [], "Zoë", True) == types.Segment(
        start=0.0, end=1.0, text="Hi.", words=[], speaker="Zoë", overlap=True
    )
    assert types.Action("Book", "Zoë", None, [], "unsupported").status == "unsupported"


def test_json_columns_hold_the_structures_themselves(database):
    """The AI's original, the drafting notes and a review step's detail are JSON columns, not TEXT to parse."""
    with database.session() as s:
        meeting = create_meeting(s, "Governors", "2026-11-30", ["Zoë:chair"])
        draft_id = review.create_draft(s, meeting.id, None, DRAFT, "smol").id
        review.resolve(s, draft_id, "f1", "keep", "Zoë")
    with database.session() as s:
        row = s.get(Draft, draft_id)
        steps = s.exec(select(Review).where(Review.draft_id == draft_id)).all()
        assert row.original == DRAFT.model_dump(mode="json")
        assert row.notes == ["repaired — chunk 2"]
        assert [step.detail for step in steps] == [{}, {"item": "f1", "resolution": "kept"}]
    for column in (Draft.original, Draft.notes, Review.detail):
        assert isinstance(column.type, JSON)


def test_a_transcript_loads_in_the_same_number_of_queries_however_long(database):
    """Segments and words come in one joined query, not one query per segment."""
    from sqlalchemy import event

    def queries_to_load(n_segments: int) -> int:
        segments = [
            types.Segment(
                float(i), i + 0.5, "Zoë speaks.", [types.Word(float(i), i + 0.5, " Zoë", 0.9, "Zoë")]
            )
            for i in range(n_segments)
        ]
        with database.session() as s:
            meeting = create_meeting(s, "Governors", "2026-11-30", ["Zoë:chair"])
            rec = Recording(meeting_id=meeting.id, original_name="m.wav", sha256="0" * 64, duration=60.0)
            s.add(rec)
            s.flush()
            transcript = types.Transcript("en", 60.0, segments)
            transcript_id = save_transcript(s, meeting.id, rec.id, transcript, "whisper").id
        statements: list[str] = []

        def count(_conn, _cursor, statement, *_):
            statements.append(statement)

        event.listen(database.engine, "before_cursor_execute", count)
        try:
            with database.session() as s:
                assert load_transcript(s, transcript_id) == transcript
        finally:
            event.remove(database.engine, "before_cursor_execute", count)
        return len([q for q in statements if q.lstrip().upper().startswith("SELECT")])

    assert queries_to_load(2) == queries_to_load(40) == 2  # the transcript row, then segments with words
