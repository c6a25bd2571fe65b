"""The write-key JSON API and ingestion statistics; mounts the Segment-compatible Tracking API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, ConfigDict, Field

from lodestar.auth import service as auth_service
from lodestar.auth.deps import ApiUser
from lodestar.events import service
from lodestar.events.ingest import api as ingest_api
from lodestar.events.ingest import quarantine
from lodestar.web.deps import Db

router = APIRouter()
keys_router = APIRouter(tags=["write keys"])


class KeyCreate(BaseModel):
    """A new write key's name (the source it tags)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=120)


class KeyRead(BaseModel):
    """A write key as listed (its secret is never shown again)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    key_prefix: str
    created_at: Any
    rotated_at: Any
    revoked_at: Any


class KeyCreated(KeyRead):
    """A write key with its secret, shown only once."""

    key: str


@keys_router.get("/write-keys", response_model=list[KeyRead], summary="List write keys")
def list_keys(caller: ApiUser, db: Db) -> list[Any]:
    """Lists write keys (admins)."""
    auth_service.require_admin(caller)
    return list(service.list_keys(db))


@keys_router.post(
    "/write-keys",
    response_model=KeyCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Create a write key",
)
def create_key(data: KeyCreate, caller: ApiUser, db: Db) -> KeyCreated:
    """Creates a write key; its secret is shown only in this answer (admins)."""
    auth_service.require_admin(caller)
    key, secret = service.create_key(db, data.name, caller)
    return KeyCreated(**KeyRead.model_validate(key).model_dump(), key=secret)


@keys_router.post("/write-keys/{ref}/rotate", response_model=KeyCreated, summary="Rotate a write key")
def rotate_key(ref: str, caller: ApiUser, db: Db) -> KeyCreated:
    """Gives a key a new secret; the old one stops working (admins)."""
    auth_service.require_admin(caller)
    key, secret = service.rotate_key(db, ref, caller)
    return KeyCreated(**KeyRead.model_validate(key).model_dump(), key=secret)


@keys_router.post("/write-keys/{ref}/revoke", response_model=KeyRead, summary="Revoke a write key")
def revoke_key(ref: str, caller: ApiUser, db: Db) -> Any:
    """Revokes a write key (admins)."""
    auth_service.require_admin(caller)
    return service.revoke_key(db, ref, caller)


@keys_router.get("/events/stats", summary="Ingestion statistics")
def stats(request: Request, caller: ApiUser, db: Db) -> dict[str, Any]:
    """Messages accepted, stored, de-duplicated, rejected and quarantined per source and type (admins)."""
    auth_service.require_admin(caller)
    settings = request.app.state.settings
    folder = quarantine.dead_letter_dir(settings.data_dir)
    return {**service.stats(db, settings.events_dir), "quarantined": quarantine.summary(folder).count}


router.include_router(ingest_api.router)  # /v1/batch, /v1/track, ... and the ingestion lifespan
router.include_router(keys_router, prefix="/api/v1")
