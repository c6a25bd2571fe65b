"""Segment-compatible HTTP Tracking API (/v1/batch, /v1/track, ...) and the write-key JSON API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from fastapi import APIRouter, FastAPI, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from lodestar.auth import service as auth_service
from lodestar.events import service
from lodestar.events.log import IngestLog
from lodestar.events.messages import MAX_BATCH_BYTES, TYPES, Refused
from lodestar.events.mover import DEDUP_WINDOW_BYTES, DEDUP_WINDOW_S, read_checkpoint
from lodestar.events.receiver import Receiver
from lodestar.events.worker import Bookkeeper, MoverProcess
from lodestar.web.deps import ApiUser, Db

_OK = b'{"success":true}'


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Opens the ingest log (recovering it) and runs the mover while the app serves."""
    settings = app.state.settings
    sessions = app.state.sessions
    ingest_log = IngestLog(settings.data_dir / "ingest").open()
    receiver = Receiver(ingest_log, sessions)
    mover = MoverProcess(ingest_log.folder, settings.events_dir, settings.resolved_database_url)
    mover.start()

    def release() -> None:
        ingest_log.release(read_checkpoint(ingest_log.folder)["offset"], DEDUP_WINDOW_S, DEDUP_WINDOW_BYTES)

    bookkeeper = Bookkeeper(lambda: service.flush_receiver(sessions, receiver.drain), release, mover)
    bookkeeper.start()
    app.state.receiver = receiver
    try:
        yield
    finally:
        ingest_log.close()  # everything acknowledged is durable; the mover moves up to the final mark
        mover.stop()
        bookkeeper.stop()
        release()


router = APIRouter(lifespan=lifespan)
keys_router = APIRouter(tags=["write keys"])


def _error(exc: Refused) -> Response:
    headers = {"Retry-After": "1"} if exc.status == 429 else None
    body = orjson.dumps({"code": exc.code, "message": exc.message})
    return Response(body, status_code=exc.status, media_type="application/json", headers=headers)


async def _receive(request: Request, call: str | None) -> Response:
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > MAX_BATCH_BYTES:
        return _error(Refused(413, "too_large", f"the request body is over {MAX_BATCH_BYTES // 1024} KB"))
    raw = await request.body()
    headers = request.headers
    try:
        await request.app.state.receiver.receive(
            call, raw, headers.get("content-encoding"), headers.get("authorization")
        )
    except Refused as exc:
        return _error(exc)
    return Response(_OK, media_type="application/json")


@router.post("/v1/batch", tags=["tracking"], summary="Segment batch upload (what the SDKs send)")
@router.post("/v1/import", tags=["tracking"], include_in_schema=False)
async def batch(request: Request) -> Response:
    """Takes a batch of Segment messages; 200 once they are on disk."""
    return await _receive(request, None)


def _single(call: str) -> Any:
    async def endpoint(request: Request) -> Response:
        return await _receive(request, call)

    endpoint.__doc__ = f"Takes one Segment {call} message; 200 once it is on disk."
    return endpoint


for _call in TYPES:
    router.add_api_route(
        f"/v1/{_call}", _single(_call), methods=["POST"], tags=["tracking"], summary=f"Segment {_call} call"
    )


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
def stats(caller: ApiUser, db: Db) -> dict[str, Any]:
    """Messages accepted, stored, de-duplicated and rejected per source and type (admins)."""
    auth_service.require_admin(caller)
    return service.stats(db)


router.include_router(keys_router, prefix="/api/v1")
