"""HTML routes: the snapshot runs (admins)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from lodestar.auth.deps import PageUser
from lodestar.snapshots import service
from lodestar.web.deps import Db
from lodestar.web.templating import render

router = APIRouter(include_in_schema=False)
RUNS_SHOWN = 100


@router.get("/settings/runs")
def snapshot_runs(request: Request, user: PageUser, db: Db) -> Response:
    """Snapshot runs with status, counts, duration and errors (admins)."""
    runs = service.list_runs(db, user, RUNS_SHOWN)
    return render(request, "settings/runs.html", {"runs": runs})
