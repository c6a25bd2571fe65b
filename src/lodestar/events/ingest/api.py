"""Segment-compatible HTTP Tracking API (/v1/batch, /v1/track, ...) and the ingestion run while serving."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from fastapi import APIRouter, FastAPI, Request, Response

from lodestar.events import service
from lodestar.events.ingest import openapi_doc
from lodestar.events.ingest.log import IngestLog
from lodestar.events.ingest.messages import MAX_BATCH_BYTES, TYPES, Refused
from lodestar.events.ingest.mover import DEDUP_WINDOW_BYTES, DEDUP_WINDOW_S, read_checkpoint
from lodestar.events.ingest.mover_process import Bookkeeper, MoverProcess
from lodestar.events.ingest.receiver import Receiver

_OK = b'{"success":true}'


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Opens the ingest log (recovering it) and runs the mover while the app serves."""
    settings = app.state.settings
    sessions = app.state.sessions
    ingest_log = IngestLog(settings.data_dir / "ingest").open()
    receiver = Receiver(ingest_log, sessions)
    mover = MoverProcess(
        ingest_log.folder, settings.events_dir, settings.resolved_database_url, settings.model_dump_json()
    )
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


def _error(exc: Refused) -> Response:
    headers = {"Retry-After": "1" if exc.status == 429 else "5"} if exc.status in (429, 503) else None
    body = orjson.dumps({"code": exc.code, "message": exc.message})
    return Response(body, status_code=exc.status, media_type="application/json", headers=headers)


def _too_large() -> Refused:
    return Refused(413, "too_large", f"the request body is over {MAX_BATCH_BYTES // 1024} KB")


async def _read_capped(request: Request) -> bytes:
    """The body, streamed: refused with 413 as soon as it passes the limit, reading no further."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > MAX_BATCH_BYTES:
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BATCH_BYTES:  # chunked, or longer than it said: stop here, holding at most the limit
            raise _too_large()
        chunks.append(chunk)
    return b"".join(chunks)


async def _receive(request: Request, call: str | None) -> Response:
    headers = request.headers
    try:
        await request.app.state.receiver.receive(
            call, lambda: _read_capped(request), headers.get("content-encoding"), headers.get("authorization")
        )
    except Refused as exc:
        response = _error(exc)
        if exc.status in (401, 413):  # the body may be left unread: end the connection rather than drain it
            response.headers["Connection"] = "close"
        return response
    return Response(_OK, media_type="application/json")


@router.post(
    "/v1/batch",
    tags=["tracking"],
    summary="Segment batch upload (what the SDKs send)",
    openapi_extra=openapi_doc.batch_operation(),
)
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
        f"/v1/{_call}",
        _single(_call),
        methods=["POST"],
        tags=["tracking"],
        summary=f"Segment {_call} call",
        openapi_extra=openapi_doc.single_operation(_call),
    )
