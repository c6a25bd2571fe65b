"""JSON routes: snapshot run records (admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from lodestar.auth.deps import ApiUser
from lodestar.snapshots import service
from lodestar.snapshots.models import SnapshotRun
from lodestar.snapshots.schemas import SnapshotRunRead
from lodestar.web.deps import Db

router = APIRouter(tags=["snapshots"])
Limit = Annotated[int, Query(ge=1, le=500, description="How many, newest first.")]


@router.get("/snapshot-runs", response_model=list[SnapshotRunRead], summary="List snapshot runs")
def list_runs(caller: ApiUser, db: Db, limit: Limit = 50) -> list[SnapshotRun]:
    """Lists the newest snapshot runs with their status, counts and errors (admins only)."""
    return service.list_runs(db, caller, limit)
