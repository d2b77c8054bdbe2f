"""A recording and consent to record it (issue 40, items 3 and 17): attaching a recording again after a refusal
deleted its audio stores it again, and nothing of it is kept while the record gate is closed."""

from __future__ import annotations

from pathlib import Path

from pg import sql
from processed_meeting import DEMO, PEOPLE, build, run

from minutes.core.config import load_settings


def give_all(meeting_id: int, *who: str) -> None:
    for name in who or PEOPLE:
        result = run("consent", "give", meeting_id, name, "--scope", "all", "--method", "verbal", "--by", "C")
        assert result.exit_code == 0, result.output


def test_attaching_again_after_a_refusal_deleted_the_audio_stores_it_again(home, database):
    built = build(load_settings())
    give_all(built.meeting_id)
    tom = built.participants["Tom"]
    refused = run("consent", "refuse", built.meeting_id, "Tom", "--scope", "all", "--method", "verbal")
    assert refused.exit_code == 0 and not built.audio.exists()
    give_all(built.meeting_id, str(tom))
    attached = run("attach", built.meeting_id, DEMO / "meeting.wav")
    assert attached.exit_code == 0, attached.output
    [(path, deleted)] = sql(home, "SELECT path, audio_deleted_at FROM recording")
    assert path is not None and deleted is None, "attach said stored: the audio must be in the store"
    stored = Path(path) if Path(path).is_absolute() else load_settings().files_dir / path
    assert stored.read_bytes() == (DEMO / "meeting.wav").read_bytes()
    assert f"recording {built.recording_id} stored" in attached.output
    assert run("audit", "verify").exit_code == 0


def test_attaching_is_refused_without_record_consent_and_keeps_nothing(home, database):
    built = build(load_settings())
    give_all(built.meeting_id)
    run("consent", "refuse", built.meeting_id, "Sam", "--scope", "record", "--method", "verbal")
    attached = run("attach", built.meeting_id, DEMO / "meeting.wav")
    assert attached.exit_code == 5 and "record is blocked" in attached.output
    assert sql(home, "SELECT path FROM recording") == [(None,)]
    recordings = load_settings().files_dir / "recordings"
    assert not [p for p in recordings.rglob("*") if p.is_file()]
