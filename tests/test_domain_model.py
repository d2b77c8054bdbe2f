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
from minutes.db import AuditEvent, DraftRow, Recording, Review
from minutes.records.meetings import create_meeting
from minutes.speech.transcripts import load_transcript, save_transcript

E = types.Evidence
DRAFT = types.Draft(
    decisions=[
        types.Decision(
            text="Zoë's trip to Zürich is approved",
            evidence=[E(start=1.5, end=4.25, quote="Zoë: we go to Zürich")],
        )
    ],
    actions=[
        types.Action(
            task="Book the coach",
            owner="Zoë",
            due="2026-12-01",
            evidence=[E(start=5.0, end=7.0, quote="I'll book it")],
            status="unsupported",
        )
    ],
    summary="Zoë chaired — trip approved.",
    flags=[
        types.Flag(
            kind="safeguarding", reason="Concern about Zoë", evidence=[E(start=8.0, end=9.0, quote="worried")]
        )
    ],
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
    words = [
        types.Word(start=0.0, end=0.4, word=" Zoë", probability=0.93, speaker="Zoë"),
        types.Word(start=0.4, end=0.9, word=" speaks.", probability=0.88, speaker="Zoë"),
    ]
    transcript = types.Transcript(
        language="en",
        duration=3.5,
        segments=[
            types.Segment(start=0.0, end=0.9, text="Zoë speaks.", words=words, speaker="Zoë"),
            types.Segment(start=1.0, end=3.5, text="No words here.", words=[], speaker=None, overlap=True),
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


def test_records_take_keyword_arguments_only():
    """A positional call would bind by field order, which a field added to a mixin silently shifts."""
    with pytest.raises(TypeError):
        types.Segment(0.0, 1.0, "Hi.")  # type: ignore[misc]
    with pytest.raises(TypeError):
        types.Action("Book", "Zoë")  # type: ignore[misc]
    segment = types.Segment(start=0.0, end=1.0, text="Hi.", speaker="Zoë", overlap=True)
    assert (segment.start, segment.text, segment.speaker, segment.words) == (0.0, "Hi.", "Zoë", [])


def test_json_columns_hold_the_structures_themselves(database):
    """The AI's original, the drafting notes and a review step's detail are JSON columns, not TEXT to parse."""
    with database.session() as s:
        meeting = create_meeting(s, "Governors", "2026-11-30", ["Zoë:chair"])
        draft_id = review.create_draft(s, meeting.id, None, DRAFT, "smol").id
        review.resolve(s, draft_id, "f1", "keep", "Zoë")
    with database.session() as s:
        row = s.get(DraftRow, draft_id)
        steps = s.exec(select(Review).where(Review.draft_id == draft_id)).all()
        assert row.original == DRAFT.model_dump(mode="json")
        assert row.notes == ["repaired — chunk 2"]
        assert [step.detail for step in steps] == [{}, {"item": "f1", "resolution": "kept"}]
    for column in (DraftRow.original, DraftRow.notes, Review.detail):
        assert isinstance(column.type, JSON)


def test_a_transcript_loads_in_the_same_number_of_queries_however_long(database):
    """Segments and words come in one joined query, not one query per segment."""
    from sqlalchemy import event

    def queries_to_load(n_segments: int) -> int:
        segments = [
            types.Segment(
                start=float(i),
                end=i + 0.5,
                text="Zoë speaks.",
                words=[types.Word(start=float(i), end=i + 0.5, word=" Zoë", probability=0.9, speaker="Zoë")],
            )
            for i in range(n_segments)
        ]
        with database.session() as s:
            meeting = create_meeting(s, "Governors", "2026-11-30", ["Zoë:chair"])
            rec = Recording(meeting_id=meeting.id, original_name="m.wav", sha256="0" * 64, duration=60.0)
            s.add(rec)
            s.flush()
            transcript = types.Transcript(language="en", duration=60.0, segments=segments)
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
