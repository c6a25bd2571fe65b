"""FastAPI dependencies: the request's unit of work and today in the company's zone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from lodestar.db.engine import session_scope
from lodestar.kit.time import today_in


def get_db(request: Request) -> Iterator[Session]:
    """The request's session: committed when the handler returns, rolled back if it raises."""
    with session_scope(request.app.state.sessions) as session:
        yield session


# scope="function": commit before the response goes out, so a redirect never outruns its own write.
Db = Annotated[Session, Depends(get_db, scope="function")]


def company_today(request: Request) -> date:
    """Today's date in the company's time zone."""
    return today_in(request.app.state.settings.zone)


Today = Annotated[date, Depends(company_today)]
