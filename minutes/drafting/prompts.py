"""The prompts and reply schemas for extraction. The model reads numbered transcript lines and cites line numbers.

The worked examples are invented for this purpose (none is taken from a test or dev meeting). They show what a
1.5B model gets wrong without them: a motion that fell or a point deferred is not a decision, nor is news, an
item only noted or a proposal nobody has agreed to; an early decision changed later in the meeting is marked as
such and the final one listed; an owner named by role is the participant with that role; a task handed on
belongs to the new person; joint owners are both listed. A test (tests/test_no_dev_lines.py) checks that they
share no six-word run with the dev meetings' transcripts.
"""

from __future__ import annotations

import json

OUTCOMES = ("agreed", "rejected", "deferred", "reversed later", "only reported", "only asked", "a task")
JUDGED = OUTCOMES[1:4]  # a proposal the model judged not to stand: its lines get no second look
# How an action came about; only the first three are actions (the rest give a small model somewhere to put a
# report or a passing suggestion, which it would otherwise list as a task).
KINDS = ("volunteered", "asked and agreed", "asked", "only suggested", "already done")
ACTION_KINDS = KINDS[:3]

SYSTEM = """You write the minutes of a school meeting from numbered transcript lines. Reply with JSON.
decisions (asked for next): each thing the meeting settled, in its final state, and each proposal that was voted down, put off or changed later. text states it plainly (never a question). outcome:
- "agreed": the meeting agreed it (carried, a show of hands, no objection, "let's go with that", the chair sums up what was agreed);
- "rejected": voted down, the motion fell, or dropped;
- "deferred": left open, put off, to come back to, or waiting for information;
- "reversed later": agreed at first but changed later in the meeting (list the new decision too, as agreed);
- "only reported": an update, report or piece of news, or an item only noted or received; nothing was decided;
- "only asked": a question, suggestion or proposal nobody agreed to;
- "a task": one person's task (it belongs in actions).
actions (asked for first): every task someone will do: when a person says "I'll ..." or "that's mine", or is asked to do something and agrees. task says what they will do. owners: who will do it; a person named by role ("the head will ...") is the participant with that role; a task handed to someone else belongs to the new person; two people doing it together: both. kind: "volunteered" (they offered), "asked and agreed", "asked" (asked, no answer yet), "only suggested" (nobody took it on), "already done" (a report of something done). due: the deadline words as spoken ("by Friday", "the fifth of March"), or null.
lines: the numbers of the lines that show the item.
points: the main points of the discussion (what was raised, and why), one sentence each, with the lines they come from.
Use only what the lines say."""

EXAMPLE_USER = """Participants: Ann (chair), Ben (business manager), Cara (governor), Dan (headteacher)
Lines:
1 Ann: Next is the lettings policy. Would someone move that we adopt it?
2 Cara: I'll move it.
3 Ben: And I support that.
4 Ann: Hands up if you're for it. That's all of us, so it's adopted. The head will publish it online by Friday the ninth.
5 Dan: Yes, I can do that.
6 Cara: I'd like us to close the car park to parents at drop-off.
7 Ann: Does anyone support that? No? Then we won't take it forward.
8 Ben: Should we repaint the hall this summer?
9 Ann: Not until the condition survey is in, so it goes on the March agenda. Ben, can you book the survey?
10 Dan: Actually, could Cara do that instead? She knows the surveyor.
11 Cara: Yes, I'll book it before the month is out.
12 Ann: So the fair stays on the sixth, as we said. Oh, sorry, Dan says the field is being reseeded.
13 Dan: Yes. Could we move the fair to the thirteenth instead?
14 Ben: The thirteenth suits everyone. Dan and I will draft the letter to parents together.
15 Ann: The auditor's letter is in your packs; we receive it and note it."""

EXAMPLE_REPLY = {
    "decisions": [
        {"text": "The lettings policy was adopted.", "outcome": "agreed", "lines": [1, 4]},
        {"text": "Close the car park to parents at drop-off.", "outcome": "rejected", "lines": [6, 7]},
        {"text": "Repaint the hall this summer.", "outcome": "deferred", "lines": [8, 9]},
        {"text": "The fair is on the sixth.", "outcome": "reversed later", "lines": [12]},
        {"text": "The fair moves to the thirteenth.", "outcome": "agreed", "lines": [13, 14]},
        {"text": "Dan and Ben draft the letter to parents.", "outcome": "a task", "lines": [14]},
        {"text": "The auditor's letter was received.", "outcome": "only reported", "lines": [15]},
    ],
    "actions": [
        {
            "task": "Publish the lettings policy online",
            "owners": ["Dan (headteacher)"],
            "kind": "asked and agreed",
            "due": "by Friday the ninth",
            "lines": [4, 5],
        },
        {
            "task": "Book the condition survey",
            "owners": ["Cara (governor)"],
            "kind": "asked and agreed",
            "due": "before the month is out",
            "lines": [9, 10, 11],
        },
        {
            "task": "Draft the letter to parents about the fair",
            "owners": ["Dan (headteacher)", "Ben (business manager)"],
            "kind": "volunteered",
            "due": None,
            "lines": [14],
        },
    ],
    "points": [
        {
            "text": "Cara proposed closing the car park to parents at drop-off; nobody supported it.",
            "lines": [6, 7],
        },
        {"text": "Ben raised repainting the hall; it waits for the condition survey.", "lines": [8, 9]},
        {"text": "The field is being reseeded, so the fair cannot be on the sixth.", "lines": [12, 13]},
    ],
}

EXAMPLE2_USER = """Participants: Eve, Finn, Gita
Lines:
1 Eve: Quick updates first. The minibus is back from its service, and the mocks are all timetabled.
2 Finn: Do we want to enter the county netball tournament?
3 Gita: I'm not sure we have the numbers this year.
4 Eve: Let's see how many sign up before we decide.
5 Gita: For sports day, shall we go back to the old timetable? It ran much better.
6 Finn: Yeah, why not.
7 Eve: Good, back to the old timetable. I'll send it round tomorrow.
8 Gita: Who's counting the netball sign-ups?
9 Finn: That one's mine, I'll keep a tally.
10 Gita: Someone could ask the PE staff about a taster session, maybe.
11 Eve: And the library's new opening hours are proposed for after half term."""

EXAMPLE2_REPLY = {
    "decisions": [
        {"text": "The minibus is back from its service.", "outcome": "only reported", "lines": [1]},
        {"text": "Enter the county netball tournament.", "outcome": "deferred", "lines": [2, 4]},
        {"text": "Sports day goes back to the old timetable.", "outcome": "agreed", "lines": [5, 6, 7]},
        {
            "text": "The library's new opening hours start after half term.",
            "outcome": "only reported",
            "lines": [11],
        },
    ],
    "actions": [
        {"task": "Service the minibus", "owners": [], "kind": "already done", "due": None, "lines": [1]},
        {
            "task": "Send round the sports day timetable",
            "owners": ["Eve"],
            "kind": "volunteered",
            "due": "tomorrow",
            "lines": [7],
        },
        {
            "task": "Count the netball sign-ups",
            "owners": ["Finn"],
            "kind": "volunteered",
            "due": None,
            "lines": [8, 9],
        },
        {
            "task": "Ask the PE staff about a taster session",
            "owners": [],
            "kind": "only suggested",
            "due": None,
            "lines": [10],
        },
    ],
    "points": [
        {"text": "Gita doubts there are the numbers for the netball tournament this year.", "lines": [2, 3]},
        {"text": "The old sports day timetable ran much better.", "lines": [5]},
    ],
}

USER = """Participants: {participants}
Lines:
{lines}"""


ASK_ACTIONS = "List the actions."
ASK_DECISIONS = "Now list the decisions, and the points of the discussion."


def _lines(line_numbers: list[int]) -> dict:
    return {"type": "array", "items": {"enum": line_numbers or [0]}, "minItems": 1, "maxItems": 4}


def actions_schema(line_numbers: list[int], owners: list[str], max_actions: int = 8) -> dict:
    """The first reply for a chunk: its actions; cited lines from the chunk, owners from the participants."""
    who = (
        {"type": "array", "items": {"enum": owners}, "maxItems": 3}
        if owners
        else {"type": "array", "maxItems": 0}
    )
    action = {
        "type": "object",
        "properties": {
            "task": {"type": "string", "minLength": 3, "maxLength": 160},
            "owners": who,
            "kind": {"enum": list(KINDS)},
            "due": {"anyOf": [{"type": "string", "maxLength": 40}, {"type": "null"}]},
            "lines": _lines(line_numbers),
        },
        "required": ["task", "owners", "kind", "due", "lines"],
    }
    return {
        "type": "object",
        "properties": {"actions": {"type": "array", "items": action, "maxItems": max_actions}},
        "required": ["actions"],
    }


def decisions_schema(line_numbers: list[int], max_decisions: int = 6, max_points: int = 4) -> dict:
    """The second reply for a chunk: its decisions, each with an outcome, then a few discussion points, each
    citing its lines (decisions first, so that part of the reply reads as it did with a free-text summary)."""
    decision = {
        "type": "object",
        "properties": {
            "text": {"type": "string", "minLength": 3, "maxLength": 160},
            "outcome": {"enum": list(OUTCOMES)},
            "lines": _lines(line_numbers),
        },
        "required": ["text", "outcome", "lines"],
    }
    point = {
        "type": "object",
        "properties": {
            "text": {"type": "string", "minLength": 3, "maxLength": 200},
            "lines": _lines(line_numbers),
        },
        "required": ["text", "lines"],
    }
    return {
        "type": "object",
        "properties": {
            "decisions": {"type": "array", "items": decision, "maxItems": max_decisions},
            "points": {"type": "array", "items": point, "maxItems": max_points},
        },
        "required": ["decisions", "points"],
    }


def _turns(user: str, reply: dict) -> list[dict[str, str]]:
    """A worked example as the two turns a chunk takes: actions first, then decisions and discussion points."""
    first = {"actions": reply["actions"]}
    second = {"decisions": reply["decisions"], "points": reply["points"]}
    return [
        {"role": "user", "content": f"{user}\n\n{ASK_ACTIONS}"},
        {"role": "assistant", "content": json.dumps(first)},
        {"role": "user", "content": ASK_DECISIONS},
        {"role": "assistant", "content": json.dumps(second)},
    ]


def opening() -> list[dict[str, str]]:
    """The fixed start of every chunk's chat: instructions and worked examples, no meeting text."""
    return [
        {"role": "system", "content": SYSTEM},
        *_turns(EXAMPLE_USER, EXAMPLE_REPLY),
        *_turns(EXAMPLE2_USER, EXAMPLE2_REPLY),
    ]


def messages(lines: str, participants: list[str]) -> list[dict[str, str]]:
    """The chat for a chunk's first turn (actions); the second turn appends the reply and ASK_DECISIONS."""
    names = ", ".join(participants) if participants else "(not given)"
    return [
        *opening(),
        {"role": "user", "content": f"{USER.format(participants=names, lines=lines)}\n\n{ASK_ACTIONS}"},
    ]


def second_turn(first: list[dict[str, str]], reply: str) -> list[dict[str, str]]:
    return [*first, {"role": "assistant", "content": reply}, {"role": "user", "content": ASK_DECISIONS}]


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


SECOND_LOOK = """You read a few lines of a school meeting; the last one is marked >>. Answer the question about the marked line only, with JSON.
decision: what the marked line agrees, in one plain sentence that names what it is about (what was agreed, not who said it); null when it agrees nothing.
task: what the marked line's speaker says they will do, as minutes put it ("Order the reading books"); null when they take nothing on. due: the deadline words as spoken, or null."""

# (lines, the marked line's speaker, kind, answer)
SECOND_LOOK_EXAMPLES = [
    (
        "1 Ann: Should we keep the spring fair on a Saturday?\n2 Ben: Saturdays bring more families in.\n"
        ">> 3 Ann: Good, Saturday stays.",
        "Ann",
        "decision",
        {"decision": "The spring fair stays on a Saturday."},
    ),
    (
        "1 Ben: The boiler was serviced last week.\n>> 2 Ann: Agreed, that was a good job.",
        "Ann",
        "decision",
        {"decision": None},
    ),
    (
        "1 Ann: We need someone to order the reading books.\n2 Ben: Could the library do it?\n"
        ">> 3 Cara: I'll have to ask the librarian about the budget first. Let's pick it up next week.",
        "Cara",
        "task",
        {"task": "Ask the librarian about the budget for the reading books", "due": "next week"},
    ),
    (
        "1 Ann: How was the term?\n>> 2 Ben: I'll be honest, it has been a hard one.",
        "Ben",
        "task",
        {"task": None, "due": None},
    ),
]


def _question(speaker: str, kind: str) -> str:
    if kind == "decision":
        return "What does the marked line agree?"
    return f"What does {speaker} say they will do in the marked line?"


def second_look_opening() -> list[dict[str, str]]:
    """The fixed start of every second look's chat: its instructions and worked examples."""
    out = [{"role": "system", "content": SECOND_LOOK}]
    for shown, who, asked, answer in SECOND_LOOK_EXAMPLES:
        out += [
            {"role": "user", "content": f"{shown}\n\n{_question(who, asked)}"},
            {"role": "assistant", "content": json.dumps(answer)},
        ]
    return out


def second_look_messages(lines: str, speaker: str, kind: str) -> list[dict[str, str]]:
    """A focused look at one cue line that no drafted item cites (`kind`: "decision" or "task")."""
    return [*second_look_opening(), {"role": "user", "content": f"{lines}\n\n{_question(speaker, kind)}"}]


def second_look_schema(kind: str) -> dict:
    text = {"anyOf": [{"type": "string", "minLength": 3, "maxLength": 160}, {"type": "null"}]}
    if kind == "decision":
        return {"type": "object", "properties": {"decision": text}, "required": ["decision"]}
    due = {"anyOf": [{"type": "string", "maxLength": 40}, {"type": "null"}]}
    return {"type": "object", "properties": {"task": text, "due": due}, "required": ["task", "due"]}


# Every item the worked examples show: a small model sometimes repeats one as if the meeting had said it.
EXAMPLE_ITEMS = tuple(
    item.get("text") or item.get("task") or item.get("decision")
    for reply in (EXAMPLE_REPLY, EXAMPLE2_REPLY, *(answer for *_, answer in SECOND_LOOK_EXAMPLES))
    for item in (*reply.get("decisions", []), *reply.get("actions", []), *reply.get("points", []), reply)
    if item.get("text") or item.get("task") or item.get("decision")
)
