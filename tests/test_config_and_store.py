"""Settings precedence, the database store, and one-line errors for bad homes, URLs and arguments."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from minutes.cli import cli
from minutes.core.config import load_settings
from minutes.core.drafting_params import DRAFTING
from minutes.core.speech_params import SPEAKERS, TRANSCRIBE
from minutes.core.store import Database
from minutes.core.types import Segment, SpeakerTurn, Transcript, Word
from minutes.errors import MinutesError, UsageError
from minutes.speech.attribute import attribute


def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_precedence_defaults_file_env_flags(home, monkeypatch):
    assert load_settings().device == "auto"
    (home / "config.toml").write_text('device = "cpu"\n[retention]\naudio_days_after_release = 7\n')
    assert load_settings().device == "cpu"
    assert load_settings().retention.audio_days_after_release == 7
    monkeypatch.setenv("MINUTES_DEVICE", "cuda")
    assert load_settings().device == "cuda"
    assert load_settings(device="cpu").device == "cpu"


def test_config_show_prints_effective_settings(home):
    result = run("config", "show", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["db"] == f"sqlite:///{home / 'minutes.db'}"
    assert data["models"]["asr"] == "whisper-tiny.en"


def test_drafting_tunables_from_config_toml(home):
    """`[drafting]` sets the drafting stage's parameter object, as `[diarisation]` sets its own; the defaults
    are the product's, and a misspelt or out-of-range key is a one-line error naming it."""
    assert load_settings().drafting == DRAFTING
    (home / "config.toml").write_text(
        '[drafting]\nmax_second_looks = 3\nquote_score = 85\noff = ["motions"]\n'
    )
    drafting = load_settings().drafting
    assert (drafting.max_second_looks, drafting.quote_score, drafting.off) == (3, 85, frozenset({"motions"}))
    assert drafting.look_tokens == DRAFTING.look_tokens  # the rest keep their defaults
    shown = json.loads(run("config", "show", "--json").output)["drafting"]
    assert shown["max_second_looks"] == 3 and shown["off"] == ["motions"]
    for bad, key in (
        ("max_second_lookz = 3", "drafting.max_second_lookz"),
        ("judge_yes = 2", "drafting.judge_yes"),
    ):
        (home / "config.toml").write_text(f"[drafting]\n{bad}\n")
        result = run("config", "show")
        assert result.exit_code == 2 and f"bad setting '{key}'" in result.output, result.output


def test_speech_tunables_from_config_toml(home, tmp_path):
    """`[transcribe]` and `[speakers]` set the speech stages' parameter objects the way `[drafting]` and
    `[diarisation]` set theirs; the stages use the configured values, and a bad one is a one-line error."""
    assert (load_settings().transcribe, load_settings().speakers) == (TRANSCRIBE, SPEAKERS)
    (home / "config.toml").write_text(
        "[transcribe]\nwindow_seconds = 40\nlanguage_max_windows = 4\n"
        '[speakers]\nmax_speakers = 4\nbackchannel_max_words = 0\nfrom_talk = "suggest"\n'
    )
    settings = load_settings()
    assert (settings.transcribe.window_seconds, settings.transcribe.language_max_windows) == (40.0, 4)
    assert settings.transcribe.min_repeat_words == TRANSCRIBE.min_repeat_words  # the rest keep their defaults
    assert (settings.speakers.max_speakers, settings.speakers.from_talk) == (4, "suggest")
    shown = json.loads(run("config", "show", "--json").output)
    assert shown["transcribe"]["window_seconds"] == 40 and shown["speakers"]["backchannel_max_words"] == 0
    # the diarise command checks its counts against the configured bound, before any model loads
    clip = tmp_path / "clip.wav"
    clip.write_bytes(b"")
    refused = run("diarise", str(clip), "--num-speakers", "5")
    assert refused.exit_code == 2 and "num_speakers must be from 1 to 4" in refused.output, refused.output
    # an invented "yeah" inside A's sentence: folded into it by default, its own segment with none allowed
    words = [
        Word(start=t, end=t + 0.3, word=f" {w}")
        for t, w in ((0.0, "We"), (0.4, "move"), (0.8, "yeah"), (1.2, "it."))
    ]
    heard = Transcript(
        language="en",
        duration=2.0,
        segments=[Segment(start=0.0, end=1.5, text="We move yeah it.", words=words)],
    )
    turns = [SpeakerTurn(0.0, 0.75, "A"), SpeakerTurn(0.75, 1.15, "B"), SpeakerTurn(1.15, 2.0, "A")]
    assert len(attribute(heard, turns).segments) == 1
    assert [s.speaker for s in attribute(heard, turns, settings.speakers).segments] == ["A", "B", "A"]
    for bad, key in (
        ("[transcribe]\nwindow_seconds = 0", "transcribe.window_seconds"),
        ("[transcribe]\nlanguage_min_share = 2", "transcribe.language_min_share"),
        ("[speakers]\nname_treshold = 0.4", "speakers.name_treshold"),
        ('[speakers]\nfrom_talk = "always"', "speakers.from_talk"),
        ("[speakers]\nembed_min_seconds = 12", "speakers"),  # longer than embed_max_seconds
    ):
        (home / "config.toml").write_text(f"{bad}\n")
        result = run("config", "show")
        assert result.exit_code == 2 and f"bad setting '{key}'" in result.output, result.output
        assert result.output.count("\n") <= 2, result.output


def test_bad_config_file_is_one_line(home):
    (home / "config.toml").write_text("device = 'gpu'\n")
    result = run("config", "show")
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "bad setting 'device'" in result.output
    (home / "config.toml").write_text("device = \n")
    assert "not valid TOML" in run("config", "show").output


def test_sqlite_is_wal_and_migrated(home):
    db = Database.open(load_settings())
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.schema_version() == db.head_version() is not None
    db.close()


def test_unwritable_home_is_a_one_line_error(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("MINUTES_HOME", str(blocker / "home"))
    result = run("doctor")
    assert result.exit_code != 0
    with pytest.raises(UsageError, match="not writable"):
        Database.open(load_settings())


@pytest.mark.parametrize(
    "url, expect",
    [
        ("not a url", "not a database URL"),
        ("postgresql+psycopg://nobody@127.0.0.1:9/none", "cannot connect to the database"),
        ("mysql://x@127.0.0.1/none", "cannot connect to the database"),
    ],
)
def test_database_url_that_cannot_connect(home, url, expect):
    with pytest.raises(MinutesError, match=expect):
        Database.open(load_settings(db=url))
    result = run("--db", url, "models", "list")  # commands that need no database still work
    assert result.exit_code == 0


def test_bad_arguments_exit_non_zero_without_traceback(home):
    result = run("--device", "gpu", "doctor")
    assert result.exit_code == 2 and "Traceback" not in result.output
    result = run("no-such-command")
    assert result.exit_code == 2


def test_migration_matches_the_tables(home, database):
    """The baseline migration must describe every table; regenerate it with `make migration-baseline`."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    db = Database.open(load_settings())
    with db.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata
        )
    db.close()
    assert diff == []


def test_environment_variables_by_their_own_names(home, monkeypatch, tmp_path):
    """MINUTES_MODELS is the models folder (not the [models] table); empty variables count as unset; a
    variable beats the file and a flag beats both, a nested table keeps the keys the file did not set."""
    (home / "config.toml").write_text('db = "sqlite:////from/file.db"\n[models]\nasr = "whisper-base"\n')
    monkeypatch.setenv("MINUTES_MODELS", str(tmp_path / "models"))
    monkeypatch.setenv("MINUTES_DEVICE", "")
    settings = load_settings()
    assert settings.models_root == tmp_path / "models"
    assert (
        settings.models.asr == "whisper-base" and settings.models.extractor == "qwen2.5-coder-1.5b-instruct"
    )
    assert settings.device == "auto" and settings.db == "sqlite:////from/file.db"
    monkeypatch.setenv("MINUTES_DB", "sqlite:////from/env.db")
    assert load_settings().db == "sqlite:////from/env.db"
    assert load_settings(db="sqlite:////from/flag.db").db == "sqlite:////from/flag.db"
    monkeypatch.setenv("MINUTES_DEVICE", "gpu")
    with pytest.raises(UsageError, match="bad setting 'device'"):
        load_settings()
