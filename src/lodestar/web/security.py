"""Who is asking: session cookies for pages, bearer tokens for the API, and CSRF tokens for forms."""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request
from sqlalchemy.orm import Session

from lodestar.auth import service as auth_service
from lodestar.auth.models import User
from lodestar.kit.errors import LodestarError, NotFound

SESSION_USER = "uid"
SESSION_VERSION = "sv"
SESSION_CSRF = "csrf"


class LoginRequired(LodestarError):
    """No signed-in user; pages redirect to the login form, the API answers 401."""

    status_code = 401


class CsrfFailed(LodestarError):
    """A form came without the token this session issued."""

    status_code = 403


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get(SESSION_CSRF)
    if not token:
        token = secrets.token_urlsafe(24)
        request.session[SESSION_CSRF] = token
    return str(token)


def check_csrf(request: Request, submitted: str | None) -> None:
    """Refuses a form whose token does not match the session's."""
    expected = request.session.get(SESSION_CSRF)
    if not expected or not submitted or not hmac.compare_digest(str(expected), submitted):
        raise CsrfFailed("the form has expired or did not come from Lodestar; reload the page and try again")


def sign_in(request: Request, user: User) -> None:
    """Starts a fresh session for this user (a new CSRF token too)."""
    request.session.clear()
    request.session[SESSION_USER] = user.id
    request.session[SESSION_VERSION] = user.session_version
    csrf_token(request)


def sign_out(request: Request) -> None:
    """Ends the session."""
    request.session.clear()


def session_user(request: Request, db: Session) -> User | None:
    """The active user of the session cookie, if any."""
    uid = request.session.get(SESSION_USER)
    if uid is None:
        return None
    try:
        user = auth_service.get_user(db, int(uid))
    except (NotFound, TypeError, ValueError):
        return None
    if request.session.get(SESSION_VERSION) != user.session_version:
        return None  # signed out or password changed since this cookie was issued
    return user if user.active else None


def token_user(request: Request, db: Session) -> User | None:
    """The user behind an `Authorization: Bearer` token, if any."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return auth_service.user_for_token(db, value.strip())
