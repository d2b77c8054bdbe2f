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
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from minutes.core.drafting_params import DRAFTING, DraftingParams

Outcome = Literal["agreed", "rejected", "deferred", "reversed later", "only reported", "only asked", "a task"]
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
JUDGED = OUTCOMES[1:4]  # a proposal the model judged not to stand: its lines get no second look
# How an action came about; only the first three are actions (the rest give a small model somewhere to put a
# report or a passing suggestion, which it would otherwise list as a task).
Kind = Literal["volunteered", "asked and agreed", "asked", "only suggested", "already done"]
KINDS: tuple[Kind, ...] = get_args(Kind)
ACTION_KINDS = KINDS[:3]


# -- the model's replies: one pydantic model each, which both parses the reply and gives the JSON schema the
# extractor decodes under (`reply_schema`). Fields are in the order the model writes them. The caps that are
# tunables, and the parts that depend on the call (the chunk's line numbers, the participants), are set per
# call; what parsing allows beyond the schema (a missing field takes its default) only matters for a reply cut
# at the token limit, which the grammar cannot prevent.
class _Reply(BaseModel):
    # extra keys ignored; the schema lists every field as required (the model writes each, in order)
    model_config = ConfigDict(extra="ignore", json_schema_serialization_defaults_required=True)


class ActionReply(_Reply):
    task: str = Field(min_length=3)
    owners: list[str] = Field(default_factory=list)
    kind: Kind = KINDS[0]
    due: str | None = None
    lines: list[int] = Field(default_factory=list, min_length=1)

    @field_validator("due", mode="before")
    @classmethod
    def _text_or_none(cls, value: Any) -> str | None:
        value = None if value is None else str(value).strip()
        return None if not value or value.lower() in ("null", "none", "n/a") else value


class DecisionReply(_Reply):
    text: str = Field(min_length=3)
    outcome: Outcome = "agreed"
    lines: list[int] = Field(default_factory=list, min_length=1)


class PointReply(_Reply):
    text: str = Field(min_length=3)
    lines: list[int] = Field(default_factory=list, min_length=1)


class ActionsTurn(_Reply):
    """A chunk's first reply: its actions."""

    actions: list[ActionReply] = Field(default_factory=list)


class DecisionsTurn(_Reply):
    """A chunk's second reply: its decisions, each with an outcome, then a few discussion points (decisions
    first, so that part of the reply reads as it did with a free-text summary)."""

    decisions: list[DecisionReply] = Field(default_factory=list)
    points: list[PointReply] = Field(default_factory=list)


class Reply(DecisionsTurn, ActionsTurn):
    """What the model returns for one chunk, both turns together."""


class Consolidated(_Reply):
    sources: list[int] = Field(alias="from", min_length=1)  # the numbers of the drafted items it merges
    text: str = Field(min_length=3)


class Consolidation(_Reply):
    """The final pass's reply: the meeting's decisions."""

    decisions: list[Consolidated] = Field(default_factory=list)


class DecisionLook(_Reply):
    """A second look's answer about a settling line."""

    decision: str | None = Field(None, min_length=3)


class TaskLook(_Reply):
    """A second look's answer about a line where someone takes a task on."""

    task: str | None = Field(None, min_length=3)
    due: str | None = None


def reply_schema(model: type[BaseModel], parts: dict[str, dict[str, Any]]) -> dict:
    """`model`'s JSON schema with the per-call parts set. Each key of `parts` is a path of field names ("actions.
    lines": the `lines` of each item of `actions`), each value the keywords to set there (None: leave it out); a
    nullable field's keywords go to its non-null type. References are inlined: llama.cpp names a grammar's
    rules after them, and inlined the names (and so the grammar) are those of a schema written out by hand."""
    schema = model.model_json_schema(mode="serialization")
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, list):
            return [inline(x) for x in node]
        if not isinstance(node, dict):
            return node
        node = defs[node["$ref"].rsplit("/", 1)[1]] if "$ref" in node else node
        return {k: v if k in ("enum", "required") else inline(v) for k, v in node.items()}

    schema = inline(schema)
    for path, keywords in parts.items():
        node = schema
        for name in path.split("."):
            node = node["properties"][name] if "properties" in node else node["items"]["properties"][name]
        if "anyOf" in node:
            node = next(x for x in node["anyOf"] if x.get("type") != "null")
        for key, value in keywords.items():
            if value is None:
                node.pop(key, None)
            else:
                node[key] = value
    return schema


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

EXAMPLE_REPLY: dict[str, Any] = {
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

EXAMPLE2_REPLY: dict[str, Any] = {
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


def _lines(line_numbers: list[int], params: DraftingParams) -> dict[str, Any]:
    """A reply item's cited lines: numbers of the chunk's lines (0 when it has none, which no line has)."""
    return {"items": {"enum": line_numbers or [0]}, "maxItems": params.max_evidence_lines}


def actions_schema(line_numbers: list[int], owners: list[str], params: DraftingParams = DRAFTING) -> dict:
    """The first reply for a chunk: its actions; cited lines from the chunk, owners from the participants."""
    who = (
        {"items": {"enum": owners}, "maxItems": params.max_owners}
        if owners
        else {"items": None, "maxItems": 0}
    )
    return reply_schema(
        ActionsTurn,
        {
            "actions": {"maxItems": params.max_actions},
            "actions.task": {"maxLength": params.item_chars},
            "actions.owners": who,
            "actions.due": {"maxLength": params.due_chars},
            "actions.lines": _lines(line_numbers, params),
        },
    )


def decisions_schema(line_numbers: list[int], params: DraftingParams = DRAFTING) -> dict:
    """The second reply for a chunk: its decisions and discussion points, each citing lines of the chunk."""
    return reply_schema(
        DecisionsTurn,
        {
            "decisions": {"maxItems": params.max_decisions},
            "decisions.text": {"maxLength": params.item_chars},
            "decisions.lines": _lines(line_numbers, params),
            "points": {"maxItems": params.max_points},
            "points.text": {"maxLength": params.point_chars},
            "points.lines": _lines(line_numbers, params),
        },
    )


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


def consolidate_schema(count: int, params: DraftingParams = DRAFTING) -> dict:
    """The final pass's reply: at most as many decisions as it was given, each from the numbers of those."""
    return reply_schema(
        Consolidation,
        {
            "decisions": {"maxItems": count},
            "decisions.from": {
                "items": {"enum": list(range(1, count + 1))},
                "maxItems": params.consolidate_sources,
            },
            "decisions.text": {"maxLength": params.item_chars},
        },
    )


SECOND_LOOK = """You read a few lines of a school meeting; the last one is marked >>. Answer the question about the marked line only, with JSON.
decision: what the marked line agrees, in one plain sentence that names what it is about (what was agreed, not who said it); null when it agrees nothing.
task: what the marked line's speaker says they will do, as minutes put it ("Order the reading books"); null when they take nothing on. due: the deadline words as spoken, or null."""

# (lines, the marked line's speaker, kind, answer)
SECOND_LOOK_EXAMPLES: list[tuple[str, str, str, dict[str, Any]]] = [
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


def second_look_schema(kind: str, params: DraftingParams = DRAFTING) -> dict:
    """A second look's answer: the decision the marked line agrees, or the task its speaker takes on."""
    if kind == "decision":
        return reply_schema(DecisionLook, {"decision": {"maxLength": params.item_chars}})
    return reply_schema(
        TaskLook, {"task": {"maxLength": params.item_chars}, "due": {"maxLength": params.due_chars}}
    )


# Every item the worked examples show: a small model sometimes repeats one as if the meeting had said it.
EXAMPLE_ITEMS = tuple(
    item.get("text") or item.get("task") or item.get("decision")
    for reply in (EXAMPLE_REPLY, EXAMPLE2_REPLY, *(answer for *_, answer in SECOND_LOOK_EXAMPLES))
    for item in (*reply.get("decisions", []), *reply.get("actions", []), *reply.get("points", []), reply)
    if item.get("text") or item.get("task") or item.get("decision")
)
