"""The language check: speech that is not English, given to an English-only model, is caught and flagged."""

from __future__ import annotations

import json

import pytest
from processed_meeting import build, demo_draft, run
from speech_models import DATA, asr, audio, settings

from minutes.core.config import load_settings
from minutes.speech.language import LANGUAGE_FLAG, LanguageCheck, check_language, load_detector, mismatch_flag
from minutes.speech.transcribe import transcribe


def windows(*langs: tuple[str, float]) -> LanguageCheck:
    return LanguageCheck([(30.0 * i, 30.0 * (i + 1), lang, p) for i, (lang, p) in enumerate(langs)])


def test_one_stray_window_is_not_enough_but_a_fifth_is():
    assert windows(*[("en", 0.9)] * 11, ("de", 0.95)).language == "en"
    assert windows(*[("en", 0.9)] * 8, ("de", 0.9), ("de", 0.8)).language == "de"
    assert windows(("en", 0.9), ("de", 0.5), ("de", 0.55)).language == "en"  # unsure windows do not count
    assert windows(("en", 0.9), ("de", 0.9), ("nl", 0.9), ("de", 0.7)).language == "de"
    assert LanguageCheck().language == "en"


def test_flag_only_when_the_model_cannot_write_the_language():
    flag = mismatch_flag("de", "whisper-tiny.en", True)
    assert flag.kind == LANGUAGE_FLAG and "'de'" in flag.reason and "--model whisper-base" in flag.reason
    assert mismatch_flag("en", "whisper-tiny.en", True) is None
    assert mismatch_flag("de", "whisper-base", False) is None


def test_language_flag_blocks_approval_and_is_not_sensitive(home):
    draft = demo_draft()
    draft.flags.insert(0, mismatch_flag("de", "whisper-tiny.en", True))
    built = build(load_settings(), draft)
    refused = run("review", "approve", built.draft_id, "--by", "Mrs Reviewer")
    assert refused.exit_code == 5 and "f1 (language flag)" in refused.output
    shown = json.loads(run("review", "show", built.draft_id, "--json").output)
    flag = next(i for i in shown["items"] if i["ref"] == "f1")
    assert flag["blocking"] and not flag["sensitive"]
    assert run("review", "resolve", built.draft_id, "f1", "--keep", "--by", "Mrs Reviewer").exit_code == 0
    assert run("review", "approve", built.draft_id, "--by", "Mrs Reviewer").exit_code == 0


@pytest.mark.slow
def test_english_then_german_through_tiny_en_is_identified_as_german():
    detector = load_detector(settings(), asr(), None)
    assert detector is not None and detector.multilingual
    transcript = transcribe(asr(), audio("multilingual.mp3"), detector=detector)
    assert transcript.language == "de"
    assert load_detector(settings(), asr(), "en") is None  # a forced language is not second-guessed


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", ["jfk.flac", "meeting-demo/meeting.wav", "dev/real-speech/ami-clips/EN2002a_30s.wav"]
)
def test_english_speech_passes(name):
    """Including real, overlapped AMI speech from speakers of several accents."""
    check = check_language(load_detector(settings(), asr(), None), audio(name))
    assert check.windows and check.language == "en", check.windows


@pytest.mark.slow
def test_process_records_the_language_spoken(home):
    """`minutes process` of a German-then-English recording with tiny.en: the stored transcript says 'de'."""
    created = run(
        "meeting", "create", "Partnerschule call", "--date", "2026-11-23", "--participant", "Anna", "--json"
    )
    meeting = json.loads(created.output)["id"]
    assert (
        run(
            "consent",
            "give",
            meeting,
            "Anna",
            "--scope",
            "record,transcribe",
            "--method",
            "verbal",
            "--by",
            "clerk",
        ).exit_code
        == 0
    )
    result = run("process", meeting, DATA / "multilingual.mp3", "--json")
    stages = {s["stage"]: s for s in json.loads(result.stdout)["stages"]}
    assert stages["transcribe"]["status"] == "done"
    assert "identified as 'de'" in stages["transcribe"]["detail"]
