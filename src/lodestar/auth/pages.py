"""HTML routes: sign in and out, and the user's language."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from lodestar.auth import service as auth_service
from lodestar.auth.deps import session_user, sign_in, sign_out
from lodestar.auth.schemas import UserUpdate
from lodestar.auth.throttle import LoginThrottle
from lodestar.kit.errors import InvalidInput
from lodestar.web.deps import Db
from lodestar.web.forms import local_path, read_form, validate
from lodestar.web.i18n import LANGUAGES
from lodestar.web.templating import render

router = APIRouter(include_in_schema=False)
HOME = "/cockpit"  # where signing in leads when no page was asked for


@router.get("/")
def home() -> RedirectResponse:
    """Sends visitors to the cockpit (their day: tasks, movers, renewals, quiet at-risk accounts)."""
    return RedirectResponse(HOME, status_code=303)


@router.get("/login")
def login_form(request: Request, db: Db, next: str | None = None) -> Response:
    """Shows the sign-in form (or goes on, when already signed in)."""
    if session_user(request, db) is not None:
        return RedirectResponse(local_path(next, HOME), status_code=303)
    return render(request, "login.html", {"next": local_path(next, HOME), "email": ""})


def _too_many(request: Request, target: str, email: str, wait: int) -> Response:
    """429 with Retry-After: JSON for a client that asks for it, else the form with the message."""
    headers = {"Retry-After": str(wait)}
    if "application/json" in request.headers.get("accept", ""):
        message = f"too many failed sign-ins; try again in {wait} seconds"
        body = {"code": "too_many_attempts", "message": message, "retry_after": wait}
        return JSONResponse(body, status_code=429, headers=headers)
    context = {"next": target, "email": email, "retry_after": wait}
    response = render(request, "login.html", context, status_code=429)
    response.headers.update(headers)
    return response


@router.post("/login")
async def login(request: Request, db: Db) -> Response:
    """Signs in; wrong credentials re-show the form without saying which part was wrong."""
    form = await read_form(request)
    target = local_path(form.get("next"), HOME)
    email, address = form.get("email", ""), request.client.host if request.client else "unknown"
    throttle: LoginThrottle = request.app.state.login_throttle
    wait = throttle.retry_after(email, address)
    if wait:
        return _too_many(request, target, email, wait)
    # argon2 takes tens of milliseconds of CPU: off the event loop, so other requests keep flowing.
    user = await run_in_threadpool(auth_service.authenticate, db, email, form.get("password", ""))
    if user is None:
        throttle.failed(email, address)
        auth_service.record_failed_sign_in(db, email, address)
        context = {"next": target, "email": email, "failed": True}
        return render(request, "login.html", context, status_code=401)
    throttle.succeeded(email)
    sign_in(request, user)
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
async def logout(request: Request, db: Db) -> RedirectResponse:
    """Ends the session, and every other session of the user (a copied cookie stops working too)."""
    await read_form(request)
    user = session_user(request, db)
    if user is not None:
        auth_service.end_sessions(db, user)
    sign_out(request)
    return RedirectResponse("/login", status_code=303)


@router.post("/language")
async def choose_language(request: Request, db: Db) -> RedirectResponse:
    """Stores the chosen UI language on the user (or the session before sign-in) and reloads."""
    form = await read_form(request)
    locale = form.get("locale", "")
    if locale not in LANGUAGES:
        raise InvalidInput.one("locale", f"must be one of {', '.join(LANGUAGES)}")
    user = session_user(request, db)
    if user is not None:
        auth_service.update_user(db, user.id, validate(UserUpdate, {"locale": locale}), actor=user)
    request.session["locale"] = locale
    return RedirectResponse(local_path(form.get("next")), status_code=303)
