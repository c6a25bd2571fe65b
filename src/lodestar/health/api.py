"""JSON routes: stored health backtests (admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from lodestar.auth import service as auth_service
from lodestar.auth.deps import ApiUser
from lodestar.health import service
from lodestar.health.models import Backtest
from lodestar.health.schemas import BacktestRead
from lodestar.web.deps import Db

router = APIRouter(tags=["snapshots"])
Limit = Annotated[int, Query(ge=1, le=500, description="How many, newest first.")]


@router.get("/backtests", response_model=list[BacktestRead], summary="List health backtests")
def list_backtests(caller: ApiUser, db: Db, limit: Limit = 50) -> list[Backtest]:
    """Lists the newest stored health backtests (admins only)."""
    auth_service.require_admin(caller)
    return service.backtests(db, limit)
