"""FastAPI dependencies: the request's unit of work and the signed-in user."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from lodestar.auth.models import User
from lodestar.kit.time import today_in
from lodestar.web.security import LoginRequired, session_user, token_user


def get_db(request: Request) -> Iterator[Session]:
    """The request's session: committed when the handler returns, rolled back if it raises."""
    session: Session = request.app.state.sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# scope="function": commit before the response goes out, so a redirect never outruns its own write.
Db = Annotated[Session, Depends(get_db, scope="function")]


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


def company_today(request: Request) -> date:
    """Today's date in the company's time zone."""
    return today_in(request.app.state.settings.zone)


Today = Annotated[date, Depends(company_today)]
