"""Who is asking: the session cookie's user for pages, the bearer token's for the API (dependencies)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from lodestar.auth import service as auth_service
from lodestar.auth.models import User
from lodestar.kit.errors import NotFound
from lodestar.web.deps import Db
from lodestar.web.security import SESSION_USER, SESSION_VERSION, LoginRequired, csrf_token


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


@dataclass(frozen=True)
class Viewer:
    """What templates show of the signed-in user; still readable after the session has rolled back."""

    id: int
    name: str
    role: str
    locale: str


def page_user(request: Request, db: Db) -> User:
    """The signed-in user of a page; LoginRequired sends the browser to the login form."""
    user = session_user(request, db)
    if user is None:
        raise LoginRequired("please sign in")
    request.state.user = Viewer(user.id, user.name, user.role, user.locale)
    return user


def api_user(request: Request, db: Db) -> User:
    """The caller of the JSON API: a bearer token, or the browser session for reads."""
    user = token_user(request, db)
    if user is None and request.method in ("GET", "HEAD"):
        user = session_user(request, db)
    if user is None:
        raise LoginRequired("send a valid API token as 'Authorization: Bearer <token>'")
    return user


PageUser = Annotated[User, Depends(page_user)]
ApiUser = Annotated[User, Depends(api_user)]
