"""Due dates: resolve a deadline as spoken against the meeting date, or keep the phrase.

Convention (UK usage), for a meeting on date D:
- "today" (also "this afternoon", "tonight", "end of the day", "close of play", "after school") is D,
  "tomorrow" is D + 1 day; a part of a day goes with its day ("first thing Monday", "tomorrow morning").
- A bare weekday ("Friday", "by Friday", "this Friday", "on Friday") is the first such day after D (on a Friday,
  "by Friday" means the following Friday).
- "next <weekday>" is that weekday in the calendar week (Monday to Sunday) after D's week: said on Monday
  2026-11-23, "next Wednesday" is 2026-12-02, not 2026-11-25. So are "Wednesday next week", "Wednesday of next
  week", "next week's Wednesday" and "next week Wednesday".
- "end of the week" is the Friday of D's week (of the next week once that Friday has passed); "end of the month"
  is the last day of D's month.
- A written date ("27 November", "November 27th", "the fifth of February", "27/11", "2026-11-27") is that day;
  without a year it is the first such day on or after D. Numeric dates are day/month. Ordinals may be words.
- A day of the month alone ("the eighteenth", "Friday the twenty-seventh") is the first such day on or after D.
- "a week today" is D + 7 days, "a fortnight today" D + 14; "a week tomorrow" D + 8; "a week on Friday" (also
  "Friday week") is a week after the Friday "by Friday" names, "a fortnight on Friday" two weeks after it.
- Anything else ("next meeting", "half term", "soon") stays as spoken.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from minutes.dates import as_date

DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_DAY = "|".join(DAYS)
_MONTH = "|".join(MONTHS)
_LEAD = r"^(?:by|before|on|until|for|due|no later than)\s+"
_UNITS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"]
ORDINALS = {
    w: i
    for i, w in enumerate(
        _UNITS
        + [
            "tenth",
            "eleventh",
            "twelfth",
            "thirteenth",
            "fourteenth",
            "fifteenth",
            "sixteenth",
            "seventeenth",
            "eighteenth",
            "nineteenth",
            "twentieth",
        ],
        start=1,
    )
}
ORDINALS |= {f"twenty[- ]{w}": 20 + i for i, w in enumerate(_UNITS, start=1)}
ORDINALS |= {"thirtieth": 30, "thirty[- ]first": 31}
ORDINAL_WORDS = "|".join(sorted(ORDINALS, key=len, reverse=True))
_NTH = rf"(?:\d{{1,2}}(?:st|nd|rd|th)|{ORDINAL_WORDS})"

_PART = r"(?:morning|afternoon|lunchtime|evening)"  # a part of a day: "Monday morning" is Monday
_SAME_DAY = r"this (?:morning|afternoon|evening|lunchtime)|tonight|(?:the )?end of (?:the |to)?day|close of play|after school"

_WEEK_ON = rf"(?:a (?:week|fortnight) (?:on (?:{_DAY})|today|tomorrow)|(?:{_DAY}) week)"  # "a week on Friday"
# "Friday next week", "Friday of next week", "next week's Friday", "next week Friday": all "next Friday"
_NEXT_WEEKS = rf"(?:(?P<day>{_DAY}) (?:of )?next week|next week'?s? (?P<later>{_DAY}))"

DUE_PHRASE = re.compile(
    rf"\b(?:(?:by|before|on|until)\s+)?{_NEXT_WEEKS}\b|"
    rf"\b(?:(?:by|before|on|until)\s+)?{_WEEK_ON}\b|"
    rf"\b(?:(?:by|before|on)\s+)?(?:(?:{_DAY})\s+)?(?:the\s+)?(?:\d{{1,2}}|{_NTH})\s+(?:of\s+)?(?:{_MONTH})\b|"
    rf"\b(?:{_MONTH})\s+(?:the\s+)?(?:\d{{1,2}}|{_NTH})\b|"
    rf"\b(?:(?:by|before|on)\s+)?(?:(?:{_DAY})\s+)?the\s+{_NTH}\b|"
    rf"\b(?:(?:by|before|on|until)\s+)?(?:first thing\s+(?:on\s+)?)?(?:(?:this|next)\s+)?(?:{_DAY})"
    rf"(?:\s+{_PART})?\b|"
    rf"\b(?:by\s+|before\s+)?(?:the\s+)?(?:next\s+|end of (?:the\s+)?|this\s+)(?:week|month|term|half term|meeting|year)\b|"
    rf"\b(?:by\s+)?(?:first thing\s+)?(?:today|tomorrow)(?:\s+{_PART})?\b|"
    rf"\b(?:by\s+)?(?:{_SAME_DAY})\b",
    re.IGNORECASE,
)


def phrases(text: str) -> list[str]:
    """The deadline expressions spoken in a text, longest first (for grounding a model's `due`)."""
    found = [m.group(0).strip() for m in DUE_PHRASE.finditer(text)]
    return sorted(dict.fromkeys(found), key=len, reverse=True)


# Words that name a time, so a due phrase holding none of them ("before we decide that", "with the business
# manager") names no deadline (a form guard: the due field holds a time, or nothing for the reviewer to fill).
NAMES_TIME = re.compile(
    rf"\d|\b(?:{_DAY}|{_MONTH}|{_NTH}|{_SAME_DAY}|term|week|fortnight|month|year|today|tomorrow|lunchtime|"
    r"morning|afternoon|evening|soon|asap|christmas|easter|summer|spring|autumn|winter|meeting|holidays?|break)\b",
    re.IGNORECASE,
)


def resolve(phrase: str | None, meeting_date: date | None) -> str | None:
    """An ISO date when the phrase resolves against the meeting date; otherwise the phrase itself. None for no
    phrase, or one that names no time at all (`NAMES_TIME`)."""
    if phrase is None or not NAMES_TIME.search(phrase):
        return None
    spoken = " ".join(phrase.split())
    if meeting_date is None:
        return _iso(spoken) or spoken
    day = to_date(spoken, meeting_date)
    return day.isoformat() if day else spoken


def is_date(value: str | None) -> bool:
    """Whether a due value is a resolved date (ISO), not a phrase kept as spoken or nothing."""
    return value is not None and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is not None


def _iso(text: str) -> str | None:
    """`text` as an ISO date when it is one (minutes.dates reads it), else None."""
    day = as_date(text)
    return day.isoformat() if day else None


def to_date(phrase: str, meeting: date) -> date | None:
    """The date a deadline phrase names, per the module convention, or None."""
    p = re.sub(_LEAD, "", phrase.lower().strip(" .,!?")).strip()
    if re.fullmatch(rf"today|{_SAME_DAY}", p):
        return meeting
    p = _numbered(
        re.sub(rf"^first thing (?:on )?|\s+{_PART}$", "", p)
    )  # "first thing Monday", "tomorrow morning"
    if iso := _iso(p):
        return date.fromisoformat(iso)
    if p == "tomorrow":
        return meeting + timedelta(days=1)
    if m := re.fullmatch(rf"a (week|fortnight) (?:on ({_DAY})|(today|tomorrow))|({_DAY}) week", p):
        weeks = 2 if m.group(1) == "fortnight" else 1
        if m.group(3):
            return meeting + timedelta(days=7 * weeks + (m.group(3) == "tomorrow"))
        day = to_date(m.group(2) or m.group(4), meeting)
        return day + timedelta(days=7 * weeks) if day else None
    if m := re.fullmatch(_NEXT_WEEKS, p):
        p = f"next {m['day'] or m['later']}"
    m = re.fullmatch(rf"(this |next )?({_DAY})", p)
    if m:
        target = DAYS.index(m.group(2))
        if m.group(1) == "next ":
            return meeting - timedelta(days=meeting.weekday()) + timedelta(days=7 + target)
        ahead = (target - meeting.weekday()) % 7 or 7
        return meeting + timedelta(days=ahead)
    if re.fullmatch(r"(the )?end of (the |this )?week", p):
        friday = meeting + timedelta(days=4 - meeting.weekday())
        return friday if friday >= meeting else friday + timedelta(days=7)
    if re.fullmatch(r"(the )?end of (the |this )?month", p):
        return meeting.replace(day=calendar.monthrange(meeting.year, meeting.month)[1])
    return _written(p, meeting)


def _numbered(text: str) -> str:
    """Ordinal words as numbers: "the twenty-seventh" -> "the 27th"."""
    return re.sub(rf"\b(?:{ORDINAL_WORDS})\b", lambda m: f"{_ordinal(m.group(0))}th", text)


def _ordinal(word: str) -> int:
    return next(n for w, n in ORDINALS.items() if re.fullmatch(w, word))


def _written(p: str, meeting: date) -> date | None:
    p = re.sub(rf"^(?:{_DAY}),?\s+(?=the\s|\d)", "", p)  # "friday the 27th": the day of the month decides
    if m := re.fullmatch(r"the (\d{1,2})(?:st|nd|rd|th)", p):
        return _next_day_of_month(int(m.group(1)), meeting)
    m = re.fullmatch(
        rf"(?:the )?(\d{{1,2}})(?:st|nd|rd|th)?(?: of)? ({_MONTH})(?: (\d{{4}}))?", p
    ) or re.fullmatch(rf"({_MONTH}) (?:the )?(\d{{1,2}})(?:st|nd|rd|th)?(?:,? (\d{{4}}))?", p)
    if m:
        a, b, year = m.groups()
        day, month = (int(a), MONTHS.index(b) + 1) if a.isdigit() else (int(b), MONTHS.index(a) + 1)
    else:
        m = re.fullmatch(r"(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?", p)
        if not m:
            return None
        day, month, year = int(m.group(1)), int(m.group(2)), m.group(3)
        if year and len(year) == 2:
            year = f"20{year}"
    try:
        if year:
            return date(int(year), month, day)
        found = date(meeting.year, month, day)
        return found if found >= meeting else date(meeting.year + 1, month, day)
    except ValueError:
        return None


def _next_day_of_month(day: int, meeting: date) -> date | None:
    """The first date on or after the meeting whose day of the month is `day`."""
    year, month = meeting.year, meeting.month
    for _ in range(3):
        if day <= calendar.monthrange(year, month)[1] and date(year, month, day) >= meeting:
            return date(year, month, day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None
