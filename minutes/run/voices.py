"""The diarisation's model work, apart from attribution: it needs the audio and the consent evidence ranges, not
the transcript, so it can run alongside transcription (minutes.run.overlap) or in the diarise stage itself."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from minutes.consent.meetings import participants_of
from minutes.db.meeting import NOT_RECORDED
from minutes.speech import speakers as speaker_names

if TYPE_CHECKING:
    from minutes.run.stages import Run
    from minutes.speech.diarise import Diarisation


@dataclass
class Voices:
    """The diarisation's model work: it needs the audio and the consent evidence ranges, not the transcript."""

    result: Diarisation
    enrolled: list
    moved: int
    seconds: float


def voice_inputs(run: Run) -> tuple[int | None, list]:
    """(the speaker count to look for, at most; the enrolment ranges), read from the database."""
    with run.db.session() as s:
        n_participants = sum(p.attendance not in NOT_RECORDED for p in participants_of(s, run.meeting_id))
        ranges = speaker_names.enrolment_ranges(s, run.meeting_id, run.stored)
    return n_participants or None, ranges


def find_voices(
    run: Run, max_speakers: int | None, ranges: list, threads: Callable[[], int] | None = None
) -> Voices:
    """Who spoke when, the enrolled voices, and turns moved to the enrolled voice they match. Touches no
    database and reports no progress, so it can run on a thread of its own (minutes.run.overlap); `threads`
    says, between batches, how many torch threads the diarisation may use from then on."""
    from minutes.speech.diarise import Diarisation, diarise, embed_ranges
    from minutes.speech.reassign import reassign_turns

    started = time.monotonic()
    engine, audio, n = run.engines.diarisation, run.audio(), run.engines.options.num_speakers
    params = run.engines.settings.speakers
    result = diarise(
        engine,
        audio,
        num_speakers=n,
        max_speakers=None if n else max_speakers,
        threads=threads,
        params=params,
    )
    enrolled = speaker_names.embed_enrolments(engine, audio, ranges, params)
    fixed = reassign_turns(
        result.turns,
        result.centroids,
        {e.range.name: e.embedding for e in enrolled},
        lambda ranges: embed_ranges(engine, audio, ranges, threads, params),
        params,
    )
    result = Diarisation(turns=fixed.turns, centroids=fixed.centroids)
    return Voices(result, enrolled, len(fixed.moved), time.monotonic() - started)
