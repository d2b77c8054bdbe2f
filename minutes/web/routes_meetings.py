"""Meetings (list, new, one meeting with its agenda), participants and their attendance, consent (grid, record,
notice, withdrawal), audit."""

from __future__ import annotations

from itertools import zip_longest
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from minutes.consent.text import MAX_ID, as_id
from minutes.dates import parse_optional
from minutes.errors import UsageError
from minutes.service import audit, consent, meetings, processing, series
from minutes.service.users import SignedIn
from minutes.web.app import Id, ctx_of, guard, redirect, render

router = APIRouter()
Viewer = Annotated[SignedIn, Depends(guard("meetings.view"))]
Creator = Annotated[SignedIn, Depends(guard("meetings.create"))]
Changer = Annotated[SignedIn, Depends(guard("participants.change"))]
AgendaClerk = Annotated[SignedIn, Depends(guard("meetings.agenda"))]
ConsentViewer = Annotated[SignedIn, Depends(guard("consent.view"))]
ConsentClerk = Annotated[SignedIn, Depends(guard("consent.record"))]
Auditor = Annotated[SignedIn, Depends(guard("audit.view"))]


def text(form, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def number(form, name: str) -> int:
    value = text(form, name).strip()
    if not value.isdigit():
        raise UsageError(f"choose a {name.replace('_', ' ')}")
    return int(value)


def body_choice(form) -> str | None:
    """The body a form names: a new name typed in wins over the one chosen from the list."""
    return text(form, "new_body").strip() or text(form, "body").strip() or None


@router.get("/")
def meeting_list(
    request: Request, me: Viewer, q: str = "", date_from: str = "", date_to: str = "", page: int = 1
) -> Response:
    limit = 50
    found = meetings.list_meetings(
        ctx_of(request),
        q,
        parse_optional(date_from, "from date"),
        parse_optional(date_to, "to date"),
        (max(page, 1) - 1) * limit,
        limit,
    )
    name = "meetings_table.html" if request.headers.get("hx-request") else "meetings.html"
    return render(request, name, found=found, q=q, date_from=date_from, date_to=date_to, page=max(page, 1))


@router.get("/meetings/new")
def new_meeting(request: Request, me: Creator) -> Response:
    return render(request, "meeting_new.html", rows=6, bodies=series.bodies(ctx_of(request)))


@router.post("/meetings")
async def create_meeting(request: Request, me: Creator) -> Response:
    form = await request.form()
    people = list(
        zip_longest(form.getlist("participant_name"), form.getlist("participant_role"), fillvalue="")
    )
    mid = meetings.create_meeting(
        ctx_of(request),
        text(form, "title"),
        text(form, "date"),
        [(str(n), str(r)) for n, r in people],
        me.user.name,
        agenda=text(form, "agenda"),
        body=body_choice(form),
        body_kind=text(form, "kind") or "committee",
    )
    return redirect(f"/meetings/{mid}/consent")


@router.get("/meetings/{meeting_id}")
def meeting_page(request: Request, meeting_id: Id, me: Viewer) -> Response:
    ctx = ctx_of(request)
    return render(
        request,
        "meeting.html",
        m=meetings.detail(ctx, meeting_id),
        advice=processing.redraft_advice(ctx, meeting_id),  # speakers named since the draft was made
        series=series.page(ctx, meeting_id),  # its body and the matters arising it takes up
    )


@router.post("/meetings/{meeting_id}/participants")
async def add_participant(request: Request, meeting_id: Id, me: Changer) -> Response:
    form = await request.form()
    meetings.add_participant(
        ctx_of(request),
        meeting_id,
        text(form, "name"),
        text(form, "role") or None,  # a blank role field: no role
        me.user.name,
        text(form, "attendance") or "present",
    )
    return redirect(f"/meetings/{meeting_id}")


@router.post("/meetings/{meeting_id}/agenda")
async def set_agenda(request: Request, meeting_id: Id, me: AgendaClerk) -> Response:
    form = await request.form()
    meetings.set_agenda(ctx_of(request), meeting_id, text(form, "agenda"), me.user.name)
    return redirect(f"/meetings/{meeting_id}#agenda")


ACCEPTED = {"": None, "yes": True, "no": False}


@router.post("/meetings/{meeting_id}/participants/{participant_id}/attendance")
async def set_attendance(request: Request, meeting_id: Id, participant_id: Id, me: Changer) -> Response:
    form = await request.form()
    attendance, accepted = text(form, "attendance"), text(form, "accepted")
    if accepted not in ACCEPTED:
        raise UsageError("choose whether the apologies were accepted")
    meetings.set_attendance(
        ctx_of(request),
        meeting_id,
        participant_id,
        attendance,
        me.user.name,
        # the form's "accepted?" answers the apologies choice beside it; with any other choice it is not asked
        ACCEPTED[accepted] if attendance == "apologies" else None,
    )
    return redirect(f"/meetings/{meeting_id}#attendance")


@router.post("/meetings/{meeting_id}/participants/{participant_id}/remove")
async def remove_participant(request: Request, meeting_id: Id, participant_id: Id, me: Changer) -> Response:
    meetings.remove_participant(ctx_of(request), meeting_id, participant_id, me.user.name)
    return redirect(f"/meetings/{meeting_id}")


@router.get("/meetings/{meeting_id}/consent")
def consent_page(request: Request, meeting_id: Id, me: ConsentViewer, saved: int = 0) -> Response:
    """The grid and the form; `saved` (the first record a save wrote) says what was just recorded, and keeps
    that person chosen in the form."""
    ctx = ctx_of(request)
    history = consent.history(ctx, meeting_id)
    first = next((h for h in history if h.record_id == saved), None)
    just = [h for h in history if first and h.record_id >= saved and h.participant_id == first.participant_id]
    return render(
        request,
        "consent.html",
        m=meetings.detail(ctx, meeting_id),
        grid=consent.grid(ctx, meeting_id),
        history=history,
        scope_help=consent.SCOPE_HELP,
        saved=just,
        chosen=first.participant_id if first else None,
    )


@router.get("/meetings/{meeting_id}/consent/notice")
def notice_page(request: Request, meeting_id: Id, me: ConsentViewer) -> Response:
    title, sections = consent.notice(ctx_of(request), meeting_id)
    return render(request, "notice.html", title=title, sections=sections, meeting_id=meeting_id)


@router.post("/meetings/{meeting_id}/consent")
async def record_consent(request: Request, meeting_id: Id, me: ConsentClerk) -> Response:
    form = await request.form()
    upload = form.get("evidence_file")
    ctx, evidence = ctx_of(request), None
    if upload is not None and not isinstance(upload, str) and upload.filename:
        evidence = consent.EvidenceUpload(await upload.read(consent.evidence_limit(ctx) + 1), upload.filename)
    done = consent.record(
        ctx,
        meeting_id,
        number(form, "participant"),
        text(form, "decision"),
        [str(s) for s in form.getlist("scope")],
        text(form, "method"),
        me.user.name,
        evidence=evidence,
        evidence_at=text(form, "evidence_at").strip() or None,
    )
    first = min(done, default=0)
    return redirect(f"/meetings/{meeting_id}/consent?saved={first}#saved")


@router.get("/meetings/{meeting_id}/consent/withdraw/{participant_id}")
def withdraw_page(request: Request, meeting_id: Id, participant_id: Id, me: ConsentClerk) -> Response:
    ctx = ctx_of(request)
    return render(
        request,
        "withdraw.html",
        m=meetings.detail(ctx, meeting_id),
        p=consent.withdrawal_preview(ctx, meeting_id, participant_id),
    )


@router.post("/meetings/{meeting_id}/consent/withdraw/{participant_id}")
async def withdraw(request: Request, meeting_id: Id, participant_id: Id, me: ConsentClerk) -> Response:
    form = await request.form()
    if text(form, "confirm") != "yes":
        raise UsageError("tick the box to confirm the withdrawal", "nothing was changed")
    spellings = [str(v) for v in form.getlist("spelling")] + text(form, "spellings").split(",")
    consent.withdraw(
        ctx_of(request),
        meeting_id,
        participant_id,
        text(form, "method"),
        me.user.name,
        [v.strip() for v in spellings if v.strip()],
    )
    return redirect(f"/meetings/{meeting_id}/consent?withdrawn={participant_id}#grid")


@router.get("/audit")
def audit_page(
    request: Request, me: Auditor, meeting: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None
) -> Response:
    ctx = ctx_of(request)
    m = meetings.detail(ctx, meeting) if meeting is not None else None
    return render(request, "audit.html", m=m, events=audit.log(ctx, meeting), check=None)


@router.post("/audit/verify")
async def audit_verify(request: Request, me: Auditor) -> Response:
    form = await request.form()
    ctx = ctx_of(request)
    meeting = as_id(text(form, "meeting"))
    check = audit.verify(ctx, me.user.name)
    m = meetings.detail(ctx, meeting) if meeting is not None else None
    return render(request, "audit.html", m=m, events=audit.log(ctx, meeting), check=check)
