"""Text people type that the ledger and the minutes store: names, roles, titles, notes and ids.

Names are cleaned the same way everywhere: Unicode NFC, invisible characters dropped (zero-width spaces and
joiners, soft hyphens, byte-order marks: Unicode's default-ignorable code points), fillers drawn as blanks (Hangul
fillers, the blank braille pattern) read as spaces, runs of whitespace collapsed to one space, trimmed. A zero-width
(non-)joiner is kept only between letters of a script that uses it (Persian, Hindi, ...). Control characters, line
breaks, bidirectional overrides, names with nothing visible and names over 200 characters are refused. Two names are
the same when they match after case-folding with every invisible character dropped (`name_key`), so "tom  SMITH"
duplicates "Tom Smith" and "T\u00adom" duplicates "Tom".

It sits in the consent package, the lowest that checks input, because the ledger cleans the names and notes it
keeps; every layer above uses the same rules.
"""

from __future__ import annotations

import unicodedata

import regex

from minutes.consent.errors import ConsentInputError

MAX_NAME, MAX_ROLE, MAX_TITLE = 200, 100, 300
MAX_ID = 2**63 - 1  # the largest id SQLite and PostgreSQL (bigint) can store; a bigger one cannot exist
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
_BAD_CATEGORIES = {"Cc", "Cs", "Co", "Cn", "Zl", "Zp"}
_BLANKS = regex.compile(r"[\u115F\u1160\u3164\uFFA0\u2800]")  # drawn as an empty cell: a space
_JOINERS = "\u200c\u200d"
_INVISIBLE = regex.compile(  # default-ignorables, except joiners between letters of a script that joins
    rf"(?V1)[\p{{Default_Ignorable_Code_Point}}--[{_JOINERS}]]"
    rf"|(?<![\p{{L}}\p{{M}}--[\p{{Latin}}\p{{Greek}}\p{{Cyrillic}}]])[{_JOINERS}]|[{_JOINERS}](?![\p{{L}}\p{{M}}])"
)
_ALL_INVISIBLE = regex.compile(r"\p{Default_Ignorable_Code_Point}")


def _visible(text: str, invisible: regex.Pattern) -> str:
    """NFC, blanks as spaces, `invisible` dropped, whitespace collapsed (NFC again: a drop can join marks)."""
    text = invisible.sub("", _BLANKS.sub(" ", unicodedata.normalize("NFC", text)))
    return unicodedata.normalize("NFC", " ".join(text.split()))


def _hidden(ch: str) -> bool:
    return ch in _BIDI or unicodedata.category(ch) in _BAD_CATEGORIES


def refuse_controls(value: str, what: str) -> str:
    """`value` unchanged, or a one-line ConsentInputError if it holds control characters (a line break, an
    escape code) or bidirectional overrides: text that is printed on a terminal or into Markdown, such as an
    item of the minutes or a reviewer's name, takes the same characters as names and titles."""
    if any(_hidden(ch) for ch in value or ""):
        raise ConsentInputError(f"{what} contains control or invisible formatting characters")
    return value


def without_controls(value: str) -> str:
    """`value` with control characters and bidirectional overrides dropped (a file's name, kept as a label)."""
    return "".join(ch for ch in value if not _hidden(ch))


def clean_text(value: str, what: str, max_len: int) -> str:
    """The value normalised (see the module docstring), or a one-line ConsentInputError saying what is wrong."""
    raw = refuse_controls(unicodedata.normalize("NFC", value or ""), what)
    text = _visible(raw, _INVISIBLE)
    if not text:
        raise ConsentInputError(f"{what} has no visible characters" if raw.strip() else f"{what} is empty")
    if len(text) > max_len:
        raise ConsentInputError(f"{what} is too long ({len(text)} characters; at most {max_len})")
    return text


def name_key(name: str) -> str:
    """The form two names are compared in: cleaned, every invisible character dropped, case-folded."""
    return _visible(name, _ALL_INVISIBLE).casefold()


def as_id(value: str | int) -> int | None:
    """The id written in `value` (ASCII digits, 1 to MAX_ID), else None. Checked here, not by the database
    driver, which overflows on a bigger number."""
    text = str(value).strip()
    if text.isascii() and text.isdigit() and len(text) <= len(str(MAX_ID)) and 1 <= int(text) <= MAX_ID:
        return int(text)
    return None


def parse_id(value: str | int, what: str) -> int:
    number = as_id(value)
    if number is None:
        text = str(value).strip()
        shown = text if len(text) <= 30 else text[:30] + "..."
        raise ConsentInputError(f"{what} must be a number from 1 to {MAX_ID}, got {shown!r}")
    return number
