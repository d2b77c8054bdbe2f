"""Web uploads on the distributed queue (PostgreSQL, a shared folder, procrastinate's tables): the upload goes
to the shared folder under its sha256 and on the queue as `batch --enqueue`'s jobs do, and the processing page
shows the job's queue row (state, stage, worker, tries, seconds per stage) and the queue depth.
"""

from __future__ import annotations

import hashlib
import re
import time

import pytest
from cluster import Cluster
from sqlalchemy import text
from sqlmodel import Session
from test_web_browser import (  # noqa: F401  (a fixture)
    CLERK,
    CONTRAST,
    PASSWORD,
    SHOTS,
    _serve,
    browser_type_launch_args,
    sign_in,
)
from web_helpers import csrf_of
from web_helpers import sign_in as sign_in_client

from minutes.core.config import load_settings
from minutes.service import Ctx, consent, meetings, queue, users


def queued_meeting(cluster: Cluster, tmp_path, people=("Alex", "Blake")) -> tuple[Ctx, int]:
    """The clerk's context on a deployment that runs the queue, and a meeting everyone consented to."""
    ctx = Ctx.open(load_settings(cluster.clerk))
    queue.ensure_schema(ctx.db)
    form = tmp_path / "form.pdf"
    form.write_bytes(b"%PDF-1.4 consent")
    mid = meetings.create_meeting(ctx, "Staff briefing", "2026-12-03", [(p, None) for p in people], "Clerk")
    for person in people:
        consent.record_named(ctx, mid, person, "given", "all", "form", "Clerk", evidence_file=str(form))
    return ctx, mid


def queue_rows(cluster: Cluster) -> list[tuple]:
    with Session(cluster.engine) as s:
        return [
            tuple(r)
            for r in s.execute(text("SELECT status::text, lock, args FROM procrastinate_jobs ORDER BY id"))
        ]


@pytest.fixture
def web_server(cluster):
    """`minutes serve` on the clerk's home, without the web app's own worker: the queue's workers process."""
    yield from _serve(cluster.clerk, "--no-worker")


@pytest.mark.postgres
def test_a_web_upload_goes_on_the_queue_and_its_page_shows_the_queue(cluster, data, tmp_path):
    """No worker runs: the upload is in the shared folder under its sha256 and on procrastinate's queue with
    the meeting's lock, nothing is left in uploads/, and the page says 1 waiting. A second upload is refused;
    resuming the stopped job puts it on the queue again."""
    from fastapi.testclient import TestClient

    from minutes.web.app import create_app

    ctx, mid = queued_meeting(cluster, tmp_path)
    users.add_user(ctx, CLERK, "clerk", PASSWORD, "test")
    assert queue.in_use(ctx)
    client = TestClient(create_app(ctx), follow_redirects=False)
    assert sign_in_client(client, CLERK, PASSWORD).status_code == 303
    csrf = csrf_of(client.get("/").text)
    audio = (data / "jfk.flac").read_bytes()
    sent = client.post(
        f"/meetings/{mid}/recording", data={"csrf": csrf}, files={"recording": ("a.flac", audio)}
    )
    assert sent.status_code == 303, sent.text
    [job] = cluster.jobs()
    shared = cluster.shared / "incoming" / f"{hashlib.sha256(audio).hexdigest()}.flac"
    assert (job.batch, job.status, job.source, job.requested_by) == (
        "web-queue",
        "queued",
        str(shared),
        CLERK,
    )
    assert shared.read_bytes() == audio
    assert list((cluster.shared / "uploads").iterdir()) == []
    assert queue_rows(cluster) == [("todo", f"meeting-{mid}", {"job_id": job.id})]
    page = client.get(f"/meetings/{mid}/progress").text
    assert "Waiting for the worker to start" in page
    assert re.search(r"<dt>Queue</dt><dd>1 waiting, 0 running</dd>", page), page
    assert re.search(r"<dt>Worker</dt><dd>waiting for a worker</dd>", page), page
    again = client.post(
        f"/meetings/{mid}/recording", data={"csrf": csrf}, files={"recording": ("a.flac", audio)}
    )
    assert again.status_code == 409 and len(queue_rows(cluster)) == 1
    with Session(cluster.engine) as s:  # as if a worker had run it and the consent gate had stopped it
        s.execute(text("UPDATE procrastinate_jobs SET status = 'succeeded'"))
        s.execute(text("UPDATE job SET status = 'blocked', reason = 'consent'"))
        s.commit()
    resumed = client.post(f"/meetings/{mid}/process", data={"csrf": csrf})
    assert resumed.status_code == 303, resumed.text
    assert queue_rows(cluster)[-1] == ("todo", f"meeting-{mid}", {"job_id": job.id})
    assert [j.status for j in cluster.jobs()] == ["queued"]
    ctx.close()


@pytest.mark.slow
@pytest.mark.postgres
def test_a_clerk_uploads_in_a_browser_and_a_queue_worker_processes_it(
    cluster, web_server, browser, data, tmp_path
):
    """`minutes serve` without its own worker, and one `minutes worker` on the queue: the page shows the
    job waiting, then the worker's name, the seconds per stage and the draft; every text meets AA contrast
    and nothing is loaded from outside the server."""
    ctx, mid = queued_meeting(cluster, tmp_path)
    ctx.close()
    url = web_server["url"]
    page = browser.new_context(viewport={"width": 1100, "height": 1000}, locale="en-GB").new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    sign_in(page, url, CLERK)
    page.goto(f"{url}/meetings/{mid}/recording")
    page.get_by_label("Audio file").set_input_files(str(data / "jfk.flac"))
    page.get_by_role("button", name="Upload and process").click()
    page.get_by_text("1 waiting, 0 running").wait_for(timeout=30_000)
    cluster.start_worker("office-pc-2")
    started = time.monotonic()
    page.get_by_text("The draft minutes are ready").wait_for(timeout=10 * 60 * 1000)  # htmx polls the page
    print(f"\nthe queued upload was done {time.monotonic() - started:.0f}s after the worker started")
    job = page.locator("dl.job").inner_text()
    assert "office-pc-2" in job and "done" in job and "0 waiting, 0 running" in job, job
    assert re.search(r"Transcribe speech\s+\d+\.\d s", page.locator("ol.stages").inner_text())
    assert page.evaluate(CONTRAST) == []
    page.screenshot(path=str(SHOTS / "queue.png"), full_page=True)
    assert [u for u in requested if not u.startswith(url)] == []
