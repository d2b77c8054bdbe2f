"""One recording per meeting. A second file for a meeting that has one is refused (a mistyped meeting id must
not process into the wrong meeting) unless the user says what it is:

- `replace`: the file replaces the recording. The record stage stores it and, in the same transaction,
  discards the old one and everything made from it (audited, minutes.records.replacement); every later stage
  runs again.
- `add-part`: the meeting was recorded in parts. The stored recording and the new part are decoded with the
  audio loader and stitched in order into one 16 kHz mono WAV, which then replaces the recording as above:
  speech recognition and diarisation need the meeting in one piece, so processing starts over on the whole.

Both are refused once the meeting's minutes are released. The same file again is a rerun and resumes; so is a
part already stitched into the stored recording, and `add-part` with the stored recording itself.
"""

from __future__ import annotations

import json
import os
import tempfile
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from sqlmodel import col, select

from minutes.core.files import sha256_file
from minutes.core.types import SAMPLE_RATE
from minutes.db import AuditEvent, Recording
from minutes.errors import StateError, UsageError
from minutes.records.replacement import require_unreleased
from minutes.records.retention import audio_path
from minutes.run.stages import PART_EVENT, Run
from minutes.speech.audio import decode

MODES = ("replace", "add-part")


@contextmanager
def chosen_source(run: Run, mode: str | None) -> Iterator[None]:
    """Point `run` at the file to store, and say whether it replaces the stored recording. Refuses a second
    recording when `mode` is None. A stitched whole is a temporary file, removed when the block ends."""
    if mode is not None and mode not in MODES:
        raise UsageError(f"unknown mode {mode!r}", "use replace or add-part")
    stored = _recordings(run)
    if (
        not stored or not run.path.is_file()
    ):  # the first recording; a missing file is the record stage's error
        yield
        return
    sha = sha256_file(run.path)
    if mode is None:
        if all(r.sha256 != sha for r in stored):
            run.audio()  # a file that is no recording at all says so first (the reason the user can act on)
            raise _second_recording(run.meeting_id, stored[-1])
        yield
        return
    with run.db.session() as s:
        require_unreleased(s, run.meeting_id)
    if mode == "add-part" and any(r.sha256 == sha for r in stored):  # the first part again: a rerun
        yield
        return
    if mode == "add-part" and _already_stitched(run, sha, stored[-1]):
        run.path = Path(audio_path(run.engines.settings, stored[-1]))
        yield
        return
    run.replacing = mode
    if mode == "replace":
        yield
        return
    stitched = _stitch(run, stored[-1])
    try:
        yield
    finally:
        stitched.unlink(missing_ok=True)


def _recordings(run: Run) -> list[Recording]:
    with run.db.session() as s:
        query = select(Recording).where(Recording.meeting_id == run.meeting_id).order_by(col(Recording.id))
        return list(s.exec(query).all())


def _second_recording(meeting_id: int, rec: Recording) -> StateError:
    return StateError(
        f"meeting {meeting_id} already has a recording ({rec.original_name}, {rec.duration:.0f}s); "
        "nothing was stored",
        "check the meeting id; --replace discards that recording, its transcript and draft and starts over; "
        "--add-part appends this file to it as the next part of the meeting",
    )


def _already_stitched(run: Run, part_sha: str, latest: Recording) -> bool:
    """Is the stored recording the whole this part was stitched into (a rerun after a stop)?"""
    with run.db.session() as s:
        query = select(AuditEvent.hashes_json).where(
            AuditEvent.meeting_id == run.meeting_id, AuditEvent.kind == PART_EVENT
        )
        stitched = [json.loads(h) for h in s.exec(query).all()]
    return latest.path is not None and {"part": part_sha, "whole": latest.sha256} in stitched


def _stitch(run: Run, latest: Recording) -> Path:
    """The stored recording then the new part, decoded and joined, as a 16-bit 16 kHz mono WAV; `run` now
    stores that file, under both parts' names."""
    if latest.path is None:
        raise StateError(
            f"the recording of meeting {run.meeting_id} was deleted (retention or withdrawal); "
            "no part can be added to it"
        )
    settings = run.engines.settings
    limit = settings.limits.max_audio_seconds
    part = run.audio()  # the part decodes, within the limit, before anything is written
    samples = np.concatenate([decode(audio_path(settings, latest), limit).samples, part.samples])
    if samples.size / SAMPLE_RATE > limit:
        raise UsageError(f"the parts together are longer than the limit of {limit / 3600:g} hours")
    settings.files_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, name = tempfile.mkstemp(prefix=".parts-", suffix=".wav", dir=settings.files_dir)  # 0600
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh, wave.open(fh, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(SAMPLE_RATE)
            w.writeframes((np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    run.original_name = f"{latest.original_name} + {run.path.name}"
    run.part_sha256 = part.sha256
    run.path, run._audio = path, None
    return path
