"""The matters-arising review in a real browser (Debian's Chromium, Playwright), on two processed meetings of one
body (no models): a reviewer confirms what the talk suggested, carries one action forward with a new date and a
note by keyboard, and reads who owes what; axe-core's WCAG 2.2 A and AA rules pass on every state."""

from __future__ import annotations

import sqlite3

import pytest
from axe import Checker, install
from playwright.sync_api import expect
from test_matters_arising import store_two
from test_web_browser import (
    REVIEWER,
    SHOTS,
    _serve,
    browser_type_launch_args,  # noqa: F401  (the fixture: Debian's chromium)
    sign_in,
)

from minutes.core.config import load_settings


@pytest.fixture
def two(tmp_path_factory, monkeypatch):
    """The server without its worker, holding the demo meeting released in the body's series and a second
    meeting of it with its talk's suggestions."""
    server = _serve(tmp_path_factory.mktemp("matters-home"), "--no-worker")
    started = next(server)
    monkeypatch.setenv("MINUTES_HOME", str(started["home"]))
    settings = load_settings(started["home"])
    _, second = store_two(settings)
    yield started["url"], started["home"], second.meeting_id
    next(server, None)  # stops it


def test_a_reviewer_takes_up_the_matters_arising_in_chromium(two, browser):
    url, home, m = two
    with sqlite3.connect(home / "minutes.db") as conn:
        ids = {t.split()[0]: i for i, t in conn.execute("SELECT id, task FROM action WHERE draft_id = 1")}
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    install(context)
    axe = Checker()
    page = context.new_page()
    sign_in(page, url, REVIEWER)
    page.goto(f"{url}/meetings/{m}")
    expect(page.locator("#matters")).to_have_text("Matters arising")
    coach = page.locator(f"#matter-{ids['Book']}")
    expect(coach).to_contain_text("Suggested from the talk: Done")
    expect(coach).to_contain_text("“The coach is booked for the Year 9 trip, deposit paid on Monday.”")
    axe(page, "the meeting page with three matters arising")

    coach.get_by_role("button", name="Confirm: Done").click()
    expect(page.locator(f"#matter-{ids['Book']}")).to_contain_text("Status: Done")
    axe(page, "after confirming a suggestion")

    letter = page.locator(f"#matter-{ids['Draft']}")
    letter.locator("summary").focus()
    page.keyboard.press("Enter")  # opens the form
    letter.get_by_label("Status").select_option("carried")
    letter.get_by_label("New due date (carried forward)").fill("2026-12-14")
    letter.get_by_label("Note (optional)").fill("Priya checks it first")
    axe(page, "the status form open")
    letter.get_by_label("Note (optional)").press("Enter")  # submits
    expect(page.locator(f"#matter-{ids['Draft']}")).to_contain_text(
        "Status: Carried forward to Monday 14 December 2026. Note: Priya checks it first"
    )
    axe(page, "after carrying an action forward")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#matters").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "matters-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / "matters-390.png"), full_page=True)
    axe(page, "the matters at 390 px")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{url}/actions?who=all")
    expect(page.get_by_role("table")).to_contain_text("Draft the letter")
    axe(page, "who owes what")
    page.screenshot(path=str(SHOTS / "actions-1280.png"), full_page=True)
    assert len(axe.states) == 6
    context.close()
