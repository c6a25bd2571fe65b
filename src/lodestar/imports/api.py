"""JSON route: import a file (multipart upload) and get the report."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from lodestar.auth.deps import ApiUser
from lodestar.imports import service
from lodestar.web.deps import Db, Today

router = APIRouter(tags=["imports"])


@router.post(
    "/imports/{kind}",
    description="Imports a file (all rows or none); 422 lists every bad cell (row, column, value, "
    f"reason).\n\n**{service.IMPORT_RULE}** Anyone else gets 403, whatever the file holds, so the answer "
    "never depends on which records exist.",
)
async def import_file(
    request: Request,
    kind: str,
    db: Db,
    user: ApiUser,
    today: Today,
    file: Annotated[UploadFile, File(description="A .csv, .xlsx or .parquet file.")],
    mapping: Annotated[str | None, Query(description="The name of a saved mapping.")] = None,
    dry_run: bool = False,
) -> Any:
    """Imports a file (all rows or none); 422 lists every bad cell (row, column, value, reason)."""
    service.require_importer(user)
    spec = service.get_mapping(db, mapping) if mapping else None
    settings = request.app.state.settings
    raw = await file.read()
    try:
        # Parsing a large file takes seconds of CPU: in a worker thread, so other requests keep flowing.
        report = await run_in_threadpool(
            service.run_import, db, kind, raw, file.filename or "upload.csv", spec,
            events_dir=settings.events_dir, today=today, dry_run=dry_run, actor=user,
        )  # fmt: skip
    except service.ImportRejected as exc:
        db.rollback()
        body = {"code": "import_rejected", "message": exc.message, **exc.report.as_dict()}
        return JSONResponse(body, status_code=422)
    if dry_run:
        db.rollback()
    return report.as_dict()
