"""The model store on real model files: listing, verification, and corrupt or truncated files caught on load."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from minutes.cli import cli
from minutes.core.config import load_settings
from minutes.engines.registry import REGISTRY
from minutes.engines.store import ModelStore, model_store
from minutes.errors import ModelError

SMALL = "pyannote-segmentation-3.0"  # 6 MB: cheap to copy and corrupt


@pytest.fixture
def store_copy(tmp_path, monkeypatch):
    """A private store holding a verified copy of one small real model."""
    real = model_store(load_settings())
    src = real.require(SMALL)
    root = tmp_path / "models"
    shutil.copytree(src, root / SMALL)
    monkeypatch.setenv("MINUTES_MODELS", str(root))
    return ModelStore(root)


def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_list_json_reports_every_registered_model(home, store_copy):
    result = run("models", "list", "--json")
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.output)}
    assert set(rows) == set(REGISTRY)
    assert rows[SMALL]["present"] and rows[SMALL]["verified"]
    assert not rows["whisper-tiny.en"]["present"]
    assert rows["qwen2.5-coder-1.5b-instruct"]["licence"].startswith("Apache-2.0 upstream")


def test_verify_passes_on_intact_files(home, store_copy):
    result = run("models", "verify", SMALL)
    assert result.exit_code == 0, result.output
    assert f"{SMALL}: ok" in result.output


def test_corrupted_file_is_named_by_verify_and_by_loading(home, store_copy):
    target = store_copy.folder(SMALL) / "pytorch_model.bin"
    store_copy.require(SMALL)  # records the verified stamp
    data = bytearray(target.read_bytes())
    data[1000] ^= 0xFF  # one flipped byte, same size
    target.write_bytes(bytes(data))

    result = run("models", "verify")
    assert result.exit_code == 4
    assert "pytorch_model.bin" in result.output and "corrupt" in result.output
    assert "Traceback" not in result.output

    with pytest.raises(
        ModelError, match=r"pytorch_model\.bin.*corrupt.*models pull pyannote-segmentation-3.0"
    ):
        store_copy.require(SMALL)


def test_truncated_file_is_caught_on_load_with_the_fix(home, store_copy):
    target = store_copy.folder(SMALL) / "pytorch_model.bin"
    with target.open("r+b") as fh:
        fh.truncate(1024)
    with pytest.raises(ModelError) as info:
        store_copy.require(SMALL)
    message = str(info.value)
    assert "pytorch_model.bin" in message and "truncated" in message and "minutes models pull" in message


def test_missing_model_is_a_one_line_error(home, store_copy):
    with pytest.raises(ModelError, match="whisper-tiny.en.*not installed"):
        store_copy.require("whisper-tiny.en")


def test_unknown_model_name_is_a_usage_error(home, store_copy):
    result = run("models", "pull", "no-such-model")
    assert result.exit_code == 2
    assert result.output.strip().startswith("error: unknown model 'no-such-model'")


def test_user_registered_local_model(home, store_copy, tmp_path):
    folder = tmp_path / "my-whisper"
    folder.mkdir()
    (home / "config.toml").write_text(
        f'[models.local.my-whisper]\nrole = "asr"\npath = "{folder}"\n', encoding="utf-8"
    )
    result = run("models", "list", "--json")
    rows = {r["name"]: r for r in json.loads(result.output)}
    assert rows["my-whisper"]["source"] == "local" and rows["my-whisper"]["present"]
    assert model_store(load_settings()).require("my-whisper") == folder
