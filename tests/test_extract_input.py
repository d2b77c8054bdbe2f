"""Bad input to extraction: clear one-line errors, never a traceback; an empty transcript gives an empty draft."""

import json
from datetime import date

import pytest
from click.testing import CliRunner

from minutes.cli import cli
from minutes.core.config import load_settings
from minutes.core.types import Segment, Transcript
from minutes.drafting.extract import extract, parse_reply, read_transcript
from minutes.engines.extractor import load_extractor
from minutes.errors import ModelError, NotFoundError, UsageError


def _run(*args):
    result = CliRunner().invoke(cli, ["extract", *args])
    return result.exit_code, result.output


def test_malformed_json_file(tmp_path, home):
    bad = tmp_path / "t.json"
    bad.write_text('{"segments": [{"start": 0, "end": 1, "text": "hi"},')
    with pytest.raises(UsageError, match="not valid JSON"):
        read_transcript(bad)
    code, out = _run(str(bad))
    assert code == 2 and out.strip().startswith("error:") and "Traceback" not in out
    assert len(out.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1, 2]", "expected an object"),
        ('{"language": "en"}', "segments: Field required"),
        ('{"segments": [{"start": "soon", "end": 1, "text": "x"}]}', "segments.0.start"),
        ('{"segments": [{"start": 0, "end": 1}]}', "segments.0.text"),
    ],
)
def test_wrong_shape_names_the_field(tmp_path, content, message):
    path = tmp_path / "t.json"
    path.write_text(content)
    with pytest.raises(UsageError, match=message):
        read_transcript(path)


def test_missing_file_and_bad_date(tmp_path, home):
    with pytest.raises(NotFoundError):
        read_transcript(tmp_path / "nope.json")
    good = tmp_path / "t.json"
    good.write_text(json.dumps({"segments": []}))
    code, out = _run(str(good), "--date", "11/23/2026")  # the US order is never read
    assert code == 2 and "is not a date" in out and "07/12/2026" in out


def test_unknown_or_missing_model(tmp_path, monkeypatch, home):
    settings = load_settings()
    with pytest.raises(UsageError, match="unknown extractor model"):
        load_extractor(settings, model="whisper-tiny.en")
    monkeypatch.setenv("MINUTES_MODELS", str(tmp_path / "empty-store"))
    with pytest.raises(ModelError, match="minutes models pull"):
        load_extractor(load_settings(), model="smollm2-135m-instruct")


def test_empty_transcript_gives_an_empty_draft_without_running_the_model():
    transcript = Transcript(language="en", duration=0.0, segments=[Segment(start=0.0, end=1.0, text="  ")])
    draft = extract(None, transcript, ["Priya"], date(2026, 11, 23))  # the model is never reached
    assert draft.decisions == [] and draft.actions == [] and draft.summary == ""
    assert draft.notes == ["the transcript has no speech; nothing to extract"]


def test_reply_validation():
    ok = parse_reply(
        '{"decisions": [], "actions": [{"task": "Book it", "owners": [], "due": "null", "lines": [6]}],'
        ' "points": []}'
    )
    assert ok.actions[0].due is None and ok.actions[0].lines == [6] and ok.points == []
    with pytest.raises(ValueError, match="invalid JSON"):  # a reply cut at the token limit
        parse_reply('{"decisions": [{"text": "A", "lines": [1]}], "actions": [{"task": "B", "own')
    with pytest.raises(ValueError, match="decisions.0.text"):
        parse_reply('{"decisions": [{"lines": [1]}]}')
