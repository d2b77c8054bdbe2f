"""Bodies and their series, matters arising on a meeting's page, and who owes what (/actions)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from minutes.service import series
from minutes.service.users import SignedIn
from minutes.web.app import Id, ctx_of, guard, redirect, render
from minutes.web.routes_meetings import body_choice, text

router = APIRouter()
Reader = Annotated[SignedIn, Depends(guard("release.download"))]  # the released minutes' actions are theirs
Reviewer = Annotated[SignedIn, Depends(guard("review.change"))]
AgendaClerk = Annotated[SignedIn, Depends(guard("meetings.agenda"))]
FORMATS = {"csv": ("text/csv; charset=utf-8", "csv"), "docx": (series.DOCX, "docx")}


@router.post("/meetings/{meeting_id}/body")
async def set_body(request: Request, meeting_id: Id, me: AgendaClerk) -> Response:
    form = await request.form()
    series.assign(
        ctx_of(request), meeting_id, body_choice(form), me.user.name, text(form, "kind") or "committee"
    )
    return redirect(f"/meetings/{meeting_id}#matters")


@router.post("/meetings/{meeting_id}/matters/{action_id}")
async def set_status(request: Request, meeting_id: Id, action_id: Id, me: Reviewer) -> Response:
    form = await request.form()
    ctx = ctx_of(request)
    if text(form, "confirm"):
        series.confirm(ctx, meeting_id, action_id, me.user.name, due=text(form, "due") or None)
    else:
        series.set_status(
            ctx,
            meeting_id,
            action_id,
            text(form, "status"),
            me.user.name,
            due=text(form, "due") or None,
            note=text(form, "note") or None,
        )
    return redirect(f"/meetings/{meeting_id}#matter-{action_id}")


@router.get("/actions")
def actions_page(
    request: Request, me: Reader, who: str = "mine", body: str = "", format: str = ""
) -> Response:
    """Open actions, overdue first: the signed-in person's own by default (matched by their account's name, as
    accounts are not linked to the register of people), everyone's, or one body's."""
    ctx = ctx_of(request)
    person = me.user.name if who == "mine" else None
    rows = series.owed(ctx, person, body or None)
    if format in FORMATS:
        kind, suffix = FORMATS[format]
        title = "Open actions" + (f": {person}" if person else "") + (f", {body}" if body else "")
        data = series.owed_csv(rows) if format == "csv" else series.owed_docx(rows, title)
        return Response(
            data, media_type=kind, headers={"Content-Disposition": f'attachment; filename="actions.{suffix}"'}
        )
    return render(
        request,
        "actions.html",
        rows=series.owed_rows(rows),
        who=who,
        body=body,
        bodies=series.bodies(ctx),
    )
