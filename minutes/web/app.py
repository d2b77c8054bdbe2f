"""The web app: FastAPI routes over `minutes.service`, server-rendered Jinja2 pages, htmx for partial updates.

Security, in one place: every response carries a CSP of `default-src 'self'` and no-store caching; every route
asks for a signed-in user with a permission (`guard`), and every POST also for the session's CSRF token;
errors are rendered as short pages without stack traces. Routes parse input, call one service function, and
render.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi import Path as FastAPIPath
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.body_limit import RequestBodyLimitResponder
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from minutes.consent.errors import ConsentError
from minutes.consent.text import MAX_ID
from minutes.consent.timespec import clock
from minutes.db import ItemStatus, Origin, Resolution
from minutes.db.domain import REVIEWER_CHARS
from minutes.errors import MinutesError, NotFoundError, StateError
from minutes.service import consent, jobs, users
from minutes.service.context import Ctx, Forbidden
from minutes.web import dates

HERE = Path(__file__).parent
FORM_ROOM = 1024 * 1024  # the text fields of any form, and the room around a file in one
MAX_BODY = jobs.MAX_UPLOAD_BYTES + FORM_ROOM  # the largest recording, and the form around it
_UPLOAD = re.compile(r"/meetings/[^/]+/recording")
_EVIDENCE = re.compile(r"/meetings/[^/]+/consent")
COOKIE = "minutes_session"
CSP = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters["clock"] = clock
templates.env.filters.update(dates.FILTERS)
templates.env.globals["allowed"] = users.allowed
templates.env.globals["due_shown"] = dates.short_date  # a phrase ("next meeting") as said
templates.env.globals["needed"] = consent.needed
templates.env.globals["MAX_CHARS"] = REVIEWER_CHARS  # the review forms' maxlength, as the server holds them
# an item's status, origin and resolution, by name (they compare equal to the stored strings)
templates.env.globals.update(ItemStatus=ItemStatus, Origin=Origin, Resolution=Resolution)
# what only the command line has: a command, an option ("--by NAME"), an internal name in brackets
_COMMAND_LINE = re.compile(r"`[^`]*`|(?<![\w-])--[a-z][\w-]*(?: [A-Z][A-Z.]*)?")
_COMMAND_ASIDE = re.compile(r"\s*\((?:see |use |run |e\.g\. )?[^()]*(?:`|--)[^()]*\)")


def body_limit(ctx: Ctx, method: str, path: str) -> int:
    """The largest request body a route takes: a recording upload, a consent form with its evidence file, or
    the text fields of any other form (sign-in included)."""
    if method == "POST" and _UPLOAD.fullmatch(path):
        return MAX_BODY
    if method == "POST" and _EVIDENCE.fullmatch(path):
        return ctx.settings.limits.max_evidence_bytes + FORM_ROOM
    return FORM_ROOM


class BodyLimit:
    """A request body over its route's limit (`body_limit`) is refused while it streams: Starlette's responder
    counts the chunks as the server hands them over (and trusts no Content-Length over the limit), so a chunked
    body stops at the limit before any of it is parsed, spooled to disk or kept. Its 413 reaches the route's
    error page; pure ASGI, like every middleware here, so nothing wraps that error on the way."""

    def __init__(self, app: ASGIApp, ctx: Ctx):
        self.app, self.ctx = app, ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(self.ctx, scope["method"], scope["path"])
        length = Headers(scope=scope).get("content-length", "")
        if length.isdigit() and int(length) > limit:  # said up front: refused before a byte is read
            await too_large(Request(scope, receive))(scope, receive, send)
            return
        await RequestBodyLimitResponder(self.app, limit)(scope, receive, send)


class SecurityHeaders:
    """Every response gets HEADERS, and no-store caching except static files."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in HEADERS.items():
                    headers.setdefault(key, value)
                if not scope["path"].startswith("/static/"):
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, with_headers)


# An id in a path: a number a database can hold (1 to 2^63-1); any other cannot name anything, so is not found.
Id = Annotated[int, FastAPIPath(ge=1, le=MAX_ID)]


class LoginRequired(Exception):
    """No live session: send the browser to the sign-in page."""


def ctx_of(request: Request) -> Ctx:
    return request.app.state.ctx


def render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    me: users.SignedIn | None = getattr(request.state, "me", None)
    return templates.TemplateResponse(
        request, template, {"me": me and me.user, "csrf": me and me.csrf, **values}, status_code=status
    )


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def signed_in(request: Request) -> users.SignedIn:
    me = users.session_user(ctx_of(request), request.cookies.get(COOKIE))
    if me is None:
        raise LoginRequired()
    request.state.me = me
    return me


def guard(permission: str) -> Callable[[Request], Awaitable[users.SignedIn]]:
    """A dependency: a signed-in user whose role has `permission`; on POST, the CSRF token must match too."""

    async def dependency(request: Request) -> users.SignedIn:
        me = signed_in(request)
        if request.method == "POST":
            form = await request.form()
            token = request.headers.get("x-csrf-token") or form.get("csrf")
            if not users.csrf_ok(me.csrf, token if isinstance(token, str) else None):
                raise Forbidden(
                    "the form had expired or did not come from this site; reload the page and try again"
                )
        users.require(me.user, permission)
        return me

    return dependency


def _status(exc: Exception) -> int:
    if isinstance(exc, Forbidden):
        return 403
    if isinstance(exc, users.TooManyAttempts):
        return 429
    if isinstance(exc, NotFoundError):
        return 404
    return 409 if getattr(exc, "exit_code", None) == StateError.exit_code else 400


def back_link(request: Request) -> str | None:
    """The page the user came from, when it is on this site (only its path and query are used)."""
    ref = request.headers.get("referer")
    if not ref:
        return None
    parts = urlsplit(ref)
    if parts.netloc and parts.netloc != request.url.netloc:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def for_web(text: str | None) -> str | None:
    """An error's words for someone in a browser: the command-line asides ("(see `minutes review list`)",
    "--by NAME") left out, and a hint that is only a command dropped (None)."""
    if not text:
        return None
    plain = _COMMAND_ASIDE.sub("", text)
    if _COMMAND_LINE.search(plain):
        return None
    return plain.strip() or None


def error_page(request: Request, status: int, message: str, hint: str | None = None) -> HTMLResponse:
    """A short page saying what went wrong in plain words; to an htmx request, the message alone, shown in the
    page's alert area (the form stays as it was, nothing is lost)."""
    words = {"message": for_web(message) or "That could not be done.", "hint": for_web(hint)}
    if request.headers.get("hx-request"):
        response = render(request, "error_part.html", status=status, **words)
        response.headers.update({"HX-Retarget": "#review-error", "HX-Reswap": "innerHTML"})
    else:
        response = render(
            request, "error.html", status=status, status_code=status, back=back_link(request), **words
        )
    response.headers.update(HEADERS)  # the last-resort handler runs outside the middleware that adds them
    return response


def too_large(request: Request) -> HTMLResponse:
    response = error_page(
        request,
        413,
        f"That is more than this page takes (a recording: at most {jobs.MAX_UPLOAD_BYTES // 1024**3} GB; "
        f"a form: at most {FORM_ROOM // 1024} KB of text).",
    )
    response.headers["Connection"] = "close"  # the rest of the body is not read
    return response


def install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        target = "/login?next=" + quote(request.url.path) if request.method == "GET" else "/login"
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": target})
        return redirect(target)

    @app.exception_handler(MinutesError)
    async def minutes_error(request: Request, exc: MinutesError) -> Response:
        return error_page(request, _status(exc), exc.message, exc.hint)

    @app.exception_handler(ConsentError)
    async def consent_error(request: Request, exc: ConsentError) -> Response:
        return error_page(request, _status(exc), str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 413:
            return too_large(request)
        text = {404: "There is no such page.", 405: "That action is not available here."}
        return error_page(
            request, exc.status_code, text.get(exc.status_code, "The request could not be served.")
        )

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        if any(err.get("loc", ("",))[0] == "path" for err in exc.errors()):
            return error_page(request, 404, "There is no such page.")  # an id nothing can have
        return error_page(
            request, 400, "The request was not understood (a value is missing or not a number)."
        )

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> Response:
        import logging

        logging.getLogger("minutes.web").exception(
            "internal error on %s %s", request.method, request.url.path
        )
        return error_page(
            request,
            500,
            "Something went wrong on our side. Nothing was changed by the failed step.",
            "the error is in the log file; try again, or tell whoever runs this server",
        )


def create_app(ctx: Ctx) -> FastAPI:
    """The app for one store. `ctx` is opened by the caller (`minutes serve`, or a test)."""
    from minutes.web import (
        routes_admin,
        routes_auth,
        routes_meetings,
        routes_recording,
        routes_review,
        routes_series,
    )

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.ctx = ctx
    app.state.limiter = users.LoginLimiter()

    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit, ctx=ctx)
    install_error_pages(app)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for module in (
        routes_auth,
        routes_meetings,
        routes_recording,
        routes_review,
        routes_admin,
        routes_series,
    ):
        app.include_router(module.router)
    return app
