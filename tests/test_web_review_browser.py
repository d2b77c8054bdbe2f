"""The review as a document, in a real browser (Debian's Chromium, Playwright), on a processed five-item meeting
(no models): a reviewer fixes an owner and a due date, keeps an item by keyboard, removes one and undoes it,
turns a discussion point into an action, adds an item from a selection of transcript lines, corrects a
transcript line, flags one, edits the summary, previews, approves, releases and downloads the governors' Word
minutes, read back with python-docx.

It counts the clicks and keystrokes the review takes (and prints them; the page this replaced took 47 clicks
and 12 full reloads for five items), asserts that no edit reloads the page (no navigation between the first
edit and the preview), runs axe-core's WCAG 2.2 A and AA rules on every state of every page, and leaves
screenshots of the review page at 1280 and 390 pixels in build/screenshots/ (ignored by git; in
docs/screenshots/ when MINUTES_REFRESH_SCREENSHOTS asks for it, as tests/test_web_browser.py does).
"""

from __future__ import annotations

import os

import pytest
from axe import Checker, install
from docx import Document
from playwright.sync_api import expect
from processed_meeting import build, ev, line
from test_web_browser import (
    REVIEWER,
    _serve,
    browser_type_launch_args,  # noqa: F401  (the fixture: Debian's chromium)
    shots_folder,
    sign_in,
)

from minutes.core import types
from minutes.core.config import load_settings
from minutes.service import Ctx, meetings

SHOTS = shots_folder(dict(os.environ))
AGENDA = "1. Year 9 science museum trip\n2. Homework policy\n3. Lab technician post\n"
MAX_CLICKS = 20  # the bound for the same five-item review (its walk, without the added item)


def five_items() -> types.Draft:
    """The demo meeting's draft as a small model leaves it: the coach booked by the wrong person with no date,
    a decision the grounding check could not support, and a letter, a trip and a budget check."""
    return types.Draft(
        decisions=[
            types.Decision(
                text="The Year 9 science museum trip moves to the last week of April.",
                evidence=[ev("Priya", "So we're agreed"), ev("Tom", "That works for me")],
            ),
            types.Decision(
                text="Year 7 will trial paper homework sheets for one half term.",
                evidence=[ev("Priya", "We'll trial paper")],
                status="unsupported",
            ),
        ],
        actions=[
            types.Action(
                task="Book the coach for the Year 9 trip",
                owner="Priya",
                due=None,
                evidence=[ev("Priya", "Tom, can you book"), ev("Tom", "Yes, I'll book it")],
            ),
            types.Action(
                task="Draft the letter to parents",
                owner="Sam",
                due="2026-11-25",
                evidence=[ev("Sam", "Sure, I'll draft it")],
            ),
        ],
        points=[
            types.Point(
                text="No one has applied for the lab technician post.",
                evidence=[ev("Priya", "lab technician post")],
            )
        ],
        summary="The department moved the Year 9 trip.",
        notes=["decision 2 unsupported: the item's words do not appear in its evidence"],
    )


def select_lines(page, first: int, last: int) -> None:
    """Select the transcript's text from the start of line `first` into line `last`, as a drag would."""
    page.evaluate(
        """([first, last]) => {
            const range = document.createRange();
            range.setStart(document.querySelector(`#line-${first} .said`).firstChild, 0);
            range.setEnd(document.querySelector(`#line-${last} .said`).lastChild, 5);
            getSelection().removeAllRanges();
            getSelection().addRange(range);
        }""",
        [first, last],
    )


class Hands:
    """What a person does, counted: a click (a choice in a list counts as one), and each key pressed (typing
    counts a key per character, and one more to clear a field that had text)."""

    def __init__(self, page):
        self.page, self.clicks, self.keys = page, 0, 0

    def click(self, locator) -> None:
        locator.click()
        self.clicks += 1

    def choose(self, locator, value: str) -> None:
        locator.select_option(value)
        self.clicks += 1

    def type(self, locator, text: str) -> None:
        self.keys += len(text) + (1 if locator.input_value() else 0)
        locator.fill(text)

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.keys += 1


@pytest.fixture
def reviewed(tmp_path_factory):
    """The server without its worker (no model is loaded), holding the processed five-item meeting."""
    server = _serve(tmp_path_factory.mktemp("review-home"), "--no-worker")
    started = next(server)
    settings = load_settings(started["home"])
    built = build(settings, five_items())
    ctx = Ctx.open(settings)
    meetings.set_agenda(ctx, built.meeting_id, AGENDA, "Clara Clerk")
    ctx.close()
    yield started["url"], built
    next(server, None)  # stops it


def test_a_reviewer_checks_five_items_in_the_document_in_few_clicks_and_no_reloads(
    reviewed, browser, tmp_path
):
    url, built = reviewed
    d = built.draft_id
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", accept_downloads=True
    )
    install(context)
    axe = Checker()
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    sign_in(page, url, REVIEWER)
    page.goto(f"{url}/drafts/{d}")
    axe(page, "the review page")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "review-1280.png"), full_page=True)
    height = page.evaluate("document.documentElement.scrollHeight")
    print(f"\nreview page: {height} px tall at 1280 px for five items")
    reloads: list[str] = []
    page.on("framenavigated", lambda frame: reloads.append(frame.url) if frame == page.main_frame else None)
    hands = Hands(page)

    # a quote plays exactly its stretch
    quote = page.locator("#item-a1 button.play").first
    start, end = float(quote.get_attribute("data-start")), float(quote.get_attribute("data-end"))
    hands.click(quote)
    page.wait_for_function("() => !document.getElementById('meeting-audio').paused", timeout=15000)
    now = page.evaluate("() => document.getElementById('meeting-audio').currentTime")
    assert start <= now <= end, (start, now, end)
    page.evaluate("() => document.getElementById('meeting-audio').pause()")

    # fix the owner and the due date of A1, in place
    hands.click(page.locator("#item-a1 [data-key=edit]"))
    a1 = page.locator("#item-a1")
    expect(a1.get_by_label("Task")).to_be_focused()  # the form opens where the typing goes
    owner = a1.get_by_label("Owner")
    axe(page, "an item's edit form")
    a1.screenshot(path=str(SHOTS / "review-edit-1280.png"))
    hands.choose(owner, "Tom")
    hands.type(a1.get_by_label("Due date"), "27/11/2026")
    hands.press("Enter")  # submits the form, as a keyboard user would
    expect(page.locator("#item-a1 .words")).to_have_text(
        "Action (Tom, by Friday 27 November 2026): Book the coach for the Year 9 trip"
    )
    expect(page.locator("#audio-status")).to_have_text("A1 saved.")
    axe(page, "an item saved")

    # keep D2 (unsupported: its badge says why) with the keyboard: n moves from item to item, k keeps
    d2 = page.locator("#item-d2")
    expect(d2.locator(".badge").first).to_contain_text("the item's words do not appear in its evidence")
    page.locator("#item-d1").focus()
    hands.press("n")
    hands.press("n")
    expect(d2).to_be_focused()
    hands.press("k")
    expect(d2.locator(".tags")).to_contain_text("Kept")
    expect(page.locator("#review-status")).to_contain_text("Nothing blocks approval")
    axe(page, "an item kept")

    # remove A2, then undo it
    hands.click(page.get_by_role("button", name="Remove A2"))
    expect(page.locator("#item-a2 del")).to_have_count(1)
    expect(page.locator("#audio-status")).to_have_text("A2 removed. Undo puts it back.")
    axe(page, "an item removed")
    hands.click(page.get_by_role("button", name="Undo removal of A2"))
    expect(page.locator("#item-a2 del")).to_have_count(0)
    expect(page.locator("#item-a2")).to_be_focused()

    # turn the discussion point into an action: it opens in its form, the owner its lines suggest chosen
    hands.click(page.locator("#item-p1 details.kind > summary"))
    axe(page, "an item's change of kind")
    hands.click(page.get_by_role("button", name="Make it an action (P1)"))
    expect(page.locator("#audio-status")).to_have_text(
        "P1 is now an action, A3. Check its owner and due date. Undo puts it back."
    )
    a3 = page.locator("#item-a3")
    expect(a3.get_by_label("Owner")).to_have_value("Priya")  # she speaks in its line
    expect(a3.get_by_label("Due date")).to_be_focused()  # the one field still empty
    axe(page, "a point made an action, its form open")
    a3.screenshot(path=str(SHOTS / "review-kind-1280.png"))
    hands.type(a3.get_by_label("Task"), "Re-advertise the lab technician post")
    hands.type(a3.get_by_label("Due date"), "4/12/2026")
    hands.press("Enter")
    expect(page.locator("#item-a3 .words")).to_have_text(
        "Action (Priya, by Friday 4 December 2026): Re-advertise the lab technician post"
    )
    expect(page.locator("#item-p1")).to_have_count(0)  # A3 stands for it, and undoes it
    expect(a3.get_by_role("button", name="Undo the change: make A3 a discussion point again")).to_be_visible()
    axe(page, "a point made an action")

    # add an item from a selection of transcript lines: it cites them, and its quotes play them (not part of
    # the five-item walk, so counted apart)
    walk = (hands.clicks, hands.keys)
    select_lines(page, 2, 3)
    hands.clicks += 1  # the drag
    expect(page.locator("#selection-bar")).to_contain_text("Lines 2 to 3 selected:")
    hands.click(page.get_by_role("button", name="Add an item from them"))
    form = page.locator("#line-2 form.edit")
    expect(form.get_by_label("What the item says")).to_be_focused()
    expect(form.get_by_label("To line")).to_have_value("3")
    axe(page, "a selection's add form")
    page.locator("#line-2").screenshot(path=str(SHOTS / "review-add-1280.png"))
    hands.click(form.get_by_label("Discussion point"))
    hands.type(
        form.get_by_label("What the item says"),
        "Coaches are cheapest on Tuesdays, but Tuesdays clash with the Year 11 mock exams.",
    )
    hands.click(form.get_by_role("button", name="Add the item"))
    expect(page.locator("#audio-status")).to_have_text("P2 added, citing 2 lines.")
    p2 = page.locator("#item-p2")
    expect(p2).to_be_focused()
    tuesday, clash = line("Tom", "coach prices"), line("Helen", "Tuesdays clash")
    expect(p2.locator("button.play")).to_have_count(2)
    expect(page.locator("#line-3")).to_have_class("cited")
    hands.press("p")  # plays its first quote: line 2's stretch
    page.wait_for_function("() => !document.getElementById('meeting-audio').paused", timeout=15000)
    now = page.evaluate("() => document.getElementById('meeting-audio').currentTime")
    assert tuesday.start <= now <= tuesday.end, (tuesday.start, now, tuesday.end)
    page.evaluate("() => document.getElementById('meeting-audio').pause()")
    assert float(p2.locator("button.play").nth(1).get_attribute("data-end")) == clash.end
    axe(page, "an item added from the transcript")
    page.screenshot(path=str(SHOTS / "review-changed-1280.png"), full_page=True)
    added = (hands.clicks - walk[0], hands.keys - walk[1])
    hands.clicks, hands.keys = walk

    # correct what the machine heard in a transcript line
    said = line("Priya", "check the budget").text
    hands.click(page.get_by_role("link", name="Correct line 15"))
    axe(page, "a transcript line's correction form")
    page.locator("#line-15").screenshot(path=str(SHOTS / "review-line-1280.png"))
    text = page.get_by_label("What was said")
    hands.type(text, said.replace("business manager", "bursar"))
    hands.click(page.get_by_role("button", name="Save line 15"))
    expect(page.locator("#line-15 .said")).to_contain_text("bursar")
    expect(page.locator("#line-15 .heard")).to_contain_text("business manager")
    axe(page, "a transcript line corrected")

    # flag a transcript line as sensitive: it becomes a flag of the reviewer's own, kept, never minuted
    hands.click(page.get_by_role("link", name="Flag line 14 as sensitive"))
    axe(page, "a transcript line's flag form")
    hands.click(page.get_by_role("button", name="Flag line 14"))
    expect(page.locator("#audio-status")).to_contain_text("Line 14 flagged as sensitive (F1).")
    expect(page.locator("#item-f1")).to_be_focused()
    expect(page.locator("#line-14 .badge")).to_have_text("Flagged: F1")
    axe(page, "a line flagged")

    # edit the summary in place
    hands.click(page.get_by_role("link", name="Edit the summary"))
    summary = "The department moved the Year 9 trip to April and will trial paper homework for Year 7."
    hands.type(page.get_by_label("The summary, as it is released with the minutes"), summary)
    axe(page, "the summary's edit form")
    hands.click(page.get_by_role("button", name="Save the summary"))
    expect(page.locator("#summary .words")).to_have_text(summary)
    assert reloads == [], reloads  # every edit updated the page in place
    edit_reloads = len(reloads)

    # preview, approve, release, download
    hands.click(page.get_by_role("link", name="Preview and approve"))
    expect(
        page.get_by_role("heading", name="Approve the minutes: Science department meeting")
    ).to_be_visible()
    assert (
        "These minutes file 2 decisions, 3 actions and 1 discussion point in 3 sections"
        in page.inner_text("main")
    )
    axe(page, "the approval preview")
    page.screenshot(path=str(SHOTS / "approve-1280.png"), full_page=True)
    hands.click(page.get_by_role("button", name="Approve these minutes").first)
    expect(page.get_by_role("button", name="Release these minutes")).to_be_visible()
    axe(page, "the release preview")
    hands.click(page.get_by_role("button", name="Release these minutes"))
    expect(page.locator(".panel.ok")).to_contain_text("Released by Rhys Reviewer")
    axe(page, "the released minutes' downloads")
    with page.expect_download() as info:
        hands.click(page.get_by_role("button", name="Download the clerk's minutes (Word)"))
    path = tmp_path / "governors.docx"
    info.value.save_as(path)
    document = Document(str(path))
    text = [p.text for p in document.paragraphs]
    assert text[text.index("1. Year 9 science museum trip") + 1 :][:3] == [
        "Discussion: Coaches are cheapest on Tuesdays, but Tuesdays clash with the Year 11 mock exams.",
        "1.1 Resolved: The Year 9 science museum trip moves to the last week of April.",
        "1.2 Action (Tom, by Friday 27 November 2026): Book the coach for the Year 9 trip",
    ]
    assert "3.1 Action (Priya, by Friday 4 December 2026): Re-advertise the lab technician post" in text
    rows = [[c.text for c in row.cells] for table in document.tables for row in table.rows]
    assert ["1.2", "Book the coach for the Year 9 trip", "Tom", "27/11/2026"] in rows

    print(
        f"five-item review: {hands.clicks} clicks, {hands.keys} keystrokes, {edit_reloads} page loads while "
        f"editing ({len(reloads)} from the preview to the download); adding an item from a transcript "
        f"selection: {added[0]} clicks (the drag counted as one), {added[1]} keystrokes more"
    )
    print(f"axe-core: 0 violations on {len(axe.states)} page states")
    assert hands.clicks <= MAX_CLICKS
    assert [u for u in requested if not u.startswith(url)] == []
    context.close()


def test_the_review_page_reads_at_390_pixels_and_its_shortcuts_can_be_turned_off(reviewed, browser):
    """A phone-sized window: nothing runs off the side, the transcript follows the minutes, every state passes
    axe (the forms a selection opens and the change of kind too); Esc cancels an edit or a line's form; the
    single-key shortcuts can be turned off."""
    url, built = reviewed
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    install(context)
    axe = Checker()
    page = context.new_page()
    sign_in(page, url, REVIEWER)
    page.goto(f"{url}/drafts/{built.draft_id}")
    axe(page, "the review page at 390 px")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(SHOTS / "review-390.png"), full_page=True)
    page.screenshot(path=str(SHOTS / "review-390-top.png"))
    page.locator("#item-a1 [data-key=edit]").click()
    expect(page.locator("#item-a1").get_by_label("Task")).to_be_focused()
    axe(page, "an item's edit form at 390 px")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.keyboard.press("Escape")  # cancels the edit
    expect(page.locator("#item-a1 form.edit")).to_have_count(0)
    select_lines(page, 2, 3)
    expect(page.locator("#selection-bar")).to_contain_text("Lines 2 to 3 selected:")
    page.get_by_role("button", name="Flag them as sensitive").click()
    expect(page.get_by_label("To line")).to_have_value("3")
    axe(page, "a selection's flag form at 390 px")
    page.get_by_role("link", name="Cancel").click()
    select_lines(page, 4, 5)
    page.get_by_role("button", name="Add an item from them").click()
    expect(page.locator("#line-4").get_by_label("What the item says")).to_be_focused()
    axe(page, "a selection's add form at 390 px")
    page.locator("#line-4").screenshot(path=str(SHOTS / "review-add-390.png"))
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.keyboard.press("Escape")  # cancels it, as an item's edit
    expect(page.locator("#line-4 form.edit")).to_have_count(0)
    page.locator("#item-p1 details.kind > summary").click()
    axe(page, "an item's change of kind at 390 px")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.get_by_text("Keyboard shortcuts").click()
    page.get_by_label("Single-key shortcuts on").uncheck()  # WCAG 2.1.4: they can be turned off
    page.locator("#item-d2").focus()
    page.keyboard.press("k")
    page.wait_for_timeout(300)
    expect(page.locator("#item-d2 .tags")).not_to_contain_text("Kept")
    context.close()
