"""The prompts and reply schemas for extraction. The model reads numbered transcript lines and cites line numbers.

The worked examples are invented for this purpose (none is taken from a test or dev meeting). They show what a
1.5B model gets wrong without them: a motion that fell or a point deferred is not a decision; an early decision
changed later in the meeting is marked as such and the final one listed; an owner named by role is the
participant with that role; a task handed on belongs to the new person; joint owners are both listed.
"""

from __future__ import annotations

import json

OUTCOMES = ("agreed", "rejected", "deferred", "reversed later")

SYSTEM = """You write the minutes of a school meeting from numbered transcript lines. Reply with JSON.
decisions: every proposal or question the meeting settled or considered. text states what was decided as a plain statement, never a question. outcome is one of:
- "agreed": the meeting agreed it (carried, all in favour, no objection, "let's go with that", "fine by me", "X it is", the chair confirms it);
- "rejected": voted down, the motion fell, or dropped;
- "deferred": left open, postponed, to come back to, or waiting for information;
- "reversed later": agreed at first but changed later in the meeting (then list the new decision too, as agreed).
actions: every task someone agreed to do. owners: who will do it. A person named by role ("the head will...") is the participant with that role. A task handed to someone else belongs to the new person. Two people doing it together: both. Nobody clear: []. due: the deadline words as spoken ("by Friday", "the fifth of March"), or null.
lines: the numbers of the lines that show the item.
summary: two or three sentences on what the meeting discussed and agreed.
Use only what the lines say."""

EXAMPLE_USER = """Participants: Ann (chair), Ben (business manager), Cara (governor), Dan (headteacher)
Lines:
1 Ann: Item two, the lettings policy. Can I have a proposal to adopt it?
2 Cara: I'll propose.
3 Ben: Seconded.
4 Ann: All in favour? That's carried. The head will put it on the website by Friday the ninth.
5 Dan: Yes, will do.
6 Cara: I'd like to propose we close the car park to parents at drop-off.
7 Ann: Is there a seconder? ... No? Then that falls.
8 Ben: Should we repaint the hall this summer?
9 Ann: Let's wait for the condition survey and come back to it in March. Ben, can you book the survey?
10 Dan: Actually, could Cara do that instead? She knows the surveyor.
11 Cara: Yes, I'll book it by the end of the month.
12 Ann: So the fair is on the sixth, as we said. Oh, sorry, Dan says the field is being reseeded.
13 Dan: Yes. Could we move the fair to the thirteenth instead?
14 Ben: Fine by me. Dan and I will draft the letter to parents together."""

EXAMPLE_REPLY = {
    "decisions": [
        {"lines": [1, 4], "text": "The lettings policy was adopted.", "outcome": "agreed"},
        {"lines": [6, 7], "text": "Close the car park to parents at drop-off.", "outcome": "rejected"},
        {"lines": [8, 9], "text": "Repaint the hall this summer.", "outcome": "deferred"},
        {"lines": [12], "text": "The fair is on the sixth.", "outcome": "reversed later"},
        {"lines": [13, 14], "text": "The fair moves to the thirteenth.", "outcome": "agreed"},
    ],
    "actions": [
        {
            "lines": [4, 5],
            "task": "Put the lettings policy on the website",
            "owners": ["Dan (headteacher)"],
            "due": "by Friday the ninth",
        },
        {
            "lines": [9, 10, 11],
            "task": "Book the condition survey",
            "owners": ["Cara (governor)"],
            "due": "by the end of the month",
        },
        {
            "lines": [14],
            "task": "Draft the letter to parents about the fair",
            "owners": ["Dan (headteacher)", "Ben (business manager)"],
            "due": None,
        },
    ],
    "summary": "The lettings policy was adopted and the motion to close the car park fell. Repainting the hall "
    "waits for the condition survey; the fair moves to the thirteenth.",
}

EXAMPLE2_USER = """Participants: Eve, Finn, Gita
Lines:
1 Eve: Quick updates first. The minibus is back from its service.
2 Finn: Do we want to enter the county netball tournament?
3 Gita: I'm not sure we have the numbers this year.
4 Eve: Let's see how many sign up before we decide.
5 Gita: For sports day, shall we go back to the old timetable? It ran much better.
6 Finn: Yeah, why not.
7 Eve: Old timetable it is, then. I'll send it round tomorrow."""

EXAMPLE2_REPLY = {
    "decisions": [
        {"lines": [2, 4], "text": "Enter the county netball tournament.", "outcome": "deferred"},
        {"lines": [5, 6, 7], "text": "Sports day goes back to the old timetable.", "outcome": "agreed"},
    ],
    "actions": [
        {"lines": [7], "task": "Send round the sports day timetable", "owners": ["Eve"], "due": "tomorrow"}
    ],
    "summary": "The minibus is back from its service. Sports day returns to the old timetable; the netball "
    "tournament waits on sign-ups.",
}

USER = """Participants: {participants}
Lines:
{lines}"""


def reply_schema(
    line_numbers: list[int], owners: list[str], max_decisions: int = 6, max_actions: int = 8
) -> dict:
    """The JSON schema of one chunk's reply: cited lines from the chunk, owners from the participants, bounded."""
    lines = {"type": "array", "items": {"enum": line_numbers or [0]}, "minItems": 1, "maxItems": 4}
    who = (
        {"type": "array", "items": {"enum": owners}, "maxItems": 3}
        if owners
        else {"type": "array", "maxItems": 0}
    )
    decision = {
        "type": "object",
        "properties": {
            "lines": lines,
            "text": {"type": "string", "minLength": 3, "maxLength": 160},
            "outcome": {"enum": list(OUTCOMES)},
        },
        "required": ["lines", "text", "outcome"],
    }
    action = {
        "type": "object",
        "properties": {
            "lines": lines,
            "task": {"type": "string", "minLength": 3, "maxLength": 160},
            "owners": who,
            "due": {"anyOf": [{"type": "string", "maxLength": 40}, {"type": "null"}]},
        },
        "required": ["lines", "task", "owners", "due"],
    }
    return {
        "type": "object",
        "properties": {
            "decisions": {"type": "array", "items": decision, "maxItems": max_decisions},
            "actions": {"type": "array", "items": action, "maxItems": max_actions},
            "summary": {"type": "string", "maxLength": 400},
        },
        "required": ["decisions", "actions", "summary"],
    }


def messages(lines: str, participants: list[str]) -> list[dict[str, str]]:
    names = ", ".join(participants) if participants else "(not given)"
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": EXAMPLE_USER},
        {"role": "assistant", "content": json.dumps(EXAMPLE_REPLY)},
        {"role": "user", "content": EXAMPLE2_USER},
        {"role": "assistant", "content": json.dumps(EXAMPLE2_REPLY)},
        {"role": "user", "content": USER.format(participants=names, lines=lines)},
    ]


CONSOLIDATE = """Below are decisions drafted from parts of one meeting, in meeting order, each with the lines it came from.
Return the meeting's final decisions: merge items that are the same decision; leave out any that a later item changes, reverses or replaces; leave out questions and anything not agreed. Write each as a plain statement. from: the numbers of the drafted items it comes from."""


def consolidate_messages(items: list[str]) -> list[dict[str, str]]:
    return [{"role": "system", "content": CONSOLIDATE}, {"role": "user", "content": "\n".join(items)}]


def consolidate_schema(count: int) -> dict:
    item = {
        "type": "object",
        "properties": {
            "from": {
                "type": "array",
                "items": {"enum": list(range(1, count + 1))},
                "minItems": 1,
                "maxItems": 4,
            },
            "text": {"type": "string", "minLength": 3, "maxLength": 160},
        },
        "required": ["from", "text"],
    }
    return {
        "type": "object",
        "properties": {"decisions": {"type": "array", "items": item, "maxItems": count}},
        "required": ["decisions"],
    }
