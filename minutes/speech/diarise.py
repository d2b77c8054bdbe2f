"""Diarisation stage: decoded Audio -> who spoke when (speaker turns) and one voice embedding per speaker.

pyannote gets the in-memory waveform (`Audio.waveform_dict()`), never the file. Turns come from pyannote's
full (overlap-aware) diarisation, so overlapping speech shows as overlapping turns. Speaker labels are
"SPEAKER_00", "SPEAKER_01", ... in order of first appearance.

Memory is not flat in the recording's length (bench/speech.py, 2 cores): peak RSS 1.2 GB for 5 min and 2.6 GB
for 30 min, against about 1.0 GB for the ASR stage at any length. The likely cause is pyannote's clustering
and reconstruction, which grow with (chunks x speakers) and, for the pairwise distances of agglomerative
clustering, with the square of the number of chunk embeddings; it has not been profiled further.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field

import numpy as np

from minutes.core.speech_params import SPEAKERS, SpeakerParams
from minutes.core.types import SAMPLE_RATE, Audio, SpeakerTurn
from minutes.engines.diarisation import DiarisationEngine, torch_threads
from minutes.errors import UsageError


@dataclass
class Diarisation:
    turns: list[SpeakerTurn] = field(default_factory=list)
    centroids: dict[str, np.ndarray] = field(default_factory=dict)  # label -> speaker embedding

    @property
    def speakers(self) -> list[str]:
        return list(self.centroids)


@contextmanager
def _torch_threads(n: int) -> Iterator[None]:
    """`n` torch threads for the calling thread, in inference mode."""
    import torch

    with torch_threads(n), torch.inference_mode():
        yield


def check_counts(
    num_speakers: int | None,
    min_speakers: int | None,
    max_speakers: int | None,
    limit: int = SPEAKERS.max_speakers,
) -> None:
    """UsageError for speaker counts that cannot bound a clustering: checked before any model loads. `limit`
    (config `[speakers] max_speakers`): the clustering's arrays grow with the count (100000: OverflowError)."""
    for name, value in (
        ("num_speakers", num_speakers),
        ("min_speakers", min_speakers),
        ("max_speakers", max_speakers),
    ):
        if value is not None and not 1 <= value <= limit:
            raise UsageError(f"{name} must be from 1 to {limit}, got {value}")
    if min_speakers and max_speakers and min_speakers > max_speakers:
        raise UsageError(f"min_speakers ({min_speakers}) is larger than max_speakers ({max_speakers})")


def diarise(
    engine: DiarisationEngine,
    audio: Audio,
    num_speakers: int | None = None,
    min_speakers: int | None = None,
    max_speakers: int | None = None,
    threads: Callable[[], int] | None = None,
    params: SpeakerParams = SPEAKERS,
) -> Diarisation:
    """Find the speaker turns; give `num_speakers` (or a min/max) when the participant list is known.

    `threads`, asked between the model's batches, says how many torch threads to use from then on: a search
    begun on one core beside the ASR takes the ASR's cores once transcription ends (minutes.run.overlap). It
    is set from the thread that runs the pipeline, as torch's OpenMP thread count is per calling thread.

    Turns end where the recording ends: pyannote pads the last 10 s window (or the only one, for a shorter
    recording) with silence and can mark speech in the padding, and a turn past the end could not be embedded
    again for the reassignment (the first 9.84 s of the demo gave a turn to 9.97 s, and its run failed)."""
    import torch

    def hook(*_, **__) -> None:
        if threads and (n := threads()) != torch.get_num_threads():
            torch.set_num_threads(n)

    check_counts(num_speakers, min_speakers, max_speakers, params.max_speakers)
    file = {**audio.waveform_dict(), "uri": "audio"}
    with _torch_threads(engine.threads), redirect_stdout(io.StringIO()):  # pyannote print()s clustering notes
        output = engine.pipeline(
            file,
            num_speakers=num_speakers,
            min_speakers=min_speakers,
            max_speakers=max_speakers,
            hook=hook,
        )
    annotation = output.speaker_diarization
    end = audio.duration
    raw = sorted(
        (seg.start, min(seg.end, end), label)
        for seg, _, label in annotation.itertracks(yield_label=True)
        if seg.start < end
    )
    order: dict[str, str] = {}
    for _, _, label in raw:
        order.setdefault(label, f"SPEAKER_{len(order):02d}")
    turns = [SpeakerTurn(round(float(s), 3), round(float(e), 3), order[label]) for s, e, label in raw]
    centroids = {}
    embeddings = output.speaker_embeddings
    if embeddings is not None:
        for label, vec in zip(annotation.labels(), embeddings, strict=False):
            if label in order:
                centroids[order[label]] = np.asarray(vec, dtype=np.float32)
    centroids = dict(sorted(centroids.items()))
    return Diarisation(turns=turns, centroids=centroids)


def embed(
    engine: DiarisationEngine,
    audio: Audio,
    start: float,
    end: float,
    threads: int | None = None,
    params: SpeakerParams = SPEAKERS,
) -> np.ndarray:
    """The speaker embedding of audio[start:end] (e.g. a participant's enrolment range), on `threads` torch
    threads (default: the engine's). See `embed_ranges` for how the range is cut."""
    fixed = threads or engine.threads
    return embed_ranges(engine, audio, [(start, end)], lambda: fixed, params)[0]


def embed_ranges(
    engine: DiarisationEngine,
    audio: Audio,
    ranges: list[tuple[float, float]],
    threads: Callable[[], int] | None = None,
    params: SpeakerParams = SPEAKERS,
) -> list[np.ndarray]:
    """The speaker embeddings of many (start, end) ranges (e.g. every turn), in order; ranges cut to the same
    length share a batch, and `threads`, asked before each batch, says how many torch threads it uses.

    The middle of each range is embedded, at most `embed_max_seconds` long and cut to a multiple of
    `embed_step_seconds` (`params`, config `[speakers]`): torch keeps state for every input length it sees, so 150
    embeddings of random lengths grew RSS from 650 to 1390 MB on this CPU, while the same lengths rounded this
    way stay bounded. The rounding also puts most turns into a handful of lengths, so they batch: on 30 minutes
    (391 turns), one at a time took 30 s on one thread."""
    import torch

    pieces = [_piece(audio, start, end, params) for start, end in ranges]
    by_length: dict[int, list[int]] = {}
    for i, piece in enumerate(pieces):
        by_length.setdefault(len(piece), []).append(i)
    out: list[np.ndarray] = [np.empty(0)] * len(pieces)
    for length, members in by_length.items():
        size = max(1, int(params.embed_batch_seconds * SAMPLE_RATE) // length)
        for first in range(0, len(members), size):
            batch = members[first : first + size]
            stacked = torch.from_numpy(np.stack([pieces[i] for i in batch]))[:, None, :]
            with _torch_threads(threads() if threads else engine.threads):
                vectors = engine.embedder(stacked)
            for i, vec in zip(batch, vectors, strict=True):
                out[i] = np.asarray(vec, dtype=np.float32)
    return out


def _piece(audio: Audio, start: float, end: float, params: SpeakerParams) -> np.ndarray:
    """The samples `embed_ranges` embeds for audio[start:end]; UsageError for a range it cannot embed."""
    if end - start < params.embed_min_seconds:
        raise UsageError(
            f"the range {start:.2f}-{end:.2f} s is too short to enrol a voice "
            f"(at least {params.embed_min_seconds} s)"
        )
    if start < 0 or end > audio.duration + 0.01:
        raise UsageError(
            f"the range {start:.2f}-{end:.2f} s is outside the recording (0-{audio.duration:.2f} s)"
        )
    length = max(
        params.embed_min_seconds,
        min(end - start, params.embed_max_seconds) // params.embed_step_seconds * params.embed_step_seconds,
    )
    first = int((start + (end - start - length) / 2) * SAMPLE_RATE)
    return np.ascontiguousarray(audio.samples[first : first + int(length * SAMPLE_RATE)])
