"""HTML routes: upload a file, map its columns, preview the checks, then import."""

from __future__ import annotations

import json
import secrets
import shutil
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from lodestar.auth.deps import PageUser
from lodestar.auth.models import User
from lodestar.imports import readers, service, targets
from lodestar.imports.mapping import fields_of
from lodestar.imports.schemas import KINDS, MappingSpec
from lodestar.kit.errors import InvalidInput
from lodestar.web.deps import Db, Today
from lodestar.web.forms import read_form
from lodestar.web.templating import render

router = APIRouter()  # the pages are left out of the OpenAPI one by one; the API route is in it


def _require_importer(user: User) -> None:
    service.require_importer(user)


def _uploads(request: Request) -> Path:
    folder: Path = request.app.state.settings.data_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _stored(request: Request, token: str) -> tuple[Path, str]:
    if not token or not token.replace("-", "").replace("_", "").replace(".", "").isalnum() or "/" in token:
        raise InvalidInput.one("upload", "the uploaded file is gone; upload it again")
    path = _uploads(request) / token
    if not path.is_file():
        raise InvalidInput.one("upload", "the uploaded file is gone; upload it again")
    return path, token.split("-", 1)[1]


@router.get("/imports", include_in_schema=False)
def imports_page(request: Request, db: Db, user: PageUser) -> Response:
    """The upload form: kind, file and an optional saved mapping."""
    _require_importer(user)
    return render(request, "imports/upload.html", {"kinds": KINDS, "mappings": service.list_mappings(db)})


@router.post("/imports/upload", include_in_schema=False)
async def upload(request: Request, db: Db, user: PageUser) -> Response:
    """Keeps the uploaded file and shows the column-mapping step."""
    _require_importer(user)
    form = await read_form(request)
    file = (await request.form()).get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        raise InvalidInput.one("file", "choose a file to upload")
    readers.format_of(file.filename)
    token = f"{secrets.token_hex(8)}-{Path(file.filename).name}"
    path = _uploads(request) / token
    # Copied from the spooled upload (bounded by UploadLimit, LODESTAR_MAX_UPLOAD_MB) a block at a time.
    await run_in_threadpool(_keep, file, path)
    kind = form.get("kind", "")
    spec = (
        service.get_mapping(db, form["mapping"])
        if form.get("mapping")
        else MappingSpec.model_validate({"kind": kind})
    )
    return await run_in_threadpool(_mapping_step, request, token, path, file.filename, spec)


def _keep(file: UploadFile, path: Path) -> None:
    file.file.seek(0)
    with path.open("wb") as out:
        shutil.copyfileobj(file.file, out, 1 << 20)


def _mapping_step(request: Request, token: str, path: Path, filename: str, spec: MappingSpec) -> Response:
    columns = service.preview(path, filename, spec)
    chosen = fields_of(spec, list(columns))
    context = {
        "token": token,
        "filename": filename,
        "kind": spec.kind,
        "columns": columns,
        "fields": list(targets.FIELDS[spec.kind]),
        "required": targets.REQUIRED[spec.kind],
        "chosen": {t: f.column for t, f in chosen.items()},
        "spec_json": spec.model_dump_json(exclude_none=True),
        "date_format": spec.date_format or "",
    }
    return render(request, "imports/mapping.html", context)


def _spec_from(form: dict[str, str]) -> MappingSpec:
    """The spec carried through the steps, with the column choices of the mapping step applied."""
    base: dict[str, Any] = json.loads(form.get("spec") or "{}")
    fields: dict[str, Any] = dict(base.get("fields", {}))
    chosen = {k.removeprefix("field."): v for k, v in form.items() if k.startswith("field.")}
    if chosen:  # the mapping step: its selects decide every column-fed field
        fields = {
            k: v for k, v in fields.items() if "column" not in v or k not in targets.FIELDS[base["kind"]]
        }
        for target, column in chosen.items():
            if column:
                fields[target] = {**base.get("fields", {}).get(target, {}), "column": column}
                fields[target].pop("constant", None)
        base["date_format"] = form.get("date_format") or None
    base["fields"] = fields
    return service.parse_spec(base)


def _run(request: Request, db: Any, user: User, today: date, form: dict[str, str], dry_run: bool) -> Response:
    path, filename = _stored(request, form.get("token", ""))
    spec = _spec_from(form)
    settings = request.app.state.settings
    context: dict[str, Any] = {
        "token": form["token"],
        "filename": filename,
        "kind": spec.kind,
        "spec_json": spec.model_dump_json(exclude_none=True),
        "save_as": form.get("save_as", ""),
    }
    try:
        report = service.run_import(
            db,
            spec.kind,
            path,
            filename,
            spec,
            events_dir=settings.events_dir,
            today=today,
            dry_run=dry_run,
            actor=user,
            batch_rows=settings.import_batch_rows,
        )
    except service.ImportRejected as exc:
        db.rollback()
        return render(request, "imports/preview.html", {**context, "report": exc.report}, status_code=422)
    if dry_run:
        db.rollback()
    elif form.get("save_as"):
        service.save_mapping(db, user, form["save_as"], spec)
    return render(
        request, "imports/preview.html" if dry_run else "imports/done.html", {**context, "report": report}
    )


@router.post("/imports/preview", include_in_schema=False)
async def preview(request: Request, db: Db, user: PageUser, today: Today) -> Response:
    """Checks every row under the chosen mapping and shows the problems or the counts."""
    _require_importer(user)
    form = await read_form(request)
    return await run_in_threadpool(_run, request, db, user, today, form, dry_run=True)


@router.post("/imports/confirm", include_in_schema=False)
async def confirm(request: Request, db: Db, user: PageUser, today: Today) -> Response:
    """Imports the file (all rows or none), saving the mapping under a name when given."""
    _require_importer(user)
    form = await read_form(request)
    return await run_in_threadpool(_run, request, db, user, today, form, dry_run=False)
