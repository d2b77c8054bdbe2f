"""Correct diarised turns with the participants' enrolled voices.

Clustering labels whole clusters. A short turn of one voice between two turns of a similar voice can go with
the wrong cluster: in meeting-demo, Helen's 2.6 s question at 77.9 s, between two of Priya's turns, is
clustered as Priya. When participants enrolled their voices (consent evidence with `--evidence-at`), each turn
long enough to embed is compared with every enrolled voice. A turn whose cluster is named after one
participant, but whose own voice matches another participant better by at least a margin (0.05, and above the
naming threshold; the values are in minutes.core.speech_params), moves to that participant's label. A participant
whose voice no cluster carries gets a new label for the turns that move to them. Unnamed clusters (voices
nobody enrolled) are left alone.

Measured with CAM++ on meeting-demo (cosine similarity of a turn to the enrolled voices): Helen's question
0.718 Helen, 0.648 Priya; Priya's own turns 0.86-0.92 Priya, 0.62-0.69 Helen; Helen's own 0.84 Helen, 0.56
Priya. On a 30 min recording (the demo 18 times over, 749 turns, 4 speakers), 54 turns move, all to the right
speaker. Letting the clusters veto a move (a turn nearer its own cluster's centroid than the target's by more
than the margin stays) was tried and dropped: it blocked all 54, and no wrong one. A turn under 1.5 s gives
too noisy an embedding to overrule its cluster.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from minutes.core.speech_params import SPEAKERS, SpeakerParams
from minutes.core.types import SpeakerTurn
from minutes.speech.naming import name_speakers, similarity

Embed = Callable[[list[tuple[float, float]]], list[np.ndarray]]  # (start, end) ranges -> their embeddings


@dataclass(frozen=True)
class Moved:
    """One turn given to another speaker, with the similarities that decided it."""

    start: float
    end: float
    from_label: str
    to_label: str
    participant: str
    kept_score: float
    moved_score: float


@dataclass
class Reassignment:
    turns: list[SpeakerTurn]
    centroids: dict[str, np.ndarray]
    moved: list[Moved]


def reassign_turns(
    turns: list[SpeakerTurn],
    centroids: dict[str, np.ndarray],
    enrolled: dict[str, np.ndarray],
    embed: Embed,
    params: SpeakerParams = SPEAKERS,
) -> Reassignment:
    """Move turns whose voice clearly matches another enrolled participant than their cluster's one;
    `params`: the thresholds (config `[speakers]`)."""
    if not enrolled or not centroids:
        return Reassignment(list(turns), dict(centroids), [])
    names = list(enrolled)
    named = {
        label: name
        for label, name in name_speakers(centroids, enrolled, params.name_threshold).items()
        if name in enrolled
    }
    label_of = {name: label for label, name in named.items()}
    centroids = dict(centroids)
    out: list[SpeakerTurn] = []
    moved: list[Moved] = []
    checked = [
        i
        for i, t in enumerate(turns)
        if t.speaker in named and t.end - t.start >= params.reassign_min_seconds
    ]  # embedded in one call, so that turns of one length share a batch
    ranges = [(turns[i].start, turns[i].end) for i in checked]
    vectors = dict(zip(checked, embed(ranges), strict=True))
    for i, turn in enumerate(turns):
        if i not in vectors:
            out.append(turn)
            continue
        current = named[turn.speaker]
        scores = similarity({"turn": vectors[i]}, enrolled)[0]
        best = names[int(np.argmax(scores))]
        kept, top = float(scores[names.index(current)]), float(scores.max())
        if best == current or top < params.name_threshold or top - kept < params.reassign_margin:
            out.append(turn)
            continue
        target = label_of.get(best)
        if target is None:  # no cluster carries this voice: give it a label of its own
            target = label_of[best] = _next_label(centroids)
            centroids[target] = np.asarray(enrolled[best], dtype=np.float32)
        out.append(replace(turn, speaker=target))
        moved.append(Moved(turn.start, turn.end, turn.speaker, target, best, kept, top))
    return Reassignment(out, dict(sorted(centroids.items())), moved)


def _next_label(centroids: dict[str, np.ndarray]) -> str:
    used = {int(label.rsplit("_", 1)[1]) for label in centroids if label.rsplit("_", 1)[-1].isdigit()}
    return f"SPEAKER_{max(used, default=-1) + 1:02d}"
