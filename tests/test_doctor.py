"""`minutes doctor` against the real installation, and against an empty model store."""

import json

import ctranslate2
from click.testing import CliRunner

from minutes.cli import cli
from minutes.engines import torchstack


def test_doctor_ready_with_the_installed_models(home):
    result = CliRunner().invoke(cli, ["doctor", "--json"])
    report = json.loads(result.output)
    assert result.exit_code == 0, [c for c in report["checks"] if not c["ok"]]
    names = {c["name"] for c in report["checks"]}
    assert {"torch stack", "offline", "database", "model whisper-tiny.en"} <= names
    assert report["versions"]["pyannote.audio"] == "4.0.7"
    cuda = report["cuda"]
    assert cuda["devices"] == ctranslate2.get_cuda_device_count()  # what the ASR engine will see
    assert cuda["usable"] is (cuda["devices"] > 0)
    assert cuda["torch_build_cuda"] == torchstack.inspect().torch_cuda


def test_doctor_fails_and_names_missing_models(home, tmp_path, monkeypatch):
    monkeypatch.setenv("MINUTES_MODELS", str(tmp_path / "empty"))
    result = CliRunner().invoke(cli, ["doctor", "--json"])
    assert result.exit_code == 1
    failed = [c for c in json.loads(result.output)["checks"] if not c["ok"] and c["needed"]]
    assert any(c["name"] == "model whisper-tiny.en" and "models pull" in c["detail"] for c in failed)
