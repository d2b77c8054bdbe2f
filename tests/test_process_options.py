"""A bad option to `minutes process` or `minutes batch` is refused before any stage runs (issue 11, item 16).

Before, `--language xx` was found only in the transcribe stage, after the record stage had stored the audio.
Every case here must end in a one-line error with nothing stored: no recording row, no copy of the audio, no
stage run, no audit event.
"""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from minutes.cli import cli

TABLES = ("recording", "stage_run", "audit_event", "transcript", "draft", "job")


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def counts(home) -> dict[str, int]:
    with sqlite3.connect(home / "minutes.db") as db:
        return {t: db.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}


def stored_files(home) -> list[str]:
    return (
        sorted(str(p.relative_to(home)) for p in (home / "files").rglob("*") if p.is_file())
        if (home / "files").exists()
        else []
    )


@pytest.fixture
def meeting(home):
    assert run("meeting", "create", "Options", "--date", "2026-11-23", "--participant", "Alex").exit_code == 0
    assert run("consent", "give", "1", "Alex", "--scope", "all", "--method", "verbal").exit_code == 0
    return home


def _cuda() -> bool:
    import ctranslate2

    return ctranslate2.get_cuda_device_count() > 0


CASES = [
    ((), ("--language", "xx"), "unknown language 'xx'"),
    ((), ("--language", "EN"), "unknown language 'EN'"),
    ((), ("--language", "en-GB"), "unknown language"),
    ((), ("--language", "de"), "is English-only"),
    ((), ("--model", "no-such-model"), "unknown ASR model 'no-such-model'"),
    ((), ("--model", "smollm2-135m-instruct"), "not a speech recognition model"),
    ((), ("--model", "{empty}"), "not a CTranslate2 Whisper folder"),
    ((), ("--compute-type", "int3"), "compute type 'int3' is not supported"),
    (("--device", "cuda"), (), "no CUDA device"),
    ((), ("--num-speakers", "0"), "0"),
    ((), ("--num-speakers", "51"), "51"),
]
CONFIGS = [
    ('[models]\nextractor = "no-such-extractor"\n', "unknown extractor model 'no-such-extractor'"),
    ('[models]\nextractor = "whisper-base"\n', "unknown extractor model 'whisper-base'"),
    ('[models]\ndiarisation_pipeline = "community-1"\n', "is not registered as a local model"),
    ('[models]\nasr = "nope"\n', "unknown ASR model 'nope'"),
]


@pytest.mark.parametrize("root, options, message", CASES, ids=[" ".join(r + o) for r, o, _ in CASES])
@pytest.mark.parametrize("command", ["process", "batch"])
def test_a_bad_option_stores_nothing(meeting, tmp_path, data, root, options, message, command):
    if root == ("--device", "cuda") and _cuda():
        pytest.skip("this machine has a CUDA device")
    (tmp_path / "empty").mkdir()
    options = [o.replace("{empty}", str(tmp_path / "empty")) for o in options]
    if command == "batch":
        manifest = tmp_path / "manifest.csv"
        manifest.write_text(f"file,title,date,participants\n{data / 'jfk.flac'},Batch,2026-11-23,Alex\n")
        args = [*root, "batch", manifest, *options]
    else:
        args = [*root, "process", "1", data / "jfk.flac", *options]
    before = counts(meeting)
    res = run(*args)
    assert res.exit_code in (2, 4), res.output
    assert "Traceback" not in res.output and message in res.output, res.output
    if not options or not options[0] == "--num-speakers":  # click's own usage message has several lines
        assert len(res.output.strip().splitlines()) == 1 and res.output.startswith("error: "), res.output
    assert counts(meeting) == before
    assert stored_files(meeting) == []


@pytest.mark.parametrize("config, message", CONFIGS, ids=[m for _, m in CONFIGS])
def test_a_bad_model_setting_stores_nothing(meeting, data, config, message):
    (meeting / "config.toml").write_text(config)
    before = counts(meeting)
    res = run("process", "1", data / "jfk.flac")
    assert res.exit_code in (2, 4) and message in res.output, res.output
    assert len(res.output.strip().splitlines()) == 1 and res.output.startswith("error: "), res.output
    assert counts(meeting) == before
    assert stored_files(meeting) == []


def test_every_language_faster_whisper_knows_is_accepted_by_a_multilingual_model(home):
    from minutes.core.config import load_settings
    from minutes.run.preflight import check_options, languages

    settings = load_settings()
    assert {"en", "de", "cy", "fr", "pl", "ur", "yue"} <= set(languages()) and len(languages()) >= 99
    for code in languages():
        check_options(settings, "whisper-base", "cpu", None, code, 4)


@pytest.mark.parametrize("language", ["xx", "EN", "english"])
def test_transcribe_alone_refuses_an_unknown_language_before_loading(home, data, language):
    """`minutes transcribe` ran the multilingual model and ended in `internal error (ValueError)`, exit 70."""
    res = run("transcribe", data / "jfk.flac", "--model", "whisper-base", "--language", language)
    lines = res.output.strip().splitlines()
    assert res.exit_code == 2 and len(lines) == 1, res.output
    assert lines[0].startswith(f"error: unknown language '{language}' (use a lowercase code"), res.output
