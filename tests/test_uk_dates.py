"""Dates as people type and read them (minutes.dates): one parser for every option and form that takes a date
(ISO, 07/12/2026, 7 Dec 2026), UK style wherever people read one, times in London time."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from minutes.cli import cli
from minutes.dates import local_time, long_date, parse_date, short_date
from minutes.errors import UsageError

DAY = dt.date(2026, 12, 7)  # a Monday


@pytest.mark.parametrize(
    "typed",
    [
        "2026-12-07",
        "07/12/2026",
        "7/12/2026",
        "07-12-2026",
        "07.12.2026",
        "7 Dec 2026",
        "7 December 2026",
        "7th December 2026",
        "7 dec. 2026",
        "Monday 7 December 2026",
        "Mon, 7 Dec 2026",
        " 7  Dec  2026 ",
        "the 7th of December 2026"[4:],
    ],
)
def test_every_way_of_writing_a_date_reads_the_same_day(typed):
    assert parse_date(typed) == DAY


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("12/31/2026", "is not a date"),  # the US order is never read
        ("31/02/2026", "is not a date"),
        ("07/12/26", "is not a date"),  # a two-digit year is not guessed
        ("2026-13-01", "is not a date"),
        ("tomorrow", "is not a date"),
        ("7 Decembre 2026", "is not a date"),
        ("Tuesday 7 December 2026", "7 December 2026 is a Monday"),
        ("", "is not a date"),
    ],
)
def test_anything_else_is_a_one_line_usage_error(typed, why):
    with pytest.raises(UsageError) as err:
        parse_date(typed, "meeting date")
    assert why in str(err.value) and str(err.value).startswith("meeting date")
    assert "\n" not in str(err.value)


def test_dates_read_in_uk_style_and_times_in_london_time():
    assert long_date(DAY) == "Monday 7 December 2026" and short_date(DAY) == "07/12/2026"
    assert long_date("2026-11-27") == "Friday 27 November 2026" and short_date("2026-11-27") == "27/11/2026"
    assert long_date("end of term") == "end of term" and short_date(None) == ""  # a due date kept as spoken
    summer = dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.UTC)  # BST: already the next day in London
    winter = dt.datetime(2026, 12, 1, 23, 30)  # naive: taken as UTC, and GMT is UTC
    assert local_time(summer) == "02/07/2026 00:30" and long_date(summer) == "Thursday 2 July 2026"
    assert local_time(winter) == "01/12/2026 23:30" and local_time(winter, seconds=True).endswith(":00")


def run(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_the_command_line_takes_any_form_and_prints_uk_style(home, database):
    run("person", "add", "Priya")  # so that the meetings' Priya holds her standing consent
    ids = []
    for title, typed in (("ISO", "2026-12-07"), ("UK", "07/12/2026"), ("Written", "7 Dec 2026")):
        made = run("meeting", "create", title, "--date", typed, "--participant", "Priya")
        assert made.exit_code == 0, made.output
        ids.append(made.output.strip())
    listed = json.loads(run("meeting", "list", "--json").output)
    assert {m["date"] for m in listed} == {"2026-12-07"}  # JSON keeps ISO
    table = run("meeting", "list").output
    assert table.count("07/12/2026") == 3 and "2026-12-07" not in table
    assert "Monday 7 December 2026" in run("meeting", "show", ids[0]).output
    bad = run("meeting", "create", "US order", "--date", "12/31/2026")
    assert bad.exit_code == 2 and "is not a date" in bad.output
    standing = run(
        "consent", "standing", "give", "Priya", "--scope", "all", "--method", "form",
        "--from", "1 Sep 2026", "--until", "31/08/2027",
    )  # fmt: skip
    assert standing.exit_code == 0, standing.output
    history = run("consent", "history", ids[0]).output
    assert "standing, meetings 01/09/2026 to 31/08/2027" in history


def test_web_forms_take_any_form_and_pages_show_uk_style(web):
    client, csrf = web.login("clerk")
    made = client.post(
        "/meetings",
        data={"csrf": csrf, "title": "Finance committee", "date": "12/01/2027", "participant_name": ["Ann"]},
    )
    assert made.status_code == 303, made.text
    mid = int(made.headers["location"].split("/")[2])
    assert "Tuesday 12 January 2027" in client.get(f"/meetings/{mid}").text
    listed = client.get("/", params={"date_from": "1 Jan 2027", "date_to": "31/01/2027"}).text
    assert "Finance committee" in listed and "12/01/2027" in listed and "Science department" not in listed
    bad = client.get("/", params={"date_from": "01/31/2027"})
    assert bad.status_code == 400 and "is not a date" in bad.text
    reviewer, token = web.login("reviewer")
    draft = web.built.draft_id
    due = reviewer.post(f"/drafts/{draft}/items/a1", data={"csrf": token, "how": "edit", "due": "4 Dec 2026"})
    assert due.status_code == 303, due.text
    assert "Friday 4 December 2026" in reviewer.get(f"/drafts/{draft}").text
