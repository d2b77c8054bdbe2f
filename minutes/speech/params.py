"""The speech stages' tunables, one typed object per stage (as pyannote keeps a pipeline's hyper-parameters),
so a tuning run can report the values it used and a change to one is a change in one place. The pyannote
clustering settings themselves are `minutes.core.config.DiarisationParams` (config `[diarisation]`); these are
the steps around them. Why each value: the docstrings of the modules that use them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Params(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TranscribeParams(_Params):
    """Speech recognition (minutes.speech.transcribe) and its language check (minutes.speech.language)."""

    window_seconds: float = Field(600.0, gt=0)  # a long recording is transcribed in windows this long
    cut_search_seconds: float = Field(30.0, gt=0)  # a window ends at the quietest point this close to its end
    min_repeat_words: int = Field(3, ge=1)  # a segment repeating the previous one with this many words goes
    language_window_seconds: float = Field(30.0, gt=0)  # speech windows whose language is identified
    language_max_windows: int = Field(12, ge=1)  # at most this many, spread over the recording
    language_min_probability: float = Field(0.6, ge=0, le=1)  # a window counts for a language this sure
    language_min_share: float = Field(0.2, ge=0, le=1)  # not English once this share of windows is another


class SpeakerParams(_Params):
    """Who spoke each word, and naming voices (minutes.speech.attribute, diarise, naming, reassign, talk)."""

    backchannel_max_words: int = Field(2, ge=0)  # a run of at most this many words ("Yes", "Mm-hm") ...
    backchannel_max_seconds: float = Field(1.0, ge=0)  # ... shorter than this is a backchannel
    overlap_min_seconds: float = Field(0.1, ge=0)  # another speaker covering this much of a word: overlap
    embed_min_seconds: float = Field(0.5, gt=0)  # the shortest audio a voice is embedded from
    embed_step_seconds: float = Field(
        0.5, gt=0
    )  # embedded lengths are multiples of this (torch caches shapes)
    embed_max_seconds: float = Field(10.0, gt=0)  # the longest
    name_threshold: float = Field(0.5, ge=-1, le=1)  # cosine similarity a voice must reach to be named
    reassign_min_seconds: float = Field(1.5, ge=0)  # a shorter turn never overrules its cluster
    max_speakers: int = Field(50, ge=1)  # a speaker count given by hand: more than any meeting this is for
    reassign_margin: float = Field(0.05, ge=0)  # a turn moves when another voice matches better by this much
    talk_min_lines: int = Field(2, ge=1)  # a name from the talk is applied when this many lines say it ...
    talk_dominance: float = Field(3.0, ge=1)  # ... and this many times more than its best rival (talk.py)


TRANSCRIBE = TranscribeParams()
SPEAKERS = SpeakerParams()
