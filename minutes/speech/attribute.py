"""Speaker attribution: give each transcribed word the speaker whose turns cover it, and re-split segments.

- A word gets the speaker whose turns overlap it the longest; a word no turn touches gets the nearest turn.
  Where two speakers' turns both cover a word (overlapping speech), the turns cannot tell who said it; the
  word then goes to the speaker whose turns best match its whole recognised segment (intersection over
  union of the time spans), since the recogniser keeps one voice's sentence together.
- A word that a second speaker's turns also cover (0.1 s or more) is overlapping speech; its segment is marked `overlap=True`.
- Segments are split where the speaker changes, so every output segment has one speaker.
- A back-channel fragment inside another speaker's segment (at most 2 words and under 1 s, with the same other
  speaker on both sides, such as a "yeah" that the recogniser ran into someone's sentence) does not cut the
  sentence in three: it stays in the surrounding segment, and that segment is marked `overlap=True` so the
  reviewer knows two voices are there. Word timings from Whisper are approximate to a few hundred ms, which
  is the same scale as such fragments.
"""

from __future__ import annotations

from bisect import bisect_left

from minutes.core.speech_params import SPEAKERS, SpeakerParams
from minutes.core.types import Segment, SpeakerTurn, Transcript, Word


class _Turns:
    """Turns sorted by start, to find the ones touching a time span without scanning all of them."""

    def __init__(self, turns: list[SpeakerTurn]):
        self.turns = sorted(turns, key=lambda t: t.start)
        self.starts = [t.start for t in self.turns]
        self.longest = max((t.end - t.start for t in self.turns), default=0.0)

    def touching(self, start: float, end: float) -> list[SpeakerTurn]:
        lo = bisect_left(self.starts, start - self.longest)
        hi = bisect_left(self.starts, end)
        return [t for t in self.turns[lo:hi] if t.end > start]

    def nearest(self, t: float) -> SpeakerTurn:
        return min(self.turns, key=lambda turn: max(turn.start - t, t - turn.end, 0.0))


def _covered(start: float, end: float, turns: list[SpeakerTurn]) -> dict[str, float]:
    """Seconds of [start, end] covered by each speaker among `turns`."""
    covered: dict[str, float] = {}
    for turn in turns:
        overlap = min(end, turn.end) - max(start, turn.start)
        if overlap > 0:
            covered[turn.speaker] = covered.get(turn.speaker, 0.0) + overlap
    return covered


def _segment_speaker(start: float, end: float, index: _Turns) -> str | None:
    """The speaker whose turns best match [start, end] by intersection over union, or None if none touch it."""
    near = index.touching(start, end)
    best, best_iou = None, 0.0
    for speaker, inter in _covered(start, end, near).items():
        own = sum(t.end - t.start for t in near if t.speaker == speaker)
        iou = inter / max(1e-9, (end - start) + own - inter)
        if iou > best_iou:
            best, best_iou = speaker, iou
    return best


def _speaker_for(
    start: float, end: float, index: _Turns, preferred: str | None, params: SpeakerParams
) -> tuple[str, bool]:
    """(speaker of the word [start, end], whether a second speaker overlaps it)."""
    covered = _covered(start, end, index.touching(start, end))
    if covered:
        best = max(covered, key=lambda label: covered[label])
        overlap = any(v >= params.overlap_min_seconds for k, v in covered.items() if k != best)
        if overlap and preferred in covered:
            best = preferred
        return best, overlap
    return index.nearest((start + end) / 2).speaker, False


def _runs(words: list[Word]) -> list[list[Word]]:
    runs: list[list[Word]] = []
    for word in words:
        if runs and runs[-1][-1].speaker == word.speaker:
            runs[-1].append(word)
        else:
            runs.append([word])
    return runs


def _is_backchannel(run: list[Word], params: SpeakerParams) -> bool:
    return (
        len(run) <= params.backchannel_max_words
        and run[-1].end - run[0].start < params.backchannel_max_seconds
    )


def _merge_backchannels(runs: list[list[Word]], params: SpeakerParams) -> tuple[list[list[Word]], set[int]]:
    """Fold a short fragment into its neighbours when both are the same other speaker; return merged indexes."""
    merged: list[list[Word]] = []
    mixed: set[int] = set()
    i = 0
    while i < len(runs):
        run = runs[i]
        if (
            merged
            and i + 1 < len(runs)
            and _is_backchannel(run, params)
            and merged[-1][-1].speaker == runs[i + 1][0].speaker
        ):
            speaker = merged[-1][-1].speaker
            merged[-1].extend(w.model_copy(update={"speaker": speaker}) for w in run)
            merged[-1].extend(runs[i + 1])
            mixed.add(len(merged) - 1)
            i += 2
            continue
        merged.append(list(run))
        i += 1
    return merged, mixed


def _text(words: list[Word]) -> str:
    return "".join(w.word for w in words).strip()


def attribute(
    transcript: Transcript, turns: list[SpeakerTurn], params: SpeakerParams = SPEAKERS
) -> Transcript:
    """A new Transcript whose words and segments carry speakers from `turns`; the input is not changed.
    `params`: the thresholds (config `[speakers]`)."""
    if not turns:
        return transcript.model_copy(
            update={"segments": [s.model_copy(update={"words": list(s.words)}) for s in transcript.segments]}
        )
    index = _Turns(turns)
    out: list[Segment] = []
    for seg in transcript.segments:
        preferred = _segment_speaker(seg.start, seg.end, index)
        if not seg.words:
            speaker, overlap = _speaker_for(seg.start, seg.end, index, preferred, params)
            out.append(seg.model_copy(update={"speaker": speaker, "overlap": overlap}))
            continue
        words, overlapped = [], []
        for w in seg.words:
            speaker, overlap = _speaker_for(w.start, w.end, index, preferred, params)
            words.append(w.model_copy(update={"speaker": speaker}))
            overlapped.append(overlap)
        runs, mixed = _merge_backchannels(_runs(words), params)
        flags = {id(w): o for w, o in zip(words, overlapped, strict=True)}
        for n, run in enumerate(runs):
            overlap = n in mixed or any(flags.get(id(w), False) for w in run)
            out.append(
                Segment(
                    start=run[0].start,
                    end=run[-1].end,
                    text=_text(run),
                    words=run,
                    speaker=run[0].speaker,
                    overlap=overlap,
                )
            )
    return Transcript(language=transcript.language, duration=transcript.duration, segments=out)
