"""Render a Transcript as JSON, SRT, WebVTT or plain text, and speaker turns as RTTM.

These are pure functions of the transcript; the export module reuses them. Speaker names appear as
"Name: text" in SRT and text, as WebVTT voice tags (`<v Name>text`), and as the speaker field of RTTM (spaces
become underscores there, since RTTM fields are separated by spaces).
"""

from __future__ import annotations

import json

from minutes.core.types import SpeakerTurn, Transcript
from minutes.errors import UsageError

FORMATS = ("json", "srt", "vtt", "txt", "rttm")


def _clock(seconds: float, separator: str) -> str:
    ms = max(0, round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{separator}{ms:03d}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def to_json(t: Transcript) -> str:
    """The transcript JSON documented in minutes/core/types.py."""
    return json.dumps(t.model_dump(mode="json"), indent=2, ensure_ascii=False)


def to_srt(t: Transcript) -> str:
    cues = []
    for n, seg in enumerate((s for s in t.segments if s.text.strip()), start=1):
        text = _one_line(seg.text)
        if seg.speaker:
            text = f"{seg.speaker}: {text}"
        cues.append(f"{n}\n{_clock(seg.start, ',')} --> {_clock(seg.end, ',')}\n{text}\n")
    return "\n".join(cues)


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(t: Transcript) -> str:
    cues = ["WEBVTT\n"]
    for seg in t.segments:
        if not seg.text.strip():
            continue
        text = _vtt_escape(_one_line(seg.text))
        if seg.speaker:
            text = f"<v {_vtt_escape(_one_line(seg.speaker))}>{text}"
        cues.append(f"{_clock(seg.start, '.')} --> {_clock(seg.end, '.')}\n{text}\n")
    return "\n".join(cues)


def to_txt(t: Transcript) -> str:
    """One line per speaker turn: "Name: text" (consecutive segments of one speaker share a line)."""
    lines: list[tuple[str | None, list[str]]] = []
    for seg in t.segments:
        text = _one_line(seg.text)
        if not text:
            continue
        if lines and lines[-1][0] == seg.speaker:
            lines[-1][1].append(text)
        else:
            lines.append((seg.speaker, [text]))
    out = [f"{speaker}: {' '.join(parts)}" if speaker else " ".join(parts) for speaker, parts in lines]
    return "\n".join(out) + ("\n" if out else "")


def _field(value: str) -> str:
    return "_".join(value.split()) or "unknown"


def to_rttm(turns: list[SpeakerTurn], uri: str) -> str:
    """RTTM written by pyannote.core (the format's reference writer), one line per turn in time order."""
    import io

    from pyannote.core import Annotation, Segment

    annotation = Annotation(uri=_field(uri))
    for i, t in enumerate(turns):
        annotation[Segment(t.start, max(t.start, t.end)), i] = _field(t.speaker)
    out = io.StringIO()
    annotation.write_rttm(out)
    return out.getvalue()


def turns_of(t: Transcript) -> list[SpeakerTurn]:
    """Speaker turns read back from an attributed transcript's segments (segments without a speaker are skipped)."""
    return [SpeakerTurn(s.start, s.end, s.speaker) for s in t.segments if s.speaker]


def render(t: Transcript, fmt: str, uri: str = "audio") -> str:
    """The transcript in `fmt` (json, srt, vtt, txt, or rttm from its attributed segments)."""
    if fmt == "json":
        return to_json(t) + "\n"
    if fmt == "srt":
        return to_srt(t)
    if fmt == "vtt":
        return to_vtt(t)
    if fmt == "txt":
        return to_txt(t)
    if fmt == "rttm":
        return to_rttm(turns_of(t), uri)
    raise UsageError(f"unknown transcript format '{fmt}'", f"use one of {', '.join(FORMATS)}")
