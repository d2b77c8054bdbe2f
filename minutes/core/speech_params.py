"""The speech stages' tunables, one typed object per stage (as pyannote keeps a pipeline's hyper-parameters),
so a tuning run can report the values it used and a change to one is a change in one place.

Both are settable from `config.toml`, as `[diarisation]` sets DiarisationParams and `[drafting]` sets
DraftingParams: `[transcribe]` is TranscribeParams (Settings.transcribe), `[speakers]` is SpeakerParams
(Settings.speakers). A bad value stops the command with one error naming the key. They live in core, below the
speech stage, because the settings hold them. The pyannote clustering settings themselves are
`minutes.core.config.DiarisationParams`; these are the steps around them. The defaults are the measured ones;
the docstrings of the modules that use them say how they were chosen.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Params(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TranscribeParams(_Params):
    """Speech recognition (minutes.speech.transcribe) and its language check (minutes.speech.language)."""

    # seconds: faster-whisper takes the log-mel of its whole input at once, so windows bound peak memory
    window_seconds: float = Field(600.0, gt=0)
    # seconds: a window ends at the quietest 100 ms this close to its nominal end (at most a quarter window)
    cut_search_seconds: float = Field(30.0, gt=0)
    # words: a segment repeating the previous one with this many words is a decoding loop and goes
    min_repeat_words: int = Field(3, ge=1)
    # seconds of speech per window whose language is identified (Whisper's own window)
    language_window_seconds: float = Field(30.0, gt=0)
    # seconds: a shorter last window is dropped, too little speech to identify a language reliably
    language_min_window_seconds: float = Field(5.0, ge=0)
    # windows: at most this many, spread over the recording (each costs about 0.3 s on 2 cores)
    language_max_windows: int = Field(12, ge=1)
    # probability (0-1): a window counts for a language only when the model is this sure of it
    language_min_probability: float = Field(0.6, ge=0, le=1)
    # share of windows (0-1): not English once this share is one other language (one stray window is not)
    language_min_share: float = Field(0.2, ge=0, le=1)


class SpeakerParams(_Params):
    """Who spoke each word, and naming voices (minutes.speech.attribute, diarise, naming, reassign, talk).

    `from_talk` names speakers nobody enrolled a voice for from what the meeting says ("Fiona, can you ...?"
    and the answer; "I'm Priya"; "as chair, I ..."). "apply": a name the talk gives clearly and consistently is
    applied before drafting and shown as named from the talk, with its lines, for the reviewer to undo; any
    other is a suggestion. "suggest": every one waits for the reviewer (the drafted minutes then call those
    speakers "Speaker N"). "off": not read at all."""

    # words: a run of at most this many ("Yes", "Mm-hm") inside another's sentence is a backchannel ...
    backchannel_max_words: int = Field(2, ge=0)
    # seconds: ... when shorter than this (Whisper's word timings are good to a few hundred ms)
    backchannel_max_seconds: float = Field(1.0, ge=0)
    # seconds: another speaker's turns covering this much of a word mark it as overlapping speech
    overlap_min_seconds: float = Field(0.1, ge=0)
    # seconds: the shortest audio a voice is embedded from (shorter enrolments are refused)
    embed_min_seconds: float = Field(0.5, gt=0)
    # seconds: embedded lengths are multiples of this, as torch keeps state for every input length it sees
    embed_step_seconds: float = Field(0.5, gt=0)
    # seconds: the longest audio embedded (the middle of a longer range)
    embed_max_seconds: float = Field(10.0, gt=0)
    # seconds of audio per batch of same-length ranges: the pipeline's own 4 windows of 10 s
    embed_batch_seconds: float = Field(40.0, gt=0)
    # cosine similarity (-1 to 1) a voice must reach to be named after an enrolled participant
    name_threshold: float = Field(0.5, ge=-1, le=1)
    # seconds: a shorter turn never overrules its cluster (too little audio to trust its embedding)
    reassign_min_seconds: float = Field(1.5, ge=0)
    # cosine similarity: a turn moves when another enrolled voice matches it better by this much
    reassign_margin: float = Field(0.05, ge=0)
    # speakers: the most a speaker count given by hand may say (the clustering's arrays grow with it)
    max_speakers: int = Field(50, ge=1, le=1000)
    # names from the talk: "apply" (clear ones applied, for the reviewer to undo), "suggest" (all wait), "off"
    from_talk: Literal["apply", "suggest", "off"] = "apply"
    # lines: a name from the talk is applied when this many lines say it ...
    talk_min_lines: int = Field(2, ge=1)
    # ratio: ... and this many times more often than its best rival (minutes.speech.talk)
    talk_dominance: float = Field(3.0, ge=1)

    @model_validator(mode="after")
    def _embed_bounds(self) -> SpeakerParams:
        if self.embed_min_seconds > self.embed_max_seconds:
            raise ValueError("embed_min_seconds must not be larger than embed_max_seconds")
        return self


TRANSCRIBE = TranscribeParams()
SPEAKERS = SpeakerParams()
