"""Admin pages: accounts (add, new password, disable) and retention (what would go, then purge)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from minutes.service import retention, users
from minutes.service.users import SignedIn
from minutes.web.app import ctx_of, guard, redirect, render
from minutes.web.routes_meetings import text

router = APIRouter(prefix="/admin")
Admin = Annotated[SignedIn, Depends(guard("users.manage"))]
Retainer = Annotated[SignedIn, Depends(guard("retention.run"))]


@router.get("/users")
def users_page(request: Request, me: Admin) -> Response:
    return render(
        request,
        "users.html",
        accounts=users.list_users(ctx_of(request)),
        roles=users.ROLES,
        min_password=users.MIN_PASSWORD,
    )


@router.post("/users")
async def add_user(request: Request, me: Admin) -> Response:
    form = await request.form()
    users.add_user(
        ctx_of(request), text(form, "name"), text(form, "role"), text(form, "password"), me.user.name
    )
    return redirect("/admin/users")


@router.post("/users/password")
async def set_password(request: Request, me: Admin) -> Response:
    form = await request.form()
    users.set_password(ctx_of(request), text(form, "name"), text(form, "password"), me.user.name)
    return redirect("/admin/users")


@router.post("/users/disable")
async def disable(request: Request, me: Admin) -> Response:
    form = await request.form()
    users.disable(ctx_of(request), text(form, "name"), me.user.name)
    return redirect("/admin/users")


@router.get("/retention")
def retention_page(request: Request, me: Retainer) -> Response:
    return render(request, "retention.html", report=retention.preview(ctx_of(request)), done=False)


@router.post("/retention")
async def purge(request: Request, me: Retainer) -> Response:
    return render(request, "retention.html", report=retention.purge(ctx_of(request), me.user.name), done=True)
