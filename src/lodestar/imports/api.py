"""JSON route: import a file (multipart upload) and get the report."""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from lodestar.auth.deps import ApiUser
from lodestar.imports import service
from lodestar.imports.schemas import ImportReport
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
    folder = settings.data_dir / "uploads"
    try:
        # Parsing a large file takes seconds of CPU: in a worker thread, so other requests keep flowing.
        # The upload is kept as a file (not bytes) so an event import streams it in bounded memory.
        report = await run_in_threadpool(
            _import_upload, db, kind, file, folder, spec,
            events_dir=settings.events_dir, today=today, dry_run=dry_run, actor=user,
            batch_rows=settings.import_batch_rows,
        )  # fmt: skip
    except service.ImportRejected as exc:
        db.rollback()
        body = {"code": "import_rejected", "message": exc.message, **exc.report.as_dict()}
        return JSONResponse(body, status_code=422)
    if dry_run:
        db.rollback()
    return report.as_dict()


def _import_upload(
    db: Any, kind: str, file: UploadFile, folder: Path, spec: Any, **options: Any
) -> ImportReport:
    name = Path(file.filename or "upload.csv").name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"api-{secrets.token_hex(8)}-{name}"
    try:
        file.file.seek(0)
        with path.open("wb") as out:
            shutil.copyfileobj(file.file, out, 1 << 20)
        return service.run_import(db, kind, path, name, spec, **options)
    finally:
        path.unlink(missing_ok=True)
