"""The review page (the draft as the document it will be filed as, the transcript beside it), its steps, the
evidence audio (HTTP Range), the preview and confirmation before approval and release, and downloads.

Each reviewer step is a form that works without JavaScript (a POST, then back to the page); with htmx it updates
only the part of the page it touches: the document, the status above it and a spoken message, or one
transcript line.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response

from minutes.db import Resolution
from minutes.errors import UsageError
from minutes.service import document, flags, part2, processing, release, review
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
LAYOUT_COOKIE = "minutes_layout"


def _layout(request: Request) -> str:
    """The template the document is laid out in: asked for in the address, else as last chosen."""
    return document.layout_of(request.query_params.get("layout") or request.cookies.get(LAYOUT_COOKIE))


def _htmx(request: Request) -> bool:
    return bool(request.headers.get("hx-request"))


def _page(request: Request, draft_id: int) -> document.ReviewPage:
    return document.page(ctx_of(request), draft_id, _layout(request))


def _updated(
    request: Request,
    draft_id: int,
    said: str,
    focus: str | None = None,
    line: int | None = None,
    transcript: bool = False,
    onwards: bool = False,
    editing: bool = False,
):
    """After a step: with htmx, the document, the status and the spoken message (and the corrected line, or the
    whole transcript when a step changed its marks), focus on the item (`onwards`: the one after it; `editing`:
    its edit form, open); else back to the page at the item."""
    if not _htmx(request):
        anchor = f"#line-{line}" if line else f"#item-{focus}" if focus else ""
        query = f"?edit={focus}" if editing and focus else ""
        return redirect(f"/drafts/{draft_id}{query}{anchor}")
    r = _page(request, draft_id)
    return render(
        request,
        "review_update.html",
        r=r,
        said=said,
        focus=_after(r, focus) if onwards and focus else focus,
        editing=focus if editing else "",
        line=line and r.line(line),
        transcript=transcript,
    )


@router.get("/drafts/{draft_id}")
def review_page(
    request: Request,
    draft_id: Id,
    me: Reader,
    edit: str = "",
    line: int = 0,
    flag: int = 0,
    add: int = 0,
    to: int = 0,
) -> Response:
    """The page; `?edit=a1`, `?line=6`, `?flag=6` or `?add=6&to=8` open that item's form, or a line's form to
    correct it, flag it or add an item from it (the same forms htmx loads in place)."""
    ctx = ctx_of(request)
    r = _page(request, draft_id)
    advice = processing.redraft_advice(ctx, r.draft.meeting_id)
    response = render(
        request,
        "review.html",
        r=r,
        advice=advice if advice and advice.draft_id == draft_id else None,
        editing=edit.lower(),
        correcting=line,
        flagging=flag,
        adding=add,
        to=max(to, add),
        kinds=flags.KINDS,
        said="",
    )
    if request.query_params.get("layout") in document.LAYOUTS:
        response.set_cookie(LAYOUT_COOKIE, r.document.layout, httponly=True, samesite="strict")
    return response


@router.get("/drafts/{draft_id}/items/{ref}")
def item_part(request: Request, draft_id: Id, ref: str, me: Reader) -> Response:
    return _item(request, draft_id, ref, editing=False)


@router.get("/drafts/{draft_id}/items/{ref}/edit")
def item_form(request: Request, draft_id: Id, ref: str, me: Editor) -> Response:
    return _item(request, draft_id, ref, editing=True)


def _item(request: Request, draft_id: int, ref: str, editing: bool) -> Response:
    r = _page(request, draft_id)
    found = r.item(ref.strip().lower())
    if found is None:
        raise UsageError(f"draft {draft_id} has no item {ref[:10]}")
    if not _htmx(request):
        return redirect(
            f"/drafts/{draft_id}?edit={found.ref}#item-{found.ref}"
            if editing
            else f"/drafts/{draft_id}#item-{found.ref}"
        )
    return render(request, "review_item.html", r=r, di=found, editing=editing)


@router.post("/drafts/{draft_id}/items/{ref}")
async def resolve_item(request: Request, draft_id: Id, ref: str, me: Editor) -> Response:
    """Keep, remove, send to part 2, or save the item's edit form (words, owner, due date, agenda item, motion)."""
    form = await request.form()
    how, ref, ctx = text(form, "how"), ref.strip().lower(), ctx_of(request)
    if how not in ("keep", "remove", "edit", "part2"):
        raise UsageError("choose keep, remove, part 2 or save changes")
    if how == "edit":
        review.update_item(
            ctx,
            draft_id,
            ref,
            me.user.name,
            text=text(form, "text") or None,
            owner=text(form, "owner") if "owner" in form else None,
            due=text(form, "due") if "due" in form else None,
            agenda_item=(number(form, "agenda_item") or None) if text(form, "agenda_item") else False,
            motion=(text(form, "proposer"), text(form, "seconder"), text(form, "vote"))
            if "vote" in form
            else None,
        )
        return _updated(request, draft_id, f"{ref.upper()} saved.", ref)
    review.resolve(ctx, draft_id, ref, how, me.user.name)
    said = {
        "keep": f"{ref.upper()} kept.",
        "remove": f"{ref.upper()} removed. Undo puts it back.",
        "part2": f"{ref.upper()} goes to the part-2 (confidential) record.",
    }[how]
    return _updated(request, draft_id, said, ref, onwards=how == "keep")


def _after(r: document.ReviewPage, ref: str) -> str:
    """The item after `ref` in the document (where a keyboard review goes on), else `ref` itself."""
    order = [i.ref for i in r.document.flags] + [
        i.ref
        for s in r.document.sections
        for i in (*s.points, *s.entries)
        if i.item.resolution != Resolution.REMOVED
    ]
    return order[order.index(ref) + 1] if ref in order[:-1] else ref


@router.post("/drafts/{draft_id}/items/{ref}/restore")
async def restore_item(request: Request, draft_id: Id, ref: str, me: Editor) -> Response:
    """Undo a removal, or a change of kind (the item made from this one goes)."""
    back = review.restore(ctx_of(request), draft_id, ref, me.user.name)
    return _updated(request, draft_id, f"{back.ref.upper()} is back.", back.ref)


KIND_WORDS = {"decision": "a decision", "action": "an action", "point": "a discussion point"}


@router.post("/drafts/{draft_id}/items/{ref}/kind")
async def change_kind(request: Request, draft_id: Id, ref: str, me: Editor) -> Response:
    """Make the item a decision, an action or a discussion point (`minutes review resolve --kind`); an action
    made so opens its edit form, its owner suggested by its lines, for the owner and due date it needs."""
    form = await request.form()
    old, new = review.change_kind(ctx_of(request), draft_id, ref, text(form, "kind"), me.user.name)
    said = f"{old.ref.upper()} is now {KIND_WORDS[new.kind]}, {new.ref.upper()}." + (
        " Check its owner and due date." if new.kind == "action" else ""
    )
    return _updated(request, draft_id, said + " Undo puts it back.", new.ref, editing=new.kind == "action")


@router.post("/drafts/{draft_id}/items")
async def add_item(request: Request, draft_id: Id, me: Editor) -> Response:
    """Add an item the draft missed; from the transcript, citing lines `first` to `last` (as `minutes review
    add --lines`). The owner and due date fields are for actions: another kind ignores them."""
    form = await request.form()
    kind, first, last = text(form, "kind"), text(form, "first").strip(), text(form, "last").strip()
    action = kind.strip().lower() == "action"
    added = review.add_item(
        ctx_of(request),
        draft_id,
        kind,
        text(form, "text"),
        me.user.name,
        owner=text(form, "owner") if action else None,
        due=text(form, "due") if action else None,
        agenda_item=(number(form, "agenda_item") if text(form, "agenda_item") else 0) or None,
        lines=f"{first}-{last or first}" if first else None,
    )
    cites = len(added.evidence)
    said = f"{added.ref.upper()} added" + (
        f", citing {cites} line{'s' if cites != 1 else ''}." if cites else "."
    )
    return _updated(request, draft_id, said, added.ref, transcript=bool(first))


@router.get("/drafts/{draft_id}/summary")
def summary_part(request: Request, draft_id: Id, me: Reader) -> Response:
    return render(request, "review_summary.html", r=_page(request, draft_id), editing=False)


@router.get("/drafts/{draft_id}/summary/edit")
def summary_form(request: Request, draft_id: Id, me: Editor) -> Response:
    if not _htmx(request):
        return redirect(f"/drafts/{draft_id}?edit=summary#summary")
    return render(request, "review_summary.html", r=_page(request, draft_id), editing=True)


@router.post("/drafts/{draft_id}/summary")
async def set_summary(request: Request, draft_id: Id, me: Editor) -> Response:
    form = await request.form()
    review.set_summary(ctx_of(request), draft_id, text(form, "summary"), me.user.name)
    return _updated(request, draft_id, "Summary saved.", "summary")


@router.get("/drafts/{draft_id}/lines/{line}")
def line_part(request: Request, draft_id: Id, line: int, me: Reader) -> Response:
    return _line(request, draft_id, line, editing=False)


@router.get("/drafts/{draft_id}/lines/{line}/edit")
def line_form(request: Request, draft_id: Id, line: int, me: Editor) -> Response:
    return _line(request, draft_id, line, editing=True)


@router.get("/drafts/{draft_id}/lines/{line}/flag")
def line_flag_form(request: Request, draft_id: Id, line: int, me: Editor, to: int = 0) -> Response:
    """The form that flags this line (or this line to line `to`, a selection) as sensitive."""
    return _line(request, draft_id, line, editing="flag", to=max(to, line))


@router.get("/drafts/{draft_id}/lines/{line}/add")
def line_add_form(request: Request, draft_id: Id, line: int, me: Editor, to: int = 0) -> Response:
    """The form that adds an item citing this line (or this line to line `to`, a selection)."""
    return _line(request, draft_id, line, editing="add", to=max(to, line))


def _line(request: Request, draft_id: int, line: int, editing: bool | str, to: int = 0) -> Response:
    r = _page(request, draft_id)
    found = r.line(line)
    if found is None:
        raise UsageError(f"the transcript has no line {line}")
    if editing in ("flag", "add"):
        if not _htmx(request):
            return redirect(f"/drafts/{draft_id}?{editing}={line}&to={to}#line-{line}")
        return render(
            request, "review_line.html", r=r, x=found, editing=editing, to=to or line, kinds=flags.KINDS
        )
    if not _htmx(request):
        return redirect(
            f"/drafts/{draft_id}?line={line}#line-{line}" if editing else f"/drafts/{draft_id}#line-{line}"
        )
    return render(request, "review_line.html", r=r, x=found, editing=editing)


@router.post("/drafts/{draft_id}/lines/{line}")
async def correct_line(request: Request, draft_id: Id, line: int, me: Editor) -> Response:
    """Correct a transcript line's words or speaker; what cites it follows."""
    form = await request.form()
    done = review.correct_line(
        ctx_of(request),
        draft_id,
        line,
        me.user.name,
        text=text(form, "text") if "text" in form else None,
        speaker=text(form, "speaker") or None,
    )
    reached = [
        f"{len(done.items)} item{'s' if len(done.items) != 1 else ''} ({', '.join(r.upper() for r in done.items)})"
        if done.items
        else "",
        "the summary" if done.summary else "",
        f"{done.quotes} quote{'s' if done.quotes != 1 else ''}" if done.quotes else "",
    ]
    said = f"Line {line} corrected." + (
        f" Also corrected: {', '.join(x for x in reached if x)}." if any(reached) else ""
    )
    return _updated(request, draft_id, said, None, line)


@router.post("/drafts/{draft_id}/flags")
async def flag_lines(request: Request, draft_id: Id, me: Editor) -> Response:
    """Flag transcript lines (first to last) as sensitive: withheld from any re-draft, and the items resting
    on them removed now."""
    form = await request.form()
    first, last = text(form, "first").strip(), text(form, "last").strip()
    done = flags.flag(
        ctx_of(request), draft_id, me.user.name, lines=f"{first}-{last or first}", kind=text(form, "kind")
    )
    ref, (a, b) = done.flag.ref, done.lines
    where = f"Line {a}" if a == b else f"Lines {a} to {b}"
    said = f"{where} flagged as sensitive ({ref.upper()})." + (
        f" Removed because they rest on them: {', '.join(r.upper() for r in done.removed)}."
        if done.removed
        else ""
    )
    return _updated(request, draft_id, said, ref, transcript=True)


@router.post("/drafts/{draft_id}/flags/{ref}/clear")
async def clear_flag(request: Request, draft_id: Id, ref: str, me: Editor) -> Response:
    """Clear a false sensitive flag, with the reviewer's reason: its lines are drafted on a re-draft."""
    form = await request.form()
    flags.clear(ctx_of(request), draft_id, ref, text(form, "reason"), me.user.name)
    return _updated(
        request, draft_id, f"{ref.upper()} cleared: not sensitive.", ref.strip().lower(), transcript=True
    )


@router.get("/drafts/{draft_id}/approve")
def approve_page(request: Request, draft_id: Id, me: Decider) -> Response:
    """The preview of the minutes as they will be filed, and the confirmation of the approval."""
    return render(
        request,
        "confirm.html",
        p=document.preview(ctx_of(request), draft_id, _layout(request)),
        step="approve",
    )


@router.post("/drafts/{draft_id}/approve")
async def approve(request: Request, draft_id: Id, me: Decider) -> Response:
    form = await request.form()
    if text(form, "confirm") != "yes":
        return redirect(f"/drafts/{draft_id}/approve")
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
    return redirect(f"/drafts/{draft_id}#speakers")


@router.post("/drafts/{draft_id}/speakers/{step}")
async def speaker_step(
    request: Request, draft_id: Id, step: Literal["accept", "unname"], me: Editor
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
    """Before release: the preview and the confirmation; after: the downloads."""
    ctx = ctx_of(request)
    return render(
        request,
        "release.html",
        rel=release.info(ctx, draft_id),
        p=document.preview(ctx, draft_id, _layout(request)),
        formats=release.FORMATS,
        layouts=document.LAYOUTS,
        layout_formats={"md": "Markdown", "docx": "Word"},
    )


@router.post("/drafts/{draft_id}/release")
async def do_release(request: Request, draft_id: Id, me: Releaser) -> Response:
    form = await request.form()
    if text(form, "confirm") != "yes":
        return redirect(f"/drafts/{draft_id}/release")
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
