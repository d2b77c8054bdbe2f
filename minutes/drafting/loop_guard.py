"""Stop a small model's reply as soon as it starts to loop, cut the loop out, and let the model go on.

Two loops are seen with the default 1.5B model on repetitive input (a 30 min recording made of one meeting
repeated: 8 of 11 chunks ran to the token limit inside a loop): a list of numbers that keeps counting
(`"lines": [27, 28, 29, ...`, or bare numbers in place of items), and the same item written again and again.
Generation stops at the first sign of either; a counting list of cited lines keeps its first few numbers, any
other counting list becomes empty, a repeated item is cut; then the model continues from the cut reply, within
the same token budget. After `MAX_CUTS` cuts the reply is closed as it stands and reported as cut short.
"""

from __future__ import annotations

import re

from minutes.drafting import prompts

RUN_LENGTH = 8  # numbers in one list that count as a loop
MAX_CUTS = 3
MIN_CONTINUATION = 40  # tokens left for a continuation to be worth it
NUMBER_RUN = re.compile(rf"\[(?P<numbers>\s*\d+(?:\s*,\s*\d+){{{RUN_LENGTH - 1},}})\s*,?\s*$")
ITEM = re.compile(r'\{\s*"(?P<key>text|task)"\s*:\s*"(?P<value>(?:[^"\\]|\\.)*)"')


def cut_loop(text: str, keep_lines: int = 3) -> str | None:
    """The reply cut back to before the loop it has started (lists closed), or None when it is not looping."""
    run = NUMBER_RUN.search(text[-800:])
    if run is not None:
        head = text[:len(text) - len(run.group(0))]
        cited = head.rstrip().endswith('"lines":')
        kept = re.findall(r"\d+", run.group("numbers"))[:keep_lines] if cited else []
        return f"{head}[{', '.join(kept)}]"
    items = list(ITEM.finditer(text))
    if len(items) > 1:
        last = items[-1]
        key = (last.group("key"), last.group("value").strip().lower())
        if any((m.group("key"), m.group("value").strip().lower()) == key for m in items[:-1]):
            return text[:last.start()].rstrip(" ,\n") + "]"
    return None


def close_json(text: str) -> str:
    """Close the string, lists and objects that a cut-short JSON text leaves open."""
    closers: list[str] = []
    in_string = escaped = False
    for ch in text:
        if in_string:
            escaped, in_string = (False, True) if escaped else (ch == "\\", ch != '"')
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            closers.append("]" if ch == "[" else "}")
        elif ch in "]}" and closers:
            closers.pop()
    body = text + '"' if in_string else text.rstrip().rstrip(",")
    return body + "".join(reversed(closers))


def generate(engine, messages: list[dict[str, str]], max_new_tokens: int, keep_lines: int = 3) -> tuple[str, bool]:
    """(the reply, whether it was cut short): the model's reply, with loops cut out as they start."""
    text, budget, cuts = prompts.REPLY_START, max_new_tokens, 0
    while True:
        text, _, used = engine.generate(messages, budget, text, prompts.STATIC,
                                        stop=lambda so_far: cut_loop(so_far, keep_lines) is not None)
        budget -= used
        fixed = cut_loop(text, keep_lines)
        if fixed is None:
            return text, False
        if cuts == MAX_CUTS or budget < MIN_CONTINUATION:
            return close_json(fixed), True
        text, cuts = fixed, cuts + 1
