"""Due dates resolve against the meeting date (UK convention in minutes/drafting/dates.py) or stay as spoken."""

from datetime import date

import pytest

from minutes.drafting.dates import phrases, resolve

MONDAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("spoken", "expected"),
    [
        ("Friday", "2026-11-27"),
        ("by Friday", "2026-11-27"),
        ("this Friday", "2026-11-27"),
        ("next Wednesday", "2026-12-02"),  # the Wednesday of the following week
        ("by next Wednesday", "2026-12-02"),
        ("Wednesday", "2026-11-25"),
        ("Monday", "2026-11-30"),  # said on a Monday: the following Monday
        ("next Monday", "2026-11-30"),
        ("tomorrow", "2026-11-24"),
        ("today", "2026-11-23"),
        ("end of the week", "2026-11-27"),
        ("by the end of this month", "2026-11-30"),
        ("27 November", "2026-11-27"),
        ("the 3rd of December", "2026-12-03"),
        ("January 5th", "2027-01-05"),  # no year: the first such day on or after the meeting
        ("4/12", "2026-12-04"),  # numeric dates are day/month
        ("2026-12-10", "2026-12-10"),
        ("this afternoon", "2026-11-23"),  # parts of the meeting day are the meeting day
        ("tonight", "2026-11-23"),
        ("by the end of the day", "2026-11-23"),
        ("close of play", "2026-11-23"),
        ("tomorrow morning", "2026-11-24"),  # a part of a day goes with its day
        ("first thing tomorrow", "2026-11-24"),
        ("first thing Monday", "2026-11-30"),
        ("by Thursday lunchtime", "2026-11-26"),
        ("by the first of December", "2026-12-01"),  # "first" as an ordinal still counts
        ("a week today", "2026-11-30"),
        ("a fortnight today", "2026-12-07"),
        ("a week tomorrow", "2026-12-01"),
        ("a week on Friday", "2026-12-04"),  # a week after the coming Friday
        ("by a week on Wednesday", "2026-12-02"),
        ("Thursday week", "2026-12-03"),
        ("a fortnight on Monday", "2026-12-14"),  # said on a Monday: two weeks after the next Monday
        ("Tuesday next week", "2026-12-01"),  # the week after the meeting's, as "next Tuesday"
        ("by Thursday of next week", "2026-12-03"),
        ("next week's Monday", "2026-11-30"),
        ("next week Saturday", "2026-12-05"),
    ],
)
def test_resolves_against_a_monday_meeting(spoken, expected):
    assert resolve(spoken, MONDAY) == expected


def test_next_weekday_said_later_in_the_week():
    thursday = date(2026, 11, 26)
    assert resolve("next Wednesday", thursday) == "2026-12-02"
    assert resolve("Wednesday next week", thursday) == "2026-12-02"
    assert resolve("Friday", thursday) == "2026-11-27"
    assert resolve("end of the week", date(2026, 11, 28)) == "2026-12-04"


@pytest.mark.parametrize("spoken", ["next meeting", "half term", "soon", "31 February"])
def test_unresolvable_phrases_stay_as_spoken(spoken):
    assert resolve(spoken, MONDAY) == spoken


def test_without_a_meeting_date_only_iso_dates_resolve():
    assert resolve("Friday", None) == "Friday"
    assert resolve("2026-12-10", None) == "2026-12-10"
    assert resolve(None, MONDAY) is None
    assert resolve("  ", MONDAY) is None


def test_phrases_finds_the_fuller_wording_spoken():
    found = phrases("Sure, I'll draft it by next Wednesday and send it to you to check.")
    assert found[0].lower() == "by next wednesday"
    assert phrases("Let's come back to it at the next meeting.") == ["the next meeting"]
    assert phrases("I'll ring them this afternoon and book.") == ["this afternoon"]
    assert phrases("Fine, I'll see to it first thing Monday.") == ["first thing Monday"]
    assert phrases("The coach company said it is no problem.") == []
    assert phrases("I can have the figures to everyone a week on Friday.")[0] == "a week on Friday"
    assert phrases("Send it round by a week today, please.")[0] == "by a week today"
    # the weekday and "next week" are one deadline, not a coming Friday and a week
    assert phrases("Not this one, no: Friday of next week, the fourth.") == [
        "Friday of next week",
        "the fourth",
    ]
    assert phrases("The hall's free next week's Tuesday.") == ["next week's Tuesday"]


@pytest.mark.parametrize(
    ("spoken", "expected"),
    [
        ("this Friday", "2026-11-20"),
        ("Friday the twenty-seventh", "2026-11-27"),
        ("Monday the thirtieth", "2026-11-30"),
        ("the fifth of February", "2027-02-05"),
        ("by the fifteenth of January", "2027-01-15"),
        (
            "on the eighteenth",
            "2026-11-18",
        ),  # a day of the month alone: the first such day on or after the meeting
        ("the third", "2026-12-03"),
        ("November the 30th", "2026-11-30"),
        ("next Friday", "2026-11-27"),
    ],
)
def test_dates_in_words_against_a_wednesday_meeting(spoken, expected):
    assert resolve(spoken, date(2026, 11, 18)) == expected


def test_phrases_finds_dates_in_words():
    assert phrases("Can we say Friday the twenty-seventh for the website?") == ["Friday the twenty-seventh"]
    assert phrases("I'll get the rota redone by the fifteenth of January.") == ["by the fifteenth of January"]
    assert phrases("I'll send the plan to the diocese before we finish on the eighteenth.") == [
        "on the eighteenth"
    ]


@pytest.mark.parametrize(
    "phrase", ["before we vote on it", "with the office", "once the quotes are in", "when Dana agrees"]
)
def test_a_due_phrase_that_names_no_time_is_no_due_date(phrase):
    """The due field holds a time or nothing for the reviewer to fill: a condition is not a deadline."""
    assert resolve(phrase, date(2026, 3, 2)) is None


@pytest.mark.parametrize(
    ("phrase", "resolved"),
    [
        ("by the next meeting", "by the next meeting"),
        ("after half term", "after half term"),
        ("the ninth", "2026-03-09"),
        ("close of play", "2026-03-02"),
        ("asap", "asap"),
    ],
)
def test_a_due_phrase_that_names_a_time_is_kept(phrase, resolved):
    assert resolve(phrase, date(2026, 3, 2)) == resolved
