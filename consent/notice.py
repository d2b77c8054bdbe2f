"""The notice to read out or hand out before a meeting is recorded: short sentences, no jargon.

consent/ cannot read the settings, so the caller passes in the retention periods and the contact.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from minutes.dates import long_date

FORMATS = ("md", "txt")


@dataclass(frozen=True)
class NoticeFacts:
    title: str
    date: dt.date
    organisation: str
    contact: str
    audio_days: int
    transcript_days: int


def _days(n: int) -> str:
    if n == 0:
        return "as soon as the minutes are agreed and shared"
    return f"{n} day{'s' if n != 1 else ''} after the minutes are agreed and shared"


def _sentence_start(name: str) -> str:
    """ "the school" starts a sentence as "The school"; "St Mark's" is left as it is."""
    return name[:1].upper() + name[1:]


def sections(f: NoticeFacts) -> list[tuple[str, list[str]]]:
    """The notice as (heading, sentences) pairs."""
    return [
        (
            "Why we want to record",
            [
                f"{_sentence_start(f.organisation)} would like to record this meeting. The recording helps us "
                "write the minutes.",
                "We record the sound of the meeting: what each person says. We do not record video.",
            ],
        ),
        (
            "What happens to the recording",
            [
                "A computer program turns the speech into written words. It also works out who spoke when, "
                "from the sound of each voice.",
                "The program then writes a first draft of the minutes. This kind of program is called AI.",
                "All of this happens on the school's own computer. The audio never leaves that computer.",
                "The AI does not learn from what you say. Your words are not used to train it.",
                "A person checks and corrects the draft. Nothing is shared until they have approved it.",
            ],
        ),
        (
            "How long we keep it",
            [
                f"We delete the audio recording {_days(f.audio_days)}.",
                f"We delete the written record of what was said {_days(f.transcript_days)}.",
                "The approved minutes are kept like any other minutes.",
            ],
        ),
        (
            "Your choice",
            [
                "You can say yes or no to each part: recording, writing down the speech, recognising voices, "
                "and the AI draft.",
                "If anyone says no to a part, we do not use that part for this meeting.",
                "You can change your mind at any time, even after the meeting.",
                "If you take back your yes, we remove your words and your name from the written record and the draft. "
                "We delete the audio recording.",
            ],
        ),
        ("Questions, or to change your mind", [f"Please contact {f.contact.rstrip('.')}."]),
    ]


def notice_text(facts: NoticeFacts, fmt: str = "md") -> str:
    """The notice as Markdown (`md`) or plain text (`txt`)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown notice format {fmt!r}")
    title = f"Recording this meeting: {facts.title}, {long_date(facts.date)}"
    if fmt == "md":
        lines = [f"# {title}", ""]
        for heading, sentences in sections(facts):
            lines += [f"## {heading}", "", *(f"- {s}" for s in sentences), ""]
    else:
        lines = [title, "=" * len(title), ""]
        for heading, sentences in sections(facts):
            lines += [heading, *(f"  * {s}" for s in sentences), ""]
    return "\n".join(lines).rstrip() + "\n"
