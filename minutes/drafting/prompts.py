"""The prompt text for extraction. The model sees numbered transcript lines and cites line numbers, never times."""

from __future__ import annotations

SYSTEM = """You take the minutes of a school meeting. From numbered transcript lines, list:
- decisions: every change or plan the meeting agreed, often said as "we're agreed", "agreed", "we'll ..." or a proposal the others accept. List each one. A point left open, postponed, or to come back to later is NOT a decision. An action someone will do is not a decision.
- actions: a task one person agreed to do. owner is that person (one of the participants) or null if unclear. due copies the deadline words as spoken ("Friday", "next Wednesday", "next meeting"), or null.
- lines: the numbers of the lines that show the item.
Reply with one JSON object only: {"decisions": [{"text", "lines"}], "actions": [{"task", "owner", "due", "lines"}], "summary"}. Use only what the lines say. Use empty lists when there is nothing."""

EXAMPLE_USER = """Participants: Ann, Ben, Cara
Lines:
3 Ann: Should we buy the new reading scheme?
4 Ben: I think it's worth it, the old books are falling apart.
5 Ann: Right, we're agreed then, we'll buy the new scheme. Cara, can you get three quotes by the end of the month?
6 Cara: Yes, I'll get the quotes by the end of the month.
7 Ben: Could we refurbish the library with new shelves?
8 Ann: I'll ask the bursar about the budget before we decide. Let's come back to it next term.
9 Ben: I'll email the staff about the inset day tomorrow."""

EXAMPLE_REPLY = """{"decisions": [{"text": "Buy the new reading scheme.", "lines": [5]}],
"actions": [{"task": "Get three quotes for the reading scheme", "owner": "Cara", "due": "end of the month", "lines": [5, 6]},
{"task": "Ask the bursar about the budget for the library refurbishment", "owner": "Ann", "due": "next term", "lines": [8]},
{"task": "Email the staff about the inset day", "owner": "Ben", "due": "tomorrow", "lines": [9]}],
"summary": "The meeting agreed to buy a new reading scheme; the library refurbishment was left until the budget is known."}"""

EXAMPLE2_USER = """Participants: Ann, Ben
Lines:
1 Ann: Let's hear the updates first.
2 Ben: The new boiler was fitted over half term and the heating works again.
3 Ann: Good to hear. Thanks everyone, see you next week."""

EXAMPLE2_REPLY = """{"decisions": [], "actions": [], "summary": "Updates only: the new boiler was fitted over half term."}"""

USER = """Participants: {participants}
Lines:
{lines}"""

REPAIR = ("That was not valid ({problem}). Reply again with the JSON object only, with the keys decisions, actions "
          "and summary.")

# The first STATIC messages (instructions and the worked examples) are the same in every call.
STATIC = 5

# The reply is started for the model, so it writes the JSON object directly (no code fence, no preamble).
REPLY_START = '{"decisions": ['


def messages(lines: str, participants: list[str]) -> list[dict[str, str]]:
    names = ", ".join(participants) if participants else "(not given)"
    return [{"role": "system", "content": SYSTEM},
            {"role": "user", "content": EXAMPLE_USER},
            {"role": "assistant", "content": EXAMPLE_REPLY},
            {"role": "user", "content": EXAMPLE2_USER},
            {"role": "assistant", "content": EXAMPLE2_REPLY},
            {"role": "user", "content": USER.format(participants=names, lines=lines)}]


def repair(previous: list[dict[str, str]], reply: str, problem: str) -> list[dict[str, str]]:
    return [*previous, {"role": "assistant", "content": reply}, {"role": "user", "content": REPAIR.format(problem=problem)}]
