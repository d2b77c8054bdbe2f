"""The whole job in a real browser: headless Chromium (Debian's `chromium`) driven by Playwright, against
`minutes serve` running as its own process with its worker and the real models, on the demo recording.

A clerk creates the meeting, records everyone's consent with the stretch where each speaks, uploads and waits
for the draft; a reviewer plays one quote (the audio element's currentTime must lie inside the cited range),
changes an action's owner, resolves every flag, approves, releases and downloads the DOCX; a withdrawal made
in the browser removes the person's words from the review page. Screenshots go to build/screenshots/ (ignored
by git, so `make test` leaves the checkout as it was); MINUTES_REFRESH_SCREENSHOTS=1 writes the README's, in
docs/screenshots/ (`make screenshots`).

A lighter test (no models, the server without its worker) has a clerk enter the agenda and attendance by
keyboard, and checks what the page loads, its contrast and its layout in a narrow window.
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import model_guard
import pytest
from docx import Document
from playwright.sync_api import expect
from test_pipeline import ENROL

from minutes.core.config import load_settings
from minutes.service import Ctx, users

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[1]


def shots_folder(env: dict[str, str]) -> Path:
    """Where the screenshots go: the README's folder only when asked to refresh them."""
    refresh = env.get("MINUTES_REFRESH_SCREENSHOTS", "") not in ("", "0")
    return ROOT / ("docs" if refresh else "build") / "screenshots"


SHOTS = shots_folder(dict(os.environ))
PASSWORD = "correct horse battery"
CLERK, REVIEWER = "Clara Clerk", "Rhys Reviewer"
PEOPLE = [("Priya", "head of department"), ("Tom", "teacher"), ("Helen", "teacher"), ("Sam", "teacher")]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (make test does)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--autoplay-policy=no-user-gesture-required", "--mute-audio"],
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(home: Path, *extra: str):
    """`minutes serve` on a free loopback port, with a clerk and a reviewer account; stopped afterwards."""
    ctx = Ctx.open(load_settings(home))
    users.add_user(ctx, CLERK, "clerk", PASSWORD, "test")
    users.add_user(ctx, REVIEWER, "reviewer", PASSWORD, "test")
    ctx.close()
    port = _free_port()
    env = {**os.environ, "MINUTES_HOME": str(home), "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    log = (home / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-c", "from minutes.cli import main; main()", "serve", "--port", str(port), *extra],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(360):
        try:
            urllib.request.urlopen(f"{url}/login", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("minutes serve did not start: " + (home / "serve.log").read_text())
    yield {"url": url, "home": home}
    proc.terminate()
    proc.wait(30)
    log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The server with its processing worker (the real models)."""
    home = tmp_path_factory.mktemp("web-home")
    model_guard.share_prompt_states(home)
    yield from _serve(home)


@pytest.fixture
def light_server(tmp_path_factory):
    """The server without its worker: pages only, no model is ever loaded."""
    yield from _serve(tmp_path_factory.mktemp("web-light"), "--no-worker")


def sign_in(page, url: str, name: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("Account name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}/")


def clerk_sets_up_and_processes(page, url: str, demo: Path) -> int:
    page.goto(f"{url}/meetings/new")
    page.get_by_label("Title").fill("Science department meeting")
    page.get_by_label("Date").fill("2026-11-23")
    for i, (name, role) in enumerate(PEOPLE):
        page.get_by_label(f"Participant {i + 1} name").fill(name)
        page.get_by_label(f"Participant {i + 1} role").fill(role)
    page.get_by_role("button", name="Create the meeting").click()
    page.wait_for_url("**/consent")
    meeting_id = int(page.url.split("/")[-2])
    for name, _ in PEOPLE:
        page.get_by_label("Participant", exact=True).select_option(label=name)
        page.get_by_label("How it was given").select_option("verbal")
        page.get_by_label("Where they said it in the recording").fill(ENROL[name])
        page.get_by_role("button", name="Record the decision").click()
        page.wait_for_load_state()
    assert page.get_by_text("Everyone has agreed to every stage.").is_visible()
    page.screenshot(path=str(SHOTS / "consent.png"))
    page.get_by_role("link", name="Upload the recording").first.click()
    page.get_by_label("Audio file").set_input_files(str(demo / "meeting.wav"))
    page.get_by_role("button", name="Upload and process").click()
    page.get_by_text("The draft minutes are ready").wait_for(
        timeout=20 * 60 * 1000
    )  # htmx polls the progress
    return meeting_id


def another_meeting(page, url: str) -> None:
    """A second meeting, still waiting for consent, so the meetings list shows more than one status."""
    page.goto(f"{url}/meetings/new")
    page.get_by_label("Title").fill("Governors' full board")
    page.get_by_label("Date").fill("2026-12-08")
    page.get_by_label("Participant 1 name").fill("Zoë O'Brien")
    page.get_by_label("Participant 1 role").fill("chair")
    page.get_by_role("button", name="Create the meeting").click()
    page.wait_for_url("**/consent")


def play_one_quote(page) -> None:
    button = page.locator("#document button.play").first
    start, end = float(button.get_attribute("data-start")), float(button.get_attribute("data-end"))
    button.focus()
    page.keyboard.press("Enter")  # by keyboard, as anyone can
    page.wait_for_function("() => !document.getElementById('meeting-audio').paused", timeout=15000)
    page.wait_for_timeout(300)
    now = page.evaluate("() => document.getElementById('meeting-audio').currentTime")
    assert start <= now <= end, (start, now, end)
    page.wait_for_function(
        "() => document.getElementById('meeting-audio').paused", timeout=(end - start + 10) * 1000
    )
    stopped = page.evaluate("() => document.getElementById('meeting-audio').currentTime")
    assert start < stopped <= end + 0.25, (start, stopped, end)  # it stops at the end of the quote


def reviewer_checks_and_releases(page, url: str, tmp_path: Path) -> None:
    """The review as a document, on what the models drafted: an action's owner and due date fixed in place,
    an item removed and the removal undone, the summary edited, every open item kept; then the preview,
    approval, release and the governors' Word minutes, read back. No edit reloads the page."""
    page.get_by_role("link", name="Review the draft").first.click()
    page.wait_for_url("**/drafts/*")
    page.screenshot(
        path=str(SHOTS / "review.png"), full_page=True, clip={"x": 0, "y": 0, "width": 1280, "height": 1500}
    )
    play_one_quote(page)
    page.set_viewport_size({"width": 360, "height": 800})  # a narrow window: nothing runs off the side
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(tmp_path / "narrow.png"))
    page.set_viewport_size({"width": 1280, "height": 900})
    reloads: list[str] = []
    page.on("framenavigated", lambda frame: reloads.append(frame.url) if frame == page.main_frame else None)
    action = page.locator("#document article.item.action:not(.removed)").first
    ref = action.get_attribute("data-ref")
    current = action.locator(".words").inner_text()
    new_owner = next(name for name, _ in PEOPLE if f"({name}" not in current)
    action.locator("[data-key=edit]").click()
    item = page.locator(f"#item-{ref}")
    item.get_by_label("Owner").select_option(new_owner)
    item.get_by_label("Due date").fill("27/11/2026")
    item.get_by_role("button", name=f"Save {ref.upper()}").click()
    expect(page.locator(f"#item-{ref} .words")).to_contain_text(
        f"Action ({new_owner}, by Friday 27 November 2026)"
    )
    other = page.locator("#document article.item:not(.removed):not(.flag)").last
    gone = other.get_attribute("data-ref")
    other.get_by_role("button", name=f"Remove {gone.upper()}").click()
    expect(page.locator(f"#item-{gone} del")).to_have_count(1)
    page.get_by_role("button", name=f"Undo removal of {gone.upper()}").click()
    expect(page.locator(f"#item-{gone} del")).to_have_count(0)
    page.get_by_role("link", name="Edit the summary").click()
    summary = "The department moved the Year 9 trip to April and will trial paper homework for Year 7."
    page.get_by_label("The summary, as it is released with the minutes").fill(summary)
    page.get_by_role("button", name="Save the summary").click()
    expect(page.locator("#summary .words")).to_have_text(summary)
    while page.locator(
        "#document article.item.open"
    ).count():  # every flag, and any unsupported item: keep it
        before = page.locator("#document article.item.open").count()
        page.locator("#document article.item.open [data-key=keep]").first.click()
        expect(page.locator("#document article.item.open")).to_have_count(before - 1)
    assert reloads == [], reloads
    expect(page.locator("#review-status")).to_contain_text("Nothing blocks approval.")
    page.get_by_role("link", name="Preview and approve").click()
    page.get_by_role("button", name="Approve these minutes").first.click()
    page.get_by_role("button", name="Release these minutes").click()
    expect(page.locator(".panel.ok")).to_contain_text("Released by Rhys Reviewer")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the clerk's minutes (Word)").click()
    path = tmp_path / "minutes.docx"
    info.value.save_as(path)
    doc = Document(str(path))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Science department meeting" in text and "Reviewed and approved by Rhys Reviewer" in text
    owners = [row.cells[2].text for table in doc.tables for row in table.rows]
    assert new_owner in owners


def sams_lines(page) -> list[str]:
    rows = page.locator("#transcript ol.lines li").all()
    return [
        r.locator(".said").inner_text().removeprefix("Sam").strip()
        for r in rows
        if r.locator(".who").inner_text() == "Sam"
    ]


@pytest.mark.slow
def test_clerk_and_reviewer_do_the_whole_job_in_a_browser(server, browser, demo, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    url = server["url"]
    clerk = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", accept_downloads=True
    )
    page = clerk.new_page()
    sign_in(page, url, CLERK)
    meeting_id = clerk_sets_up_and_processes(page, url, demo)
    stored = list((server["home"] / "files" / "recordings").rglob("*.wav"))
    assert stored and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in stored)  # the server's umask

    reviewer = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", accept_downloads=True
    )
    review = reviewer.new_page()
    sign_in(review, url, REVIEWER)
    reviewer_checks_and_releases(review, url, tmp_path)
    another_meeting(page, url)
    page.goto(f"{url}/")
    page.screenshot(path=str(SHOTS / "meetings.png"))
    assert page.get_by_text("Released").first.is_visible()

    review.goto(f"{url}/drafts/1")
    before = sams_lines(review)
    assert before, "Sam speaks in the transcript"
    page.goto(f"{url}/meetings/{meeting_id}/consent")
    page.get_by_role("link", name="Withdraw Sam's consent").click()
    assert page.get_by_text("the meeting's audio recording").is_visible()
    page.get_by_label("I confirm Sam withdrew their consent").check()
    page.get_by_role("button", name="Withdraw consent and remove").click()
    page.wait_for_url("**/consent?withdrawn=*")
    review.reload()
    assert sams_lines(review) == []
    body = review.locator("main").inner_text()
    assert not any(line in body for line in before if len(line.split()) >= 4)
    assert "The recording is no longer stored" in body
    clerk.close()
    reviewer.close()


CONTRAST = """() => {
  // WCAG 2.2 contrast of every visible text element against the background it is drawn on
  const lum = (rgb) => {
    const [r, g, b] = rgb.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const parse = (c) => c.match(/[\\d.]+/g).map(Number);
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = parse(getComputedStyle(el).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const worst = [];
  for (const el of document.querySelectorAll("main *, header *")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const box = el.getBoundingClientRect();
    if (!own || box.width === 0 || getComputedStyle(el).visibility === "hidden" || el.closest(".vh")) continue;
    const [a, b] = [lum(parse(getComputedStyle(el).color).slice(0, 3)), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5 && !el.disabled) worst.push([el.tagName, el.textContent.trim().slice(0, 40), ratio.toFixed(2)]);
  }
  return worst;
}"""


def test_a_clerk_sets_the_agenda_and_attendance_by_keyboard(light_server, browser, tmp_path):
    """Server-rendered forms, used with the keyboard only: the agenda typed when the meeting is created and
    changed on its page, and apologies (accepted) recorded for one participant. Every request stays on the
    server, every text meets AA contrast, and the page fits a 360-pixel window."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    url = light_server["url"]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    sign_in(page, url, CLERK)
    page.goto(f"{url}/meetings/new")
    page.get_by_label("Title").fill("Governors' full board")
    page.get_by_label("Date").fill("2026-12-08")
    page.get_by_label("Agenda (optional)").fill(
        "1. Welcome and apologies\n2. Declarations of interest\n3. Minutes of the last meeting\n"
    )
    for i, (name, role) in enumerate(
        [("Zoë O'Brien", "chair"), ("Mr Khan", "governor"), ("Ann Lee", "head")]
    ):
        page.get_by_label(f"Participant {i + 1} name").fill(name)
        page.get_by_label(f"Participant {i + 1} role").fill(role)
    page.screenshot(path=str(tmp_path / "new.png"), full_page=True)
    page.get_by_label("Participant 3 role").press("Enter")  # submits the form, as a keyboard user would
    page.wait_for_url("**/consent")
    meeting_id = int(page.url.split("/")[-2])
    page.goto(f"{url}/meetings/{meeting_id}")
    assert page.locator("ol.agenda li").all_inner_texts() == [
        "Welcome and apologies",
        "Declarations of interest",
        "Minutes of the last meeting",
    ]

    page.get_by_label("Attendance of Mr Khan", exact=True).focus()
    page.keyboard.press("End")  # the last choice: Absent
    page.keyboard.press("ArrowUp")  # Apologies
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == page.get_by_label(
        "Apologies accepted? (Mr Khan)"
    ).get_attribute("id")
    page.keyboard.press("ArrowDown")  # Accepted
    page.keyboard.press("Tab")
    assert (
        page.evaluate("() => document.activeElement.getAttribute('aria-label')")
        == "Save attendance of Mr Khan"
    )
    page.keyboard.press("Enter")
    page.wait_for_url("**#attendance")
    row = page.locator("tr", has=page.get_by_text("Mr Khan", exact=True))
    assert "Apologies, accepted" in row.inner_text()
    page.get_by_label("Attendance of Ann Lee", exact=True).select_option("in-attendance")
    page.get_by_role("button", name="Save attendance of Ann Lee").click()
    page.wait_for_load_state()

    page.get_by_text("Change the agenda").focus()
    page.keyboard.press("Enter")  # opens the details
    agenda = page.get_by_label("Agenda, one numbered item per line")
    agenda.fill(agenda.input_value() + "4. Any other business\n")
    page.get_by_role("button", name="Save the agenda").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**#agenda")
    assert page.locator("ol.agenda li").last.inner_text() == "Any other business"

    assert "In attendance" in page.locator("tr", has=page.get_by_text("Ann Lee", exact=True)).inner_text()
    assert page.evaluate(CONTRAST) == []
    page.screenshot(path=str(SHOTS / "meeting.png"), full_page=True)
    page.set_viewport_size({"width": 360, "height": 800})
    page.screenshot(path=str(tmp_path / "meeting-narrow.png"), full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    outside = [u for u in requested if not u.startswith(url)]
    assert outside == [], outside
    context.close()


def test_a_reviewer_sends_a_flag_to_part_2_and_downloads_it(light_server, browser, tmp_path):
    """The processed demo meeting (no models): the flag goes to part 2 from the review page, by keyboard; after
    release the reviewer downloads the part-2 record, which holds the flag's quote, and the minutes do not."""
    from processed_meeting import build, demo_draft

    url = light_server["url"]
    built = build(load_settings(light_server["home"]), demo_draft(flags=True))
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", accept_downloads=True
    )
    page = context.new_page()
    sign_in(page, url, REVIEWER)
    page.goto(f"{url}/drafts/{built.draft_id}")
    page.get_by_role("button", name="Send to part 2 (confidential): F1").focus()
    page.keyboard.press("Enter")
    flag = page.locator("#item-f1")
    expect(flag).to_contain_text("In the part-2 (confidential) record")
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=str(tmp_path / "flag.png"))
    assert page.get_by_text("Nothing blocks approval.").is_visible()
    page.get_by_role("link", name="Preview and approve").click()
    page.get_by_role("button", name="Approve these minutes").first.click()
    page.get_by_role("button", name="Release these minutes").click()
    expect(page.locator(".panel.ok")).to_contain_text("Released by Rhys Reviewer")
    page.get_by_label("Layout", exact=True).last.select_option("department")
    assert page.evaluate(CONTRAST) == []
    page.screenshot(path=str(tmp_path / "release.png"), full_page=True)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download part 2 (Word)").click()
    path = tmp_path / "part2.docx"
    info.value.save_as(path)
    text = [p.text for p in Document(str(path)).paragraphs]
    assert "Staffing" in text and any("higher salary band" in t for t in text)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download Minutes (Word)").click()
    info.value.save_as(tmp_path / "minutes.docx")
    minutes = "\n".join(p.text for p in Document(str(tmp_path / "minutes.docx")).paragraphs)
    assert "higher salary band" not in minutes and "salary" not in minutes
    context.close()


def test_screenshots_leave_the_checkout_unchanged_unless_refreshing():
    """`make test` must not rewrite tracked files: the screenshots go to a folder git ignores, and to the
    README's folder (tracked) only when MINUTES_REFRESH_SCREENSHOTS asks for it."""
    plain = shots_folder({})
    assert shots_folder({"MINUTES_REFRESH_SCREENSHOTS": "0"}) == plain
    assert shots_folder({"MINUTES_REFRESH_SCREENSHOTS": "1"}) == ROOT / "docs" / "screenshots"
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    probe = plain / "meetings.png"
    ignored = subprocess.run(["git", "check-ignore", "-q", str(probe)], cwd=ROOT)
    assert ignored.returncode == 0, f"{probe} is not ignored by git"
    tracked = subprocess.run(
        ["git", "ls-files", "--error-unmatch", str(probe)], cwd=ROOT, capture_output=True
    )
    assert tracked.returncode != 0
