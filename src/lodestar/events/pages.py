"""HTML pages: ingestion status (admins and managers) and the write-key settings (admins).

"Health" means the account health score only; this is the ingestion status page.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from lodestar.auth import service as auth_service
from lodestar.auth.deps import PageUser
from lodestar.auth.models import Role, User
from lodestar.events import service
from lodestar.events.ingest import quarantine
from lodestar.kit.errors import Conflict, InvalidInput, PermissionDenied
from lodestar.kit.time import utcnow
from lodestar.web.deps import Db
from lodestar.web.forms import read_form
from lodestar.web.templating import render

router = APIRouter(include_in_schema=False)
HOURS = 48


def _require_ingestion_reader(user: User) -> None:
    if user.role not in (Role.ADMIN, Role.MANAGER):
        raise PermissionDenied("only admins and managers can see the ingestion status")


def _chart(hourly: dict[str, dict[Any, int]], hours: list[Any]) -> dict[str, Any]:
    """Hour labels and one series of accepted messages per source, zero-filled."""
    return {
        "hours": [h.strftime("%m-%d %H:00") for h in hours],
        "series": [
            {"name": source, "data": [per_hour.get(h, 0) for h in hours]}
            for source, per_hour in sorted(hourly.items())
        ],
    }


@router.get("/data-health")
def data_health_moved() -> Response:
    """The page's old address: a permanent redirect to /ingestion-status."""
    return RedirectResponse("/ingestion-status", status_code=301)


@router.get("/ingestion-status")
def ingestion_status(request: Request, user: PageUser, db: Db) -> Response:
    """Events per source per hour, last event per source, rejections and unmatched groupIds."""
    _require_ingestion_reader(user)
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    hours = [now - timedelta(hours=HOURS - 1 - i) for i in range(HOURS)]
    status = service.ingestion_status(db, since=hours[0], events_dir=request.app.state.settings.events_dir)
    sources = status["stats"]["sources"]
    rows = [
        {
            "source": source,
            "total": sum(status["hourly"].get(source, {}).values()),
            "newest": sources.get(source, {}).get("newest_event_at"),
            "accepted": sources.get(source, {}).get("accepted", 0),
            "stored": sources.get(source, {}).get("stored", 0),
            "rejected": sources.get(source, {}).get("rejected", 0),
        }
        for source in sorted(set(sources) | set(status["hourly"]))
    ]
    context = {
        "chart": _chart(status["hourly"], hours),
        "sources": rows,
        "rejections": status["rejections"],
        "unmatched": status["unmatched"],
        "quarantined": quarantine.summary(quarantine.dead_letter_dir(request.app.state.settings.data_dir)),
    }
    return render(request, "events/ingestion_status.html", context)


def _keys_page(
    request: Request,
    db: Db,
    created: tuple[str, str] | None = None,
    errors: dict[str, str] | None = None,
    name: str = "",
    status_code: int = 200,
) -> Response:
    context = {"keys": service.list_keys(db), "created": created, "errors": errors or {}, "name": name}
    return render(request, "events/write_keys.html", context, status_code=status_code)


@router.get("/settings/write-keys")
def write_keys(request: Request, user: PageUser, db: Db) -> Response:
    """Lists write keys with a form to create one (admins)."""
    auth_service.require_admin(user)
    return _keys_page(request, db)


@router.post("/settings/write-keys")
async def create_write_key(request: Request, user: PageUser, db: Db) -> Response:
    """Creates a write key and shows its secret this once (admins)."""
    auth_service.require_admin(user)
    form = await read_form(request)
    name = form.get("name", "")
    try:
        key, secret = service.create_key(db, name, user)
    except InvalidInput as exc:
        return _keys_page(request, db, errors={"name": exc.problems[0].message}, name=name, status_code=422)
    except Conflict as exc:
        return _keys_page(request, db, errors={"name": exc.message}, name=name, status_code=409)
    return _keys_page(request, db, created=(key.name, secret), status_code=201)


@router.post("/settings/write-keys/{key_id}/rotate")
async def rotate_write_key(request: Request, key_id: int, user: PageUser, db: Db) -> Response:
    """Gives a key a new secret, shown this once; the old one stops working (admins)."""
    auth_service.require_admin(user)
    await read_form(request)
    key, secret = service.rotate_key(db, str(key_id), user)
    return _keys_page(request, db, created=(key.name, secret))


@router.post("/settings/write-keys/{key_id}/revoke")
async def revoke_write_key(request: Request, key_id: int, user: PageUser, db: Db) -> Response:
    """Revokes a write key (admins)."""
    auth_service.require_admin(user)
    await read_form(request)
    service.revoke_key(db, str(key_id), user)
    return RedirectResponse("/settings/write-keys", status_code=303)
