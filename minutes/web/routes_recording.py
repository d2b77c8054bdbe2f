"""Uploading a recording, live processing progress (htmx polling) with the job's queue details, resuming after
the consent gate stopped it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from minutes.errors import UsageError
from minutes.service import consent, joblist, jobs, meetings, queue, users
from minutes.service.users import SignedIn
from minutes.web.app import Id, ctx_of, guard, redirect, render, signed_in

router = APIRouter()
Viewer = Annotated[SignedIn, Depends(guard("meetings.view"))]
Uploader = Annotated[SignedIn, Depends(guard("recording.upload"))]
Redrafter = Annotated[SignedIn, Depends(guard("review.change"))]  # it replaces the draft under review
CHUNK = 1024 * 1024


def _progress(request: Request, meeting_id: Id) -> dict:
    ctx = ctx_of(request)
    job = jobs.progress(ctx, meeting_id)
    blockers = consent.blockers_for(ctx, meeting_id) if job and job.status == "blocked" else []
    rows, depth = joblist.list_jobs(ctx, meeting_id=meeting_id) if job else ([], {})
    return {
        "job": job,
        "rec": jobs.recording(ctx, meeting_id),  # stored by an upload, `minutes process` or `minutes attach`
        "blockers": blockers,
        "meeting_id": meeting_id,
        "row": rows[-1] if rows else None,  # the same row `minutes jobs` shows: worker, tries, seconds
        "depth": depth,  # jobs per queue state; empty without the distributed queue
    }


@router.get("/meetings/{meeting_id}/recording")
def recording_page(request: Request, meeting_id: Id, me: Viewer) -> Response:
    ctx = ctx_of(request)
    return render(
        request,
        "recording.html",
        m=meetings.detail(ctx, meeting_id),
        max_gb=jobs.MAX_UPLOAD_BYTES // 1024**3,
        speed=jobs.measured_speed(ctx),
        **_progress(request, meeting_id),
    )


@router.get("/meetings/{meeting_id}/progress")
def progress_part(request: Request, meeting_id: Id, me: Viewer) -> Response:
    return render(request, "progress.html", **_progress(request, meeting_id))


def _file_chunks(upload) -> Iterator[bytes]:
    upload.file.seek(0)
    while chunk := upload.file.read(CHUNK):
        yield chunk


def consent_first(request: Request, meeting_id: Id) -> None:
    """Before the upload's body is read (the guard reads the form): a signed-in user, and a meeting that may take
    it (everyone present consenting to recording); otherwise nothing of it reaches the disk, not even a spooled
    part."""
    users.require(signed_in(request).user, "recording.upload")  # a role that may not upload learns only that
    jobs.check_uploadable(ctx_of(request), meeting_id)


@router.post("/meetings/{meeting_id}/recording")
async def upload(
    request: Request, meeting_id: Id, _: Annotated[None, Depends(consent_first)], me: Uploader
) -> Response:
    form = await request.form()
    file = form.get("recording")
    if file is None or isinstance(file, str) or not file.filename:
        raise UsageError("choose a recording to upload")
    jobs.check_upload(file.filename, await file.read(64), file.size)
    queue.submit_upload(ctx_of(request), meeting_id, file.filename, _file_chunks(file), me.user.name)
    return redirect(f"/meetings/{meeting_id}/recording#progress")


@router.post("/meetings/{meeting_id}/redraft")
async def redraft(request: Request, meeting_id: Id, me: Redrafter) -> Response:
    """Draft the minutes again with the speakers' names (the worker runs it; the page follows its progress)."""
    jobs.queue_redraft(ctx_of(request), meeting_id, me.user.name)
    return redirect(f"/meetings/{meeting_id}/recording#progress")


@router.post("/meetings/{meeting_id}/process")
async def resume(request: Request, meeting_id: Id, me: Uploader) -> Response:
    queue.resume(ctx_of(request), meeting_id, me.user.name)
    return redirect(f"/meetings/{meeting_id}/recording#progress")
