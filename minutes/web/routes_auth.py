"""Sign in and sign out. The sign-in form carries a CSRF token of its own (a cookie it must match)."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import Response

from minutes.errors import UsageError
from minutes.service import users
from minutes.service.context import Forbidden
from minutes.web.app import COOKIE, ctx_of, redirect, render, signed_in

router = APIRouter()
PRE = "minutes_login"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _next(value: str | None) -> str:
    """Only a path on this site (never //host or a scheme)."""
    return (
        value if value and value.startswith("/") and not value.startswith("//") and "\\" not in value else "/"
    )


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", login_csrf=token, next=_next(next), error=None)
    response.set_cookie(PRE, token, httponly=True, samesite="strict", secure=_secure(request), path="/login")
    return response


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    expected = request.cookies.get(PRE)
    if not expected or not users.csrf_ok(expected, str(form.get("csrf") or "")):
        return _again(request, 403, "The sign-in form had expired. Please try again.", form)
    client = request.client.host if request.client else "unknown"
    try:
        token, _ = users.sign_in(
            ctx_of(request),
            request.app.state.limiter,
            str(form.get("name") or ""),
            str(form.get("password") or ""),
            client,
        )
    except users.TooManyAttempts as exc:
        return _again(request, 429, exc.message, form)
    except UsageError as exc:
        return _again(request, 401, exc.message, form)
    response = redirect(_next(str(form.get("next") or "/")))
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path="/",
        max_age=int(users.ABSOLUTE.total_seconds()),
    )
    response.delete_cookie(PRE, path="/login")
    return response


def _again(request: Request, status: int, message: str, form) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        status=status,
        login_csrf=token,
        next=_next(str(form.get("next") or "/")),
        error=message,
        name=str(form.get("name") or ""),
    )
    response.set_cookie(PRE, token, httponly=True, samesite="strict", secure=_secure(request), path="/login")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    me = signed_in(request)
    form = await request.form()
    if not users.csrf_ok(me.csrf, str(form.get("csrf") or "")):
        raise Forbidden("the form had expired; reload the page and try again")
    users.sign_out(ctx_of(request), request.cookies.get(COOKIE))
    response = redirect("/login")
    response.delete_cookie(COOKIE, path="/")
    return response
