"""Every state-changing route, tried by every role: a forbidden one gets 403 and changes no row; pages
likewise."""

from __future__ import annotations

import pytest
from web_helpers import ACCOUNTS

from minutes.service.users import PERMISSIONS


def posts(b) -> list[tuple[str, str, dict, dict | None]]:
    """(permission, path, form, files) for every POST route except sign-in and sign-out."""
    m, d, sam = b.meeting_id, b.draft_id, b.participants["Sam"]
    wav = {"recording": ("meeting.wav", b"RIFF\x00\x00\x00\x00WAVEfmt ", "audio/wav")}
    return [
        (
            "meetings.create",
            "/meetings",
            {"title": "Governors", "date": "2026-12-01", "participant_name": "Ann"},
            None,
        ),
        ("participants.change", f"/meetings/{m}/participants", {"name": "Zoë", "role": "governor"}, None),
        ("participants.change", f"/meetings/{m}/participants/{sam}/remove", {}, None),
        (
            "participants.change",
            f"/meetings/{m}/participants/{sam}/attendance",
            {"attendance": "present"},
            None,
        ),
        ("meetings.agenda", f"/meetings/{m}/agenda", {"agenda": "1. Apologies\n2. AOB"}, None),
        ("meetings.agenda", f"/meetings/{m}/body", {"new_body": "Full governing board"}, None),
        ("review.change", f"/meetings/{m}/matters/1", {"status": "done"}, None),
        (
            "consent.record",
            f"/meetings/{m}/consent",
            {"participant": str(sam), "decision": "give", "scope": "record", "method": "verbal"},
            None,
        ),
        (
            "consent.record",
            f"/meetings/{m}/consent/withdraw/{sam}",
            {"confirm": "yes", "method": "verbal"},
            None,
        ),
        ("recording.upload", f"/meetings/{m}/recording", {}, wav),
        ("recording.upload", f"/meetings/{m}/process", {}, None),
        ("review.change", f"/drafts/{d}/items/f1", {"how": "keep"}, None),
        ("review.change", f"/drafts/{d}/items", {"kind": "decision", "text": "Also agreed."}, None),
        ("review.change", f"/drafts/{d}/speakers", {"label": "SPEAKER_00", "participant": "Priya"}, None),
        ("review.change", f"/drafts/{d}/items/a1/restore", {}, None),
        ("review.change", f"/drafts/{d}/items/d1/kind", {"kind": "action"}, None),
        (
            "review.change",
            f"/drafts/{d}/items",
            {"kind": "point", "text": "Said then.", "first": "2", "last": "3"},
            None,
        ),
        ("review.change", f"/drafts/{d}/summary", {"summary": "Changed."}, None),
        ("review.change", f"/drafts/{d}/lines/1", {"text": "Okay, let's begin."}, None),
        ("review.decide", f"/drafts/{d}/approve", {}, None),
        ("review.decide", f"/drafts/{d}/reject", {"reason": "wrong meeting"}, None),
        ("release.release", f"/drafts/{d}/release", {}, None),
        ("release.download", f"/drafts/{d}/download/vtt", {}, None),
        ("part2.export", f"/drafts/{d}/part2/md", {"template": "governors"}, None),
        (
            "users.manage",
            "/admin/users",
            {"name": "New Clerk", "role": "clerk", "password": "kettle orbit lantern"},
            None,
        ),
        (
            "users.manage",
            "/admin/users/password",
            {"name": "Clara Clerk", "password": "violet harbour engine"},
            None,
        ),
        ("users.manage", "/admin/users/disable", {"name": "Clara Clerk"}, None),
        ("retention.run", "/admin/retention", {}, None),
        ("audit.view", "/audit/verify", {}, None),
    ]


def pages(b) -> list[tuple[str, str]]:
    m, d, sam = b.meeting_id, b.draft_id, b.participants["Sam"]
    return [
        ("meetings.view", "/"),
        ("meetings.create", "/meetings/new"),
        ("meetings.view", f"/meetings/{m}"),
        ("consent.view", f"/meetings/{m}/consent"),
        ("consent.view", f"/meetings/{m}/consent/notice"),
        ("consent.record", f"/meetings/{m}/consent/withdraw/{sam}"),
        ("meetings.view", f"/meetings/{m}/recording"),
        ("meetings.view", f"/meetings/{m}/progress"),
        ("review.view", f"/drafts/{d}"),
        ("review.view", f"/drafts/{d}/items/a1"),
        ("review.change", f"/drafts/{d}/items/a1/edit"),
        ("review.view", f"/drafts/{d}/summary"),
        ("review.change", f"/drafts/{d}/summary/edit"),
        ("review.view", f"/drafts/{d}/lines/1"),
        ("review.change", f"/drafts/{d}/lines/1/edit"),
        ("review.change", f"/drafts/{d}/lines/1/add?to=2"),
        ("review.decide", f"/drafts/{d}/approve"),
        ("recording.listen", f"/meetings/{m}/audio"),
        ("release.download", f"/drafts/{d}/release"),
        ("release.download", "/actions"),
        ("release.download", "/actions?who=all&format=csv"),
        ("audit.view", "/audit"),
        ("audit.view", f"/audit?meeting={m}"),
        ("users.manage", "/admin/users"),
        ("retention.run", "/admin/retention"),
    ]


def test_every_permission_is_exercised_by_a_route(web):
    used = {p for p, *_ in posts(web.built)} | {p for p, _ in pages(web.built)}
    assert used == set(PERMISSIONS)


@pytest.mark.parametrize("role", list(ACCOUNTS))
def test_role_matrix_for_state_changing_routes(web, role):
    client, csrf = web.login(role)
    for permission, path, form, files in posts(web.built):
        before = web.snapshot()
        response = client.post(path, data={**form, "csrf": csrf}, files=files)
        if role in PERMISSIONS[permission]:
            assert response.status_code != 403, (role, path, response.text[:300])
        else:
            assert response.status_code == 403, (role, path, response.status_code)
            assert "Not allowed" in response.text and "Traceback" not in response.text
            assert permission not in response.text and "`" not in response.text  # plain words only
            assert web.snapshot() == before, (role, path)


@pytest.mark.parametrize("role", list(ACCOUNTS))
def test_role_matrix_for_pages(web, role):
    client, _ = web.login(role)
    for permission, path in pages(web.built):
        response = client.get(path, headers={"HX-Request": "true"})  # the page, or the part htmx asks for
        expected = {200, 206} if role in PERMISSIONS[permission] else {403}
        assert response.status_code in expected, (role, path, response.status_code)


def test_signed_out_requests_go_to_sign_in_and_change_nothing(web):
    client = web.client()
    for _, path in pages(web.built):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/login"), path
    for _, path, form, files in posts(web.built):
        before = web.snapshot()
        response = client.post(path, data=form, files=files)
        assert response.status_code == 303 and response.headers["location"] == "/login", path
        assert web.snapshot() == before, path


def test_a_clerk_reads_the_draft_and_hears_its_quotes_but_changes_nothing(web):
    """The clerk files the minutes, so reads the draft as it will be filed, with Play beside each quote; every
    change is the reviewer's, and a refusal says so in words."""
    clerk, csrf = web.login("clerk")
    d = web.built.draft_id
    page = clerk.get(f"/drafts/{d}").text
    assert "The minutes, as they will be filed" in page and 'class="play"' in page
    assert 'data-key="keep"' not in page and "Correct<" not in page and "Edit the summary" not in page
    assert "Add an item the draft missed" not in page and "Reject the draft" not in page
    refused = clerk.post(f"/drafts/{d}/items/a1", data={"csrf": csrf, "how": "keep"})
    assert refused.status_code == 403
    assert "a clerk may not do this: change drafts is for a reviewer" in refused.text
    assert "review.change" not in refused.text
    listed = clerk.get("/").text
    assert f'<a href="/drafts/{d}">Read the draft</a>' in listed
