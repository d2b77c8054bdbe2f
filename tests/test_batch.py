"""`minutes batch`: bad files among good ones, and kill -9 at several moments followed by --resume.

These run the real CLI in subprocesses with the real models. The extractor is SmolLM2-135M (set in the test's
config file): it exercises the real loading and generation path fast; extraction quality is tested elsewhere.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from sqlmodel import Session, create_engine, select

from minutes.db import DraftRow, Job, Recording, StageRun, TranscriptRow
from minutes.speech.audio import load_channels

pytestmark = pytest.mark.slow
MINUTES = str(Path(sys.executable).parent / "minutes")


def write_wav(path: Path, samples: np.ndarray) -> Path:
    import wave

    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(pcm.tobytes())
    return path


@pytest.fixture
def batch_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text('[models]\nextractor = "smollm2-135m-instruct"\n')
    monkeypatch.setenv("MINUTES_HOME", str(home))
    return home


def manifest(folder: Path, rows: list[dict]) -> Path:
    path = folder / "manifest.csv"
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, ["file", "title", "date", "participants", "consent_evidence"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def good_files(folder: Path, data: Path) -> list[Path]:
    """Short real recordings: jfk, the stereo file mixed to mono, and two cuts of pyannote's sample."""
    left, right = load_channels(data / "stereo_diarization.wav")
    from minutes.speech.audio import decode

    sample = decode(data / "sample.wav").samples
    return [
        data / "jfk.flac",
        write_wav(folder / "stereo-mono.wav", (left + right) / 2),
        write_wav(folder / "sample-a.wav", sample[: 16000 * 12]),
        write_wav(folder / "sample-b.wav", sample[16000 * 12 : 16000 * 26]),
    ]


def rows_for(files: list[Path], form: Path) -> list[dict]:
    return [
        {
            "file": str(f),
            "title": f"Meeting {i}",
            "date": "2026-11-23",
            "participants": "Alex;Blake",
            "consent_evidence": str(form),
        }
        for i, f in enumerate(files, start=1)
    ]


def minutes(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([MINUTES, *args], capture_output=True, text=True, timeout=900, **kw)


def db(home: Path) -> Session:
    return Session(create_engine(f"sqlite:///{home / 'minutes.db'}"))


def test_bad_files_fail_with_reasons_and_the_batch_goes_on(batch_home, tmp_path, data):
    form = tmp_path / "signed-form.pdf"
    form.write_bytes(b"%PDF-1.4 signed consent form")
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes((data / "sample.wav").read_bytes()[:44] + os.urandom(3000))
    not_audio = tmp_path / "notes.wav"
    not_audio.write_text("these are the clerk's notes, not audio")
    rows = rows_for([data / "jfk.flac", corrupt, not_audio, data / "jfk.flac"], form)
    rows[3]["title"], rows[3]["consent_evidence"] = "No consent yet", ""
    result = minutes("batch", str(manifest(tmp_path, rows)), "--json")
    assert result.returncode == 6, result.stderr
    summary = json.loads(result.stdout)
    status = [j["status"] for j in summary["jobs"]]
    assert status == ["done", "failed", "failed", "blocked"], summary
    reasons = [j["reason"] or "" for j in summary["jobs"]]
    assert "audio" in reasons[1].lower() or "decode" in reasons[1].lower(), reasons[1]
    assert "audio" in reasons[2].lower(), reasons[2]
    assert "Alex" in reasons[3] and "record" in reasons[3]
    assert "Traceback" not in result.stderr


def _wait_for(home: Path, predicate, timeout: float = 300) -> bool:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            with db(home) as s:
                if predicate(s):
                    return True
        except Exception:  # the database may not exist yet
            pass
        time.sleep(0.2)
    return False


def _started(stage: str, nth: int = 1):
    return lambda s: len(s.exec(select(StageRun).where(StageRun.stage == stage)).all()) >= nth


def test_kill_9_at_several_points_then_resume(batch_home, tmp_path, data):
    form = tmp_path / "form.pdf"
    form.write_bytes(b"%PDF-1.4 consent")
    files = good_files(tmp_path, data)
    path = manifest(tmp_path, rows_for(files, form))
    kill_points = [_started("transcribe", 1), _started("summarise", 1), _started("diarise", 3)]
    for i, point in enumerate(kill_points):
        args = [MINUTES, "batch", str(path)] + (["--resume"] if i else [])
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        reached = _wait_for(batch_home, point)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert reached, f"kill point {i} was never reached"
    final = minutes("batch", str(path), "--resume", "--json")
    assert final.returncode == 0, final.stdout + final.stderr
    with db(batch_home) as s:
        jobs = s.exec(select(Job)).all()
        assert [j.status for j in jobs] == ["done"] * len(files)
        assert len(s.exec(select(Recording)).all()) == len(files)
        assert len(s.exec(select(TranscriptRow)).all()) == len(files)
        drafts = s.exec(select(DraftRow)).all()
        assert len(drafts) == len(files) and len({d.meeting_id for d in drafts}) == len(files)
        for stage in ("transcribe", "diarise", "summarise"):
            done = s.exec(select(StageRun).where(StageRun.stage == stage, StageRun.status == "done")).all()
            assert len(done) == len(files), stage
    leftovers = [
        p for p in (batch_home / "files").rglob("*") if ".tmp-" in p.name or p.name.endswith(".part")
    ]
    assert leftovers == []
    recordings = list((batch_home / "files" / "recordings").rglob("*.*"))
    assert len(recordings) == len(files)
    verify = minutes("audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_manifest_names_with_colons_get_the_consent_their_row_gives(home, database, tmp_path):
    """Issue 40, item 18: "=A1:B2:chair" is the participant "=A1:B2" with the role "chair", for the meeting and
    for the consent its form records alike (a name that looks like a spreadsheet formula stays a name)."""
    from minutes.consent.status import consent_status
    from minutes.core.config import load_settings
    from minutes.core.store import Database
    from minutes.run.batch import BatchEntry, meeting_for, prepare_jobs

    form = tmp_path / "form.pdf"
    form.write_bytes(b"%PDF-1.4 consent")
    entry = BatchEntry(str(tmp_path / "a.wav"), "Governors", "2026-11-23", ["=A1:B2:chair", "@Bo:Sr:clerk", "Cy"],
                  str(form))  # fmt: skip
    db = Database.open(load_settings())
    try:
        [job] = prepare_jobs(db, "b", [entry], resume=False)
        meeting_id = meeting_for(db, job, entry, "clerk", db.settings.files_dir)
        with db.session() as s:
            status = consent_status(s, meeting_id)
        people = {
            (p.name, p.role): {sc: c.state.value for sc, c in p.scopes.items()} for p in status.participants
        }
    finally:
        db.close()
    assert set(people) == {("=A1:B2", "chair"), ("@Bo:Sr", "clerk"), ("Cy", None)}
    assert all(set(states.values()) == {"given"} for states in people.values())
