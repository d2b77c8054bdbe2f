"""The review page and its steps, the evidence audio (HTTP Range), release and downloads."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response

from minutes.errors import UsageError
from minutes.service import flags, part2, processing, release, review
from minutes.service.users import SignedIn
from minutes.web.app import Id, ctx_of, guard, redirect, render
from minutes.web.routes_meetings import number, text

router = APIRouter()
Reader = Annotated[SignedIn, Depends(guard("review.view"))]
Editor = Annotated[SignedIn, Depends(guard("review.change"))]
Decider = Annotated[SignedIn, Depends(guard("review.decide"))]
Listener = Annotated[SignedIn, Depends(guard("recording.listen"))]
Releaser = Annotated[SignedIn, Depends(guard("release.release"))]
Downloader = Annotated[SignedIn, Depends(guard("release.download"))]
Confidential = Annotated[SignedIn, Depends(guard(part2.PERMISSION))]


@router.get("/drafts/{draft_id}")
def review_page(request: Request, draft_id: Id, me: Reader) -> Response:
    ctx = ctx_of(request)
    page = review.page(ctx, draft_id)
    advice = processing.redraft_advice(ctx, page.draft.meeting_id)
    return render(
        request,
        "review.html",
        r=page,
        advice=advice if advice and advice.draft_id == draft_id else None,
        flagged=flags.flagged_lines(ctx, draft_id),
        flag_kinds=flags.KINDS,
    )


@router.post("/drafts/{draft_id}/flags/{ref}/clear")
async def clear_flag(request: Request, draft_id: Id, ref: str, me: Editor) -> Response:
    """Clear a false sensitive flag, with the reviewer's reason."""
    form = await request.form()
    flags.clear(ctx_of(request), draft_id, ref, text(form, "reason"), me.user.name)
    return redirect(f"/drafts/{draft_id}#item-{ref}")


@router.post("/drafts/{draft_id}/flags")
async def flag_lines(request: Request, draft_id: Id, me: Editor) -> Response:
    """Flag transcript lines (first to last) as sensitive."""
    form = await request.form()
    first, last = text(form, "first"), text(form, "last")
    done = flags.flag(
        ctx_of(request), draft_id, me.user.name, lines=f"{first}-{last or first}", kind=text(form, "kind")
    )
    return redirect(f"/drafts/{draft_id}#item-{done.flag.ref}")


@router.post("/drafts/{draft_id}/items/{ref}")
async def resolve_item(request: Request, draft_id: Id, ref: str, me: Editor) -> Response:
    form = await request.form()
    how = text(form, "how")
    if how not in ("keep", "remove", "edit", "part2"):
        raise UsageError("choose keep, remove, part 2 or save changes")
    review.resolve(
        ctx_of(request),
        draft_id,
        ref,
        how,
        me.user.name,
        text=text(form, "text"),
        owner=text(form, "owner"),
        due=text(form, "due"),
    )
    return redirect(f"/drafts/{draft_id}#item-{ref}")


@router.post("/drafts/{draft_id}/items/{ref}/move")
async def move_item(request: Request, draft_id: Id, ref: str, me: Editor) -> Response:
    """Minute a decision, action or point under another agenda item ("0": where its evidence places it)."""
    form = await request.form()
    review.move(ctx_of(request), draft_id, ref, number(form, "agenda_item") or None, me.user.name)
    return redirect(f"/drafts/{draft_id}#item-{ref}")


@router.post("/drafts/{draft_id}/items/{ref}/motion")
async def set_motion(request: Request, draft_id: Id, ref: str, me: Editor) -> Response:
    form = await request.form()
    review.set_motion(
        ctx_of(request),
        draft_id,
        ref,
        text(form, "proposer"),
        text(form, "seconder"),
        text(form, "vote"),
        me.user.name,
    )
    return redirect(f"/drafts/{draft_id}#item-{ref}")


@router.post("/drafts/{draft_id}/items")
async def add_item(request: Request, draft_id: Id, me: Editor) -> Response:
    form = await request.form()
    added = review.add_item(
        ctx_of(request),
        draft_id,
        text(form, "kind"),
        text(form, "text"),
        me.user.name,
        owner=text(form, "owner"),
        due=text(form, "due"),
        agenda_item=(number(form, "agenda_item") if text(form, "agenda_item") else 0) or None,
    )
    return redirect(f"/drafts/{draft_id}#item-{added.ref}")


@router.post("/drafts/{draft_id}/approve")
async def approve(request: Request, draft_id: Id, me: Decider) -> Response:
    review.approve(ctx_of(request), draft_id, me.user.name)
    return redirect(f"/drafts/{draft_id}/release")


@router.post("/drafts/{draft_id}/reject")
async def reject(request: Request, draft_id: Id, me: Decider) -> Response:
    form = await request.form()
    review.reject(ctx_of(request), draft_id, text(form, "reason"), me.user.name)
    return redirect(f"/drafts/{draft_id}")


@router.post("/drafts/{draft_id}/speakers")
async def rename_speaker(request: Request, draft_id: Id, me: Editor) -> Response:
    form = await request.form()
    review.rename_speaker(
        ctx_of(request), draft_id, text(form, "label"), text(form, "participant"), me.user.name
    )
    return redirect(f"/drafts/{draft_id}#transcript")


@router.post("/drafts/{draft_id}/speakers/{step}")
async def speaker_step(
    request: Request, draft_id: int, step: Literal["accept", "unname"], me: Editor
) -> Response:
    """Accept the name the talk suggests for a speaker, or undo a speaker's name (one button each)."""
    form = await request.form()
    do = review.accept_speaker if step == "accept" else review.unname_speaker
    do(ctx_of(request), draft_id, text(form, "label"), me.user.name)
    return redirect(f"/drafts/{draft_id}#speakers")


@router.get("/meetings/{meeting_id}/audio")
def audio(request: Request, meeting_id: Id, me: Listener) -> Response:
    """The recording, with HTTP Range support so the browser can seek to a quote."""
    path = review.audio_file(ctx_of(request), meeting_id)
    media = {
        ".wav": "audio/wav",
        ".mp3": "audio/mpeg",
        ".ogg": "audio/ogg",
        ".opus": "audio/ogg",
        ".flac": "audio/flac",
        ".m4a": "audio/mp4",
        ".webm": "audio/webm",
    }.get(path.suffix, "audio/wav")
    return FileResponse(path, media_type=media, headers={"Cache-Control": "no-store"})


@router.get("/drafts/{draft_id}/release")
def release_page(request: Request, draft_id: Id, me: Downloader) -> Response:
    return render(
        request,
        "release.html",
        rel=release.info(ctx_of(request), draft_id),
        formats=release.FORMATS,
        layout_formats={"md": "Markdown", "docx": "Word"},
    )


@router.post("/drafts/{draft_id}/release")
async def do_release(request: Request, draft_id: Id, me: Releaser) -> Response:
    release.release(ctx_of(request), draft_id, me.user.name)
    return redirect(f"/drafts/{draft_id}/release")


@router.post("/drafts/{draft_id}/download/{fmt}")
async def download(request: Request, draft_id: Id, fmt: str, me: Downloader) -> Response:
    form = await request.form()
    got = release.download(ctx_of(request), draft_id, fmt, me.user.name, text(form, "template") or None)
    return Response(
        got.data,
        media_type=got.media_type,
        headers={"Content-Disposition": f'attachment; filename="{got.filename}"'},
    )


@router.post("/drafts/{draft_id}/part2/{fmt}")
async def download_part2(request: Request, draft_id: Id, fmt: str, me: Confidential) -> Response:
    """The part-2 (confidential) record: reviewers only (403 for everyone else, before anything is written)."""
    form = await request.form()
    got = part2.download(ctx_of(request), draft_id, fmt, me.user, text(form, "template") or "governors")
    return Response(
        got.data,
        media_type=got.media_type,
        headers={"Content-Disposition": f'attachment; filename="{got.filename}"'},
    )
