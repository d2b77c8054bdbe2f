"""Every page and action of the web app through its routes, on a processed demo meeting built without
models."""

from __future__ import annotations

import io
import json
import re
import stat

import markupsafe
import pytest
from docx import Document
from processed_meeting import approve_and_release, run, stm_lines
from sqlmodel import select

from minutes.db import AuditEvent, ConsentRecord, Job
from minutes.errors import UsageError
from minutes.service import consent, jobs, worker


def actors(web, kind: str) -> list[str]:
    with web.ctx.tx() as s:
        return [e.actor for e in s.exec(select(AuditEvent).where(AuditEvent.kind == kind)).all()]


def test_meetings_list_shows_status_and_searches_by_title_and_date(web):
    client, csrf = web.login("clerk")
    created = client.post(
        "/meetings",
        data={
            "csrf": csrf,
            "title": "Governors' finance committee",
            "date": "2027-01-12",
            "participant_name": ["Ann", "Ben", ""],
            "participant_role": ["chair", "", ""],
        },
    )
    assert created.status_code == 303 and created.headers["location"].endswith("/consent")
    page = client.get("/").text
    assert "Science department meeting" in page and "Pending review" in page
    assert "Governors&#39; finance committee" in page and "Consent missing" in page
    found = client.get("/", params={"q": "FINANCE"}).text
    assert "finance committee" in found and "Science department" not in found and "1 meeting found" in found
    dated = client.get("/", params={"date_from": "2026-11-01", "date_to": "2026-11-30"}).text
    assert "Science department" in dated and "finance committee" not in dated
    partial = client.get("/", params={"q": "science"}, headers={"HX-Request": "true"}).text
    assert partial.startswith('\n<div id="meeting-table"') or partial.lstrip().startswith(
        '<div id="meeting-table"'
    )
    assert "<html" not in partial
    assert actors(web, "meeting.created")[-1] == "Clara Clerk"


def new_meeting(client, csrf: str, title: str, people: list[str]) -> tuple[int, dict[str, int]]:
    """Create a meeting through the form; returns its id and its participants' ids by name."""
    form = {"csrf": csrf, "title": title, "date": "2026-12-02", "participant_name": people}
    mid = int(client.post("/meetings", data=form).headers["location"].split("/")[2])
    page = client.get(f"/meetings/{mid}/consent").text
    return mid, {name: int(pid) for pid, name in re.findall(r'<option value="(\d+)">([^<]+)</option>', page)}


def give(client, csrf: str, mid: int, pid: int, decision: str, scopes, **extra):
    form = {
        "csrf": csrf,
        "participant": pid,
        "decision": decision,
        "scope": scopes,
        "method": "verbal",
        **extra,
    }
    return client.post(f"/meetings/{mid}/consent", data=form)


def test_consent_grid_give_with_a_range_refuse_history_and_notice(web):
    client, csrf = web.login("clerk")
    mid, ids = new_meeting(client, csrf, "Year 7 team", ["Ann", "Ben"])
    all_scopes = ["record", "transcribe", "diarise", "summarise"]
    assert give(client, csrf, mid, ids["Ann"], "give", all_scopes, evidence_at="0:08-0:14").status_code == 303
    saved = give(client, csrf, mid, ids["Ben"], "give", "record")
    assert saved.status_code == 303 and "?saved=" in saved.headers["location"]
    page = client.get(saved.headers["location"]).text  # what was saved, and Ben still chosen for the next one
    assert (
        "<strong>Saved:</strong> Ben\n  gives consent\n  to record (said aloud), recorded by Clara Clerk"
        in page
    )
    assert f'<option value="{ids["Ben"]}" selected>Ben</option>' in page
    assert give(client, csrf, mid, ids["Ben"], "refuse", "summarise").status_code == 303
    before = web.snapshot()
    bad = give(client, csrf, mid, ids["Ben"], "give", "record", evidence_at="0:14-0:08")
    assert bad.status_code == 400 and "inverted" in bad.text and web.snapshot() == before
    grid = client.get(f"/meetings/{mid}/consent").text
    assert grid.count("Given") >= 5 and "Refused" in grid and "Missing" in grid
    needed = re.findall(r"<li><strong>(\w+)</strong>: ([^<(]+)\(([^)]+)\)</li>", grid.replace("\n    ", " "))
    assert needed == [("Ben", "transcribe, diarise, summarise ", "not given yet, refused")]  # each once
    assert "at 0:08-0:14" in grid and "Clara Clerk" in grid
    with web.ctx.tx() as s:
        rows = s.exec(select(ConsentRecord).where(ConsentRecord.meeting_id == mid)).all()
    assert len(rows) == 6 and {r.recorded_by for r in rows} == {"Clara Clerk"}
    notice = client.get(f"/meetings/{mid}/consent/notice").text
    assert "Recording this meeting: Year 7 team, Wednesday 2 December 2026" in notice


def test_an_evidence_file_is_stored_by_its_hash_never_by_its_name(web):
    client, csrf = web.login("clerk")
    mid, ids = new_meeting(client, csrf, "Year 8 team", ["Ben"])
    upload = {"evidence_file": ("../../etc/passwd signed.pdf", b"%PDF-1.4 signed", "application/pdf")}
    form = {"csrf": csrf, "participant": ids["Ben"], "decision": "give", "scope": "record", "method": "form"}
    assert client.post(f"/meetings/{mid}/consent", data=form, files=upload).status_code == 303
    with web.ctx.tx() as s:
        [row] = s.exec(select(ConsentRecord).where(ConsentRecord.meeting_id == mid)).all()
    assert row.evidence_path == f"evidence/{row.evidence_sha256}.pdf"
    evidence = web.home / "files" / row.evidence_path
    assert evidence.read_bytes() == b"%PDF-1.4 signed" and stat.S_IMODE(evidence.stat().st_mode) == 0o600
    assert not any((web.home / "files" / "tmp").iterdir())  # the temporary copy is gone


def test_an_evidence_upload_is_held_to_the_configured_limit_as_on_the_command_line(web):
    client, csrf = web.login("clerk")
    mid, ids = new_meeting(client, csrf, "Year 9 team", ["Cy"])
    web.ctx.settings.limits.max_evidence_mb = 0.001  # as `[limits] max_evidence_mb = 0.001`: 1,000 bytes
    form = {"csrf": csrf, "participant": ids["Cy"], "decision": "give", "scope": "record", "method": "form"}

    def upload(size: int):
        return client.post(
            f"/meetings/{mid}/consent",
            data=form,
            files={"evidence_file": ("form.pdf", b"%" * size, "application/pdf")},
        )

    refused = upload(1001)
    assert refused.status_code == 400 and "at most 0.001 MB" in refused.text
    with web.ctx.tx() as s:
        assert not s.exec(select(ConsentRecord).where(ConsentRecord.meeting_id == mid)).all()
    assert upload(1000).status_code == 303


def test_withdrawal_asks_first_says_what_goes_then_removes_their_words(web):
    b = web.built
    clerk, csrf = web.login("clerk")
    reviewer, _ = web.login("reviewer")
    sam_line = str(markupsafe.escape(next(x.text for x in stm_lines() if x.speaker == "Sam")))
    assert sam_line in reviewer.get(f"/drafts/{b.draft_id}").text
    preview = clerk.get(f"/meetings/{b.meeting_id}/consent/withdraw/{b.participants['Sam']}").text
    sam_segments = sum(x.speaker == "Sam" for x in stm_lines())
    assert (
        f"{sam_segments} passages of their speech" in preview and "the meeting's audio recording" in preview
    )
    before = web.snapshot()
    unconfirmed = clerk.post(
        f"/meetings/{b.meeting_id}/consent/withdraw/{b.participants['Sam']}",
        data={"csrf": csrf, "method": "verbal"},
    )
    assert unconfirmed.status_code == 400 and "confirm" in unconfirmed.text and web.snapshot() == before
    done = clerk.post(
        f"/meetings/{b.meeting_id}/consent/withdraw/{b.participants['Sam']}",
        data={"csrf": csrf, "method": "verbal", "confirm": "yes"},
    )
    assert done.status_code == 303
    page = reviewer.get(f"/drafts/{b.draft_id}").text
    assert sam_line not in page and "The recording is no longer stored" in page
    audio = reviewer.get(f"/meetings/{b.meeting_id}/audio")
    assert audio.status_code == 409 and "was deleted" in audio.text
    assert actors(web, "consent.withdrawn") == ["Clara Clerk"] * 4


def test_upload_checks_type_before_storing_and_the_worker_stops_at_the_gate(web, demo):
    clerk, csrf = web.login("clerk")
    mid, people = new_meeting(clerk, csrf, "Staff briefing", ["Ann"])
    uploads = web.home / "files" / "uploads"
    wav = (demo / "meeting.wav").read_bytes()
    # issue 40, item 3: before everyone present consents to recording, nothing of a recording is kept
    early = clerk.post(f"/meetings/{mid}/recording", data={"csrf": csrf}, files={"recording": ("m.wav", wav)})
    assert early.status_code == 409 and "not everyone present consents to recording" in early.text
    assert "Ann (missing)" in early.text and (not uploads.exists() or not any(uploads.iterdir()))
    assert actors(web, "recording.upload") == []
    given = clerk.post(
        f"/meetings/{mid}/consent",
        data={
            "csrf": csrf,
            "participant": people["Ann"],
            "decision": "give",
            "scope": ["record"],
            "method": "verbal",
        },
    )
    assert given.status_code == 303
    for name, data, needle in (
        ("notes.txt", b"hello", "not an audio file"),
        ("meeting.wav", b"<html>not audio</html>", "does not look like audio"),
    ):
        bad = clerk.post(f"/meetings/{mid}/recording", data={"csrf": csrf}, files={"recording": (name, data)})
        assert bad.status_code == 400 and needle in bad.text
    assert not uploads.exists() or not any(uploads.iterdir())
    ok = clerk.post(
        f"/meetings/{mid}/recording",
        data={"csrf": csrf},
        files={"recording": ("../../evil name.wav", wav, "audio/wav")},
    )
    assert ok.status_code == 303
    [stored] = list(uploads.iterdir())
    assert (
        stored.suffix == ".wav" and "evil" not in stored.name and stat.S_IMODE(stored.stat().st_mode) == 0o600
    )
    assert "Waiting for the worker" in clerk.get(f"/meetings/{mid}/recording").text
    again = clerk.post(f"/meetings/{mid}/recording", data={"csrf": csrf}, files={"recording": ("m.wav", wav)})
    assert again.status_code == 409 and "already being processed" in again.text
    assert worker.run_pending(web.ctx) == 1  # the worker's own code, in this process; no model is loaded
    with web.ctx.tx() as s:
        job = s.exec(select(Job).where(Job.meeting_id == mid)).one()
    assert (job.status, job.batch, job.requested_by) == ("blocked", jobs.WEB_BATCH, "Clara Clerk")
    progress = clerk.get(f"/meetings/{mid}/progress").text
    assert (
        "Stopped: consent is needed" in progress
        and "Ann</strong> must consent to <strong>transcribe" in progress
    )
    assert "hx-get" not in progress  # polling stops once the job has stopped
    resumed = clerk.post(f"/meetings/{mid}/process", data={"csrf": csrf})
    assert resumed.status_code == 303 and "hx-get" in clerk.get(f"/meetings/{mid}/progress").text
    assert actors(web, "recording.upload") == ["Clara Clerk"] and actors(web, "job.resume") == ["Clara Clerk"]


def test_a_held_upload_goes_when_record_consent_is_refused_before_it_is_stored(web, demo):
    """Issue 40, item 3: the upload waits for the worker; a new participant refuses recording: it is deleted."""
    clerk, csrf = web.login("clerk")
    mid, people = new_meeting(clerk, csrf, "Staff briefing", ["Ann"])
    consent.record(web.ctx, mid, people["Ann"], "give", ["record"], "verbal", "Clara Clerk")
    wav = (demo / "meeting.wav").read_bytes()
    assert (
        clerk.post(
            f"/meetings/{mid}/recording", data={"csrf": csrf}, files={"recording": ("m.wav", wav)}
        ).status_code
        == 303
    )
    uploads = web.home / "files" / "uploads"
    assert len(list(uploads.iterdir())) == 1
    added = clerk.post(
        f"/meetings/{mid}/participants", data={"csrf": csrf, "name": "Ben", "attendance": "present"}
    )
    assert added.status_code == 303
    assert list(uploads.iterdir()) == [], "Ben has not consented: the recording is not kept for him"
    with web.ctx.tx() as s:
        job = s.exec(select(Job).where(Job.meeting_id == mid)).one()
    assert job.status == "blocked" and "upload it again" in job.reason
    assert worker.run_pending(web.ctx) == 0


def test_a_second_recording_for_a_meeting_is_refused_at_upload(web, demo):
    clerk, csrf = web.login("clerk")
    wav = (demo / "meeting.wav").read_bytes()
    mid = web.built.meeting_id
    again = clerk.post(f"/meetings/{mid}/recording", data={"csrf": csrf}, files={"recording": ("m.wav", wav)})
    assert again.status_code == 409 and "already has a recording" in again.text
    uploads = web.home / "files" / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())
    assert actors(web, "recording.upload") == []


def test_review_page_is_the_document_with_its_blockers_and_each_quote_plays_its_range(web):
    reviewer, _ = web.login("reviewer")
    page = reviewer.get(f"/drafts/{web.built.draft_id}").text
    order = re.findall(r'<article class="item[^"]*"\s+id="item-(\w+)"', page)
    assert order == ["f1", "d1", "a1", "d2", "a2", "a3"]  # flags apart, then the minutes in their order
    assert "2 items to check before approval:" in page and '<a href="#item-d2">D2</a>' in page
    assert "Preview and approve" not in page  # not until nothing blocks approval
    assert "1.1</span>" in page and "Resolved: The Year 9 science museum trip moves" in page
    first = next(x for x in stm_lines() if x.speaker == "Priya" and "So we're agreed" in x.text)
    assert f'data-start="{first.start}" data-end="{first.end}"' in page
    assert 'src="/meetings/1/audio"' in page and "Notes from drafting" in page and "owner was changed" in page
    assert '<span class="who">Priya</span>' in page  # the transcript names its speakers
    assert 'id="line-6" class="cited"' in page  # a line an item quotes is marked
    audio = reviewer.get("/meetings/1/audio", headers={"Range": "bytes=100-199"})
    assert audio.status_code == 206 and audio.headers["content-range"].startswith("bytes 100-199/")
    assert len(audio.content) == 100 and audio.content == web.built.audio.read_bytes()[100:200]


def test_review_steps_approve_release_and_download(web):
    d = web.built.draft_id
    reviewer, csrf = web.login("reviewer")
    asked = reviewer.post(f"/drafts/{d}/approve", data={"csrf": csrf})  # not confirmed: to the preview
    assert asked.status_code == 303 and asked.headers["location"] == f"/drafts/{d}/approve"
    blocked = reviewer.post(f"/drafts/{d}/approve", data={"csrf": csrf, "confirm": "yes"})
    assert (
        blocked.status_code == 409
        and "unresolved items: d2 (unsupported), f1 (staffing flag)" in blocked.text
    )
    assert reviewer.post(f"/drafts/{d}/items/f1", data={"csrf": csrf, "how": "keep"}).status_code == 303
    edit = reviewer.post(
        f"/drafts/{d}/items/d2",
        data={"csrf": csrf, "how": "edit", "text": "Year 7 will trial paper homework for a half term."},
    )
    assert edit.status_code == 303
    not_there = reviewer.post(f"/drafts/{d}/items/a1", data={"csrf": csrf, "how": "edit", "owner": "Zed"})
    assert not_there.status_code == 400 and "no participant" in not_there.text
    bad_date = reviewer.post(f"/drafts/{d}/items/a1", data={"csrf": csrf, "how": "edit", "due": "Friday"})
    assert bad_date.status_code == 400 and "not a date" in bad_date.text
    owner = reviewer.post(
        f"/drafts/{d}/items/a1",
        data={"csrf": csrf, "how": "edit", "text": "", "owner": "Helen", "due": "2026-11-30"},
    )
    assert owner.status_code == 303
    added = reviewer.post(
        f"/drafts/{d}/items",
        data={"csrf": csrf, "kind": "action", "text": "Tell the office", "owner": "Sam", "due": "2026-12-01"},
    )
    assert added.headers["location"].endswith("#item-a4")
    renamed = reviewer.post(
        f"/drafts/{d}/speakers", data={"csrf": csrf, "label": "SPEAKER_03", "participant": "Sam"}
    )
    assert renamed.status_code == 303
    page = reviewer.get(f"/drafts/{d}").text
    assert (
        "Nothing blocks approval" in page
        and "Action (Helen, by Monday 30 November 2026): Book the coach" in page
    )
    assert "a1</strong> edited by Rhys Reviewer" in page.replace("A1", "a1")
    preview = reviewer.get(f"/drafts/{d}/approve").text
    assert "These minutes file 2 decisions and 4 actions in 2 sections, with the summary" in preview
    assert "Not yet approved. Not yet released: a preview of what will be filed." in preview
    assert reviewer.post(f"/drafts/{d}/approve", data={"csrf": csrf, "confirm": "yes"}).status_code == 303
    clerk, clerk_csrf = web.login("clerk")
    early = clerk.post(f"/drafts/{d}/download/docx", data={"csrf": clerk_csrf})
    assert early.status_code == 409 and "only released minutes" in early.text
    assert "Release these minutes" in reviewer.get(f"/drafts/{d}/release").text
    before = web.snapshot()
    unconfirmed = reviewer.post(f"/drafts/{d}/release", data={"csrf": csrf})  # not confirmed: nothing filed
    assert unconfirmed.status_code == 303 and web.snapshot() == before
    assert "Release these minutes" in reviewer.get(f"/drafts/{d}/release").text  # still not released
    assert reviewer.post(f"/drafts/{d}/release", data={"csrf": csrf, "confirm": "yes"}).status_code == 303
    docx = clerk.post(f"/drafts/{d}/download/docx", data={"csrf": clerk_csrf})
    assert docx.status_code == 200 and "attachment" in docx.headers["content-disposition"]
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "Science department meeting" in text and "Reviewed and approved by Rhys Reviewer" in text
    cells = [c.text for t in Document(io.BytesIO(docx.content)).tables for row in t.rows for c in row.cells]
    assert "Helen" in cells and "Tell the office" in cells
    vtt = clerk.post(f"/drafts/{d}/download/vtt", data={"csrf": clerk_csrf})
    assert vtt.status_code == 200 and b"UNREVIEWED" in vtt.content
    md = clerk.post(f"/drafts/{d}/download/md", data={"csrf": clerk_csrf}).text
    assert "# Science department meeting" in md
    assert set(actors(web, "review.resolve")) == {"Rhys Reviewer"} and actors(web, "release") == [
        "Rhys Reviewer"
    ]
    assert actors(web, "export") == ["Clara Clerk"] * 3
    rejected = reviewer.post(f"/drafts/{d}/reject", data={"csrf": csrf, "reason": "late"})
    assert rejected.status_code == 409 and "already released" in rejected.text


def test_reject_needs_a_reason(web):
    reviewer, csrf = web.login("reviewer")
    before = web.snapshot()
    empty = reviewer.post(f"/drafts/{web.built.draft_id}/reject", data={"csrf": csrf, "reason": " "})
    assert empty.status_code == 400 and "needs a reason" in empty.text and web.snapshot() == before
    assert (
        reviewer.post(
            f"/drafts/{web.built.draft_id}/reject", data={"csrf": csrf, "reason": "wrong meeting"}
        ).status_code
        == 303
    )
    page = reviewer.get(f"/drafts/{web.built.draft_id}").text
    assert "<strong>Rejected</strong>: wrong meeting" in page and "Keep<" not in page


def test_audit_page_and_verify_button(web):
    client, csrf = web.login("clerk")
    log = client.get(f"/audit?meeting={web.built.meeting_id}").text
    assert "draft.create" in log and "meeting.created" in log
    verified = client.post("/audit/verify", data={"csrf": csrf, "meeting": str(web.built.meeting_id)}).text
    assert "The chain is intact" in verified
    with web.ctx.tx() as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.kind == "draft.create")).one()
        event.actor = "someone else"
        s.add(event)
    broken = client.post("/audit/verify", data={"csrf": csrf}).text
    assert f"broken at event {event.seq}" in broken and "was altered" in broken


def test_admin_manages_accounts_and_runs_retention(web):
    admin, csrf = web.login("admin")
    assert (
        admin.post(
            "/admin/users", data={"csrf": csrf, "name": "Nia New", "role": "reviewer", "password": "short"}
        ).status_code
        == 400
    )
    assert (
        admin.post(
            "/admin/users",
            data={"csrf": csrf, "name": "Nia New", "role": "reviewer", "password": "a long enough one"},
        ).status_code
        == 303
    )
    clerk, _ = web.login("clerk")
    assert admin.post("/admin/users/disable", data={"csrf": csrf, "name": "Clara Clerk"}).status_code == 303
    assert clerk.get("/").status_code == 303  # her session ended
    page = admin.get("/admin/users").text
    assert "Nia New" in page and "Disabled" in page
    assert "Would be deleted now" in admin.get("/admin/retention").text
    assert "Deleted:" in admin.post("/admin/retention", data={"csrf": csrf}).text
    assert actors(web, "user.disable") == ["Ada Admin"] and actors(web, "purge") == ["Ada Admin"]


def test_withdrawal_preview_counts_match_what_is_removed(web):
    b = web.built
    preview = consent.withdrawal_preview(web.ctx, b.meeting_id, b.participants["Tom"])
    reports = consent.withdraw(web.ctx, b.meeting_id, b.participants["Tom"], "verbal", "Clara Clerk")
    removed = reports[0]
    assert (preview.segments, preview.words) == (removed.segments_removed, removed.words_removed)
    assert preview.recordings_with_audio == len(removed.audio_deleted) == 1
    assert preview.voice_enrolments == removed.voice_enrolments_removed
    assert preview.drafts_to_review == removed.drafts_returned_to_review


def test_an_upload_over_the_size_limit_is_refused_before_it_is_stored():
    with pytest.raises(UsageError, match="too large"):
        jobs.check_upload("meeting.wav", b"RIFF\x00\x00\x00\x00WAVE", jobs.MAX_UPLOAD_BYTES + 1)


def test_withdrawal_offers_the_asr_spellings_of_their_name_and_redacts_those_ticked(web):
    """Issue 40, item 9: the ASR wrote "Thom" for Tom; the clerk ticks it and it goes with his name."""
    b = web.built
    with web.ctx.tx() as s:
        from minutes.db import SegmentRow

        row = s.exec(select(SegmentRow).where(SegmentRow.text.contains("Tom, can you book"))).one()
        row.text = row.text.replace("Tom, can you", "Thom, can you")
    clerk, csrf = web.login("clerk")
    tom = b.participants["Tom"]
    preview = clerk.get(f"/meetings/{b.meeting_id}/consent/withdraw/{tom}").text
    assert 'name="spelling" value="Thom"' in preview and "Other spellings" in preview
    done = clerk.post(
        f"/meetings/{b.meeting_id}/consent/withdraw/{tom}",
        data={"csrf": csrf, "method": "verbal", "confirm": "yes", "spelling": ["Thom"], "spellings": "Tam"},
    )
    assert done.status_code == 303
    with web.ctx.tx() as s:
        from minutes.db import SegmentRow

        texts = [seg.text for seg in s.exec(select(SegmentRow))]
    assert not [t for t in texts if "Thom" in t or "Tom" in t]
    assert any("a participant (consent withdrawn), can you book" in t for t in texts)


def test_the_meetings_list_says_when_a_withdrawal_changed_the_minutes(web):
    """Released minutes a withdrawal re-issued say so in the list (not just "Released"); so does a draft a
    withdrawal sent back to review."""
    b = web.built
    for ref in ("f1", "d2"):
        assert run("review", "resolve", b.draft_id, ref, "--keep", "--by", "R").exit_code == 0
    approve_and_release(b.draft_id)
    clerk, _ = web.login("clerk")
    assert "Released</span>" in clerk.get("/").text
    withdraw = ("consent", "withdraw", b.meeting_id, "Sam", "--scope", "all", "--method", "written")
    assert run(*withdraw, "--by", "Clara Clerk").exit_code == 0
    listed = clerk.get("/").text
    assert "Released, re-issued after a withdrawal</span>" in listed
    assert f'<a href="/drafts/{b.draft_id}/release">Download</a>' in listed
    assert "Released, re-issued after a withdrawal" in clerk.get(f"/meetings/{b.meeting_id}").text


def htmx(client, csrf: str) -> dict:
    return {"HX-Request": "true", "X-CSRF-Token": csrf}


def refused_plainly(response, needle: str) -> None:
    """A 4xx answer that is a readable page saying what was wrong."""
    assert 400 <= response.status_code < 500 and needle in response.text, (needle, response.text)
    assert "Traceback" not in response.text and "<html" in response.text


def test_a_reviewer_changes_an_items_kind_in_place_and_undoes_it(web):
    d = web.built.draft_id
    reviewer, csrf = web.login("reviewer")
    changed = reviewer.post(
        f"/drafts/{d}/items/d1/kind", data={"kind": "action"}, headers=htmx(reviewer, csrf)
    )
    assert changed.status_code == 200 and "<html" not in changed.text  # the document, in place
    assert "D1 is now an action, A4. Check its owner and due date. Undo puts it back." in changed.text
    form = changed.text[changed.text.index('id="item-a4"') :]
    form = form[: form.index("</article>")]
    assert 'class="edit"' in form and "Was D1, a decision" not in form  # opens in its form for the owner
    assert '<option value="Tom" selected>Tom</option>' in form  # asked by name in its lines: suggested
    assert 'id="item-d1"' not in changed.text  # A4 stands for it, with its evidence and the undo
    with web.ctx.tx() as s:
        [event] = s.exec(select(AuditEvent).where(AuditEvent.kind == "review.kind")).all()
    subject = json.loads(event.subject_json)
    assert event.actor == "Rhys Reviewer" and subject["item"] == "d1" and subject["added"] == ["a4"]
    page = reviewer.get(f"/drafts/{d}").text
    assert "Was D1, a decision" in page and 'formaction="/drafts/1/items/d1/restore"' in page
    assert "made D1 an action (A4)" in page  # the history says what became what
    owned = reviewer.post(
        f"/drafts/{d}/items/a4", data={"how": "edit", "owner": "Tom", "due": ""}, headers=htmx(reviewer, csrf)
    )
    assert "Action (Tom): The Year 9 science museum trip moves" in owned.text  # one more click saved it
    undone = reviewer.post(f"/drafts/{d}/items/d1/restore", headers=htmx(reviewer, csrf))
    assert undone.status_code == 200 and "D1 is back." in undone.text
    assert 'id="item-a4"' not in undone.text and "Resolved: The Year 9 science museum trip" in undone.text
    first = next(x for x in stm_lines() if x.speaker == "Priya" and "So we're agreed" in x.text)
    d1 = undone.text[undone.text.index('id="item-d1"') :]
    assert f'data-start="{first.start}"' in d1[: d1.index("</article>")]  # its evidence came back
    assert "undid the change of D1 to A4" in reviewer.get(f"/drafts/{d}").text
    assert actors(web, "review.restore") == ["Rhys Reviewer"]


def test_changing_a_kind_is_refused_plainly_for_bad_input_a_clerk_and_a_forged_post(web):
    d = web.built.draft_id
    reviewer, csrf = web.login("reviewer")
    clerk, clerk_csrf = web.login("clerk")
    before = web.snapshot()
    for ref, kind, needle in (
        ("d1", "motion", "unknown item kind"),
        ("d1", "decision", "already a decision"),
        ("f1", "action", "is a flag"),
        ("d9", "action", "no item d9"),
    ):
        refused_plainly(
            reviewer.post(f"/drafts/{d}/items/{ref}/kind", data={"csrf": csrf, "kind": kind}), needle
        )
    assert (
        clerk.post(f"/drafts/{d}/items/d1/kind", data={"csrf": clerk_csrf, "kind": "action"}).status_code
        == 403
    )
    forged = reviewer.post(f"/drafts/{d}/items/d1/kind", data={"csrf": "forged", "kind": "action"})
    assert forged.status_code == 403 and web.snapshot() == before


def test_a_reviewer_adds_an_item_from_transcript_lines_that_cites_and_plays_them(web):
    d = web.built.draft_id
    reviewer, csrf = web.login("reviewer")
    lines = stm_lines()
    form = reviewer.get(f"/drafts/{d}/lines/11/add?to=12", headers={"HX-Request": "true"}).text
    assert 'name="first" value="11"' in form and 'name="last" value="12"' in form
    assert f'data-start="{lines[10].start}" data-end="{lines[11].end}"' in form  # plays lines 11 to 12
    assert "<option selected>Sam</option>" in form  # asked by name in them: the suggested owner
    assert reviewer.get(f"/drafts/{d}/lines/11/add?to=12").headers["location"] == (
        f"/drafts/{d}?add=11&to=12#line-11"  # without JavaScript: the page, the form open
    )
    assert 'name="last" value="12"' in reviewer.get(f"/drafts/{d}?add=11&to=12").text
    added = reviewer.post(
        f"/drafts/{d}/items",
        data={
            "kind": "point",
            "text": "Parents will hear of the trial before half term.",
            "first": "11",
            "last": "12",
            "owner": "Sam",
        },  # the owner field the form pre-fills is for actions only
        headers=htmx(reviewer, csrf),
    )
    assert added.status_code == 200 and "P1 added, citing 2 lines." in added.text
    p1 = added.text[added.text.index('id="item-p1"') :]
    p1 = p1[: p1.index("</article>")]
    assert f'data-start="{lines[10].start}" data-end="{lines[10].end}"' in p1 and "line 12" in p1
    assert 'id="line-11" class="cited"' in added.text  # the transcript, updated beside it
    action = reviewer.post(
        f"/drafts/{d}/items",
        data={"csrf": csrf, "kind": "action", "text": "Check the budget", "first": "15", "owner": "Priya"},
    )
    assert action.status_code == 303 and action.headers["location"].endswith("#item-a4")
    with web.ctx.tx() as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.kind == "review.add")).all()
    subjects = [(e.actor, json.loads(e.subject_json)) for e in events]
    assert [(actor, x["added"], x["evidence"]) for actor, x in subjects] == [
        ("Rhys Reviewer", ["p1"], 2),
        ("Rhys Reviewer", ["a4"], 1),
    ]


def test_adding_from_lines_is_refused_plainly_for_bad_lines_a_clerk_and_a_forged_post(web):
    d = web.built.draft_id
    reviewer, csrf = web.login("reviewer")
    clerk, clerk_csrf = web.login("clerk")
    before = web.snapshot()
    for first, last, needle in (
        ("99", "", "not in the transcript (1 to 16)"),
        ("two", "", "not line numbers"),
        ("5", "3", "not in the transcript"),
    ):
        form = {"csrf": csrf, "kind": "point", "text": "A point", "first": first, "last": last}
        refused_plainly(reviewer.post(f"/drafts/{d}/items", data=form), needle)
    assert reviewer.get(f"/drafts/{d}/lines/99/add", headers={"HX-Request": "true"}).status_code == 400
    assert clerk.get(f"/drafts/{d}/lines/2/add", headers={"HX-Request": "true"}).status_code == 403
    form = {"kind": "point", "text": "A point", "first": "2"}
    assert clerk.post(f"/drafts/{d}/items", data={**form, "csrf": clerk_csrf}).status_code == 403
    assert reviewer.post(f"/drafts/{d}/items", data={**form, "csrf": "forged"}).status_code == 403
    assert web.snapshot() == before


def test_a_change_of_kind_changed_again_is_undone_one_step_at_a_time(web):
    d = web.built.draft_id
    reviewer, csrf = web.login("reviewer")
    made = reviewer.post(f"/drafts/{d}/items/d1/kind", data={"csrf": csrf, "kind": "action"})
    assert made.headers["location"] == f"/drafts/{d}?edit=a4#item-a4"  # without JavaScript: its form, open
    again = reviewer.post(f"/drafts/{d}/items/a4/kind", data={"csrf": csrf, "kind": "point"})
    assert again.headers["location"] == f"/drafts/{d}#item-p1"
    page = reviewer.get(f"/drafts/{d}").text
    assert "Was A4, an action" in page and 'id="item-a4"' not in page and 'id="item-d1"' not in page
    before = web.snapshot()
    skipped = reviewer.post(f"/drafts/{d}/items/d1/restore", data={"csrf": csrf})
    assert skipped.status_code == 409 and "undo the change of a4 first" in skipped.text
    assert web.snapshot() == before
    for ref in ("a4", "d1"):
        assert reviewer.post(f"/drafts/{d}/items/{ref}/restore", data={"csrf": csrf}).status_code == 303
    page = reviewer.get(f"/drafts/{d}").text
    assert 'id="item-d1"' in page and 'id="item-a4"' not in page and 'id="item-p1"' not in page
    assert "Resolved: The Year 9 science museum trip moves" in page


def test_the_review_forms_carry_the_limits_the_server_holds_an_edit_to(web):
    """minutes.db.domain.REVIEWER_CHARS: each edit field says its limit (`maxlength`); a post over it (a script,
    or a browser that ignores maxlength) gets a readable 4xx page and changes nothing."""
    d = web.built.draft_id
    reviewer, csrf = web.login("reviewer")
    action = reviewer.get(f"/drafts/{d}/items/a1/edit", headers={"HX-Request": "true"}).text
    assert re.search(r'<textarea id="text-a1" name="text"[^>]* maxlength="1000"', action)
    assert re.search(r'<input type="text" id="due-a1" name="due"[^>]* maxlength="200"', action)
    decision = reviewer.get(f"/drafts/{d}/items/d1/edit", headers={"HX-Request": "true"}).text
    assert re.search(r'id="vote-d1" name="vote"[^>]* maxlength="200"', decision)
    summary = reviewer.get(f"/drafts/{d}/summary/edit", headers={"HX-Request": "true"}).text
    assert 'maxlength="10000"' in summary
    adding = reviewer.get(f"/drafts/{d}/lines/11/add", headers={"HX-Request": "true"}).text
    assert re.search(r'id="add-text-11" name="text"[^>]* maxlength="1000"', adding)
    before = web.snapshot()
    for path, form, needle in (
        (f"/drafts/{d}/items/d1", {"how": "edit", "text": "x" * 1001}, "d1&#39;s text is 1,001 characters"),
        (
            f"/drafts/{d}/items/d1",
            {"how": "edit", "proposer": "", "seconder": "", "vote": "v" * 201},
            "d1&#39;s vote is 201",
        ),
        (f"/drafts/{d}/items", {"kind": "decision", "text": "x" * 1001}, "the new decision&#39;s text"),
        (f"/drafts/{d}/summary", {"summary": "s" * 10001}, "more than the 10,000 allowed"),
    ):
        refused_plainly(reviewer.post(path, data={"csrf": csrf, **form}), needle)
    assert web.snapshot() == before
    saved = reviewer.post(f"/drafts/{d}/items/d1", data={"csrf": csrf, "how": "edit", "text": "y" * 1000})
    assert saved.status_code == 303 and web.snapshot() != before
