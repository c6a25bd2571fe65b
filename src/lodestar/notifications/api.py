"""The notifications JSON API: channels and the outbox (admins), each person's own preferences."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query, Request, status

from lodestar.auth import service as auth_service
from lodestar.auth.deps import ApiUser
from lodestar.notifications import service
from lodestar.notifications.schemas import (
    ChannelCreate,
    ChannelRead,
    ChannelUpdate,
    OutboxRead,
    PreferenceIn,
    PreferenceRead,
    Requeued,
    TestResult,
)
from lodestar.web.deps import Db

router = APIRouter(prefix="/notifications", tags=["notifications"])


def _secret_key(request: Request) -> str:
    return str(request.app.state.settings.secret_key)


@router.get("/channels", response_model=list[ChannelRead], summary="List channels")
def list_channels(request: Request, caller: ApiUser, db: Db) -> list[ChannelRead]:
    """Every channel, URLs and secrets masked (admins)."""
    auth_service.require_admin(caller)
    return [service.channel_read(c, _secret_key(request)) for c in service.list_channels(db)]


@router.post(
    "/channels", response_model=ChannelRead, status_code=status.HTTP_201_CREATED, summary="Add a channel"
)
def create_channel(request: Request, data: ChannelCreate, caller: ApiUser, db: Db) -> ChannelRead:
    """Adds a channel; its URL and secret are stored encrypted and never shown back in full (admins)."""
    auth_service.require_admin(caller)
    channel = service.create_channel(db, data, caller, _secret_key(request))
    return service.channel_read(channel, _secret_key(request))


@router.get("/channels/{channel_id}", response_model=ChannelRead, summary="Get a channel")
def get_channel(request: Request, channel_id: int, caller: ApiUser, db: Db) -> ChannelRead:
    """One channel, masked (admins)."""
    auth_service.require_admin(caller)
    return service.channel_read(service.get_channel(db, channel_id), _secret_key(request))


@router.patch("/channels/{channel_id}", response_model=ChannelRead, summary="Change a channel")
def update_channel(
    request: Request, channel_id: int, data: ChannelUpdate, caller: ApiUser, db: Db
) -> ChannelRead:
    """Changes a channel; a new URL or secret replaces the stored one; `enabled: false` pauses it (admins)."""
    auth_service.require_admin(caller)
    channel = service.update_channel(db, channel_id, data, caller, _secret_key(request))
    return service.channel_read(channel, _secret_key(request))


@router.post("/channels/{channel_id}/test", response_model=TestResult, summary="Send a test message")
def test_channel(request: Request, channel_id: int, caller: ApiUser, db: Db) -> TestResult:
    """Sends a test message to the channel now and answers whether it was delivered (admins)."""
    auth_service.require_admin(caller)
    return service.test_channel(db, channel_id, caller, request.app.state.settings)


@router.get("/preferences", response_model=list[PreferenceRead], summary="My notification preferences")
def my_preferences(caller: ApiUser, db: Db) -> list[PreferenceRead]:
    """The caller's choice on every channel (the default where they have not chosen)."""
    return service.preferences_of(db, caller)


@router.put("/preferences", response_model=list[PreferenceRead], summary="Set my notification preferences")
def set_my_preferences(
    caller: ApiUser, db: Db, items: Annotated[list[PreferenceIn], Body(max_length=100)]
) -> list[PreferenceRead]:
    """Saves the caller's choices for the channels named; the others stay as they are."""
    return service.set_preferences(db, caller, items)


@router.get("/outbox", response_model=OutboxRead, summary="The outbox")
def outbox(
    caller: ApiUser,
    db: Db,
    status_: Annotated[Literal["pending", "sent", "dead"] | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> OutboxRead:
    """Messages by status (pending, sent, dead) and the newest messages, dead ones with their last error
    (admins)."""
    auth_service.require_admin(caller)
    return service.outbox(db, status_, limit, offset)


@router.post("/outbox/{message_id}/retry", response_model=Requeued, summary="Retry a dead message")
def retry_message(message_id: int, caller: ApiUser, db: Db) -> Requeued:
    """Puts a dead message back in the queue (admins)."""
    auth_service.require_admin(caller)
    return Requeued(requeued=service.retry_message(db, message_id, caller))


@router.post("/outbox/retry-dead", response_model=Requeued, summary="Retry every dead message")
def retry_dead(caller: ApiUser, db: Db) -> Requeued:
    """Puts every dead message back in the queue (admins)."""
    auth_service.require_admin(caller)
    return Requeued(requeued=service.retry_dead(db, caller))
