"""HTML pages: each person's notification preferences; the channels and the outbox (admins)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from lodestar.auth import service as auth_service
from lodestar.auth.deps import PageUser
from lodestar.kit.errors import Conflict, InvalidInput
from lodestar.notifications import service
from lodestar.notifications.schemas import ChannelCreate, ChannelUpdate, PreferenceIn, TestResult
from lodestar.web.deps import Db
from lodestar.web.forms import field_errors, read_form, validate
from lodestar.web.templating import render

router = APIRouter(include_in_schema=False)
CHANNEL_FIELDS = ("key", "name", "kind", "locale", "url", "url_env", "secret", "secret_env", "min_severity",
                  "rate_per_minute")  # fmt: skip


def _secret_key(request: Request) -> str:
    return str(request.app.state.settings.secret_key)


@router.get("/me/notifications")
def my_notifications(request: Request, user: PageUser, db: Db) -> Response:
    """The signed-in person's choices per channel: severity floor, immediate/digest/off, quiet hours."""
    return _preferences_page(request, db, user)


def _preferences_page(
    request: Request, db: Db, user: Any, errors: dict[str, str] | None = None, saved: bool = False,
    status_code: int = 200,
) -> Response:  # fmt: skip
    context = {"preferences": service.preferences_of(db, user), "errors": errors or {}, "saved": saved}
    return render(request, "notifications/preferences.html", context, status_code=status_code)


@router.post("/me/notifications")
async def save_my_notifications(request: Request, user: PageUser, db: Db) -> Response:
    """Saves the person's choices (every channel on the form)."""
    form = await read_form(request)
    channels = [p.channel for p in service.preferences_of(db, user)]
    items: list[PreferenceIn] = []
    errors: dict[str, str] = {}
    for key in channels:
        data = {f: form.get(f"{f}.{key}") or None for f in ("min_severity", "mode", "quiet_from", "quiet_to")}
        try:
            items.append(validate(PreferenceIn, {"channel": key, **{k: v for k, v in data.items() if v}}))
        except InvalidInput as exc:
            errors |= {f"{name}.{key}": msg for name, msg in field_errors(exc, data).items()}
    if not errors:
        try:
            service.set_preferences(db, user, items)
        except InvalidInput as exc:
            errors = {f"{p.field.split('.', 1)[1]}.{items[int(p.field.split('.')[0])].channel}": p.message
                      for p in exc.problems}  # fmt: skip
    if errors:
        db.rollback()
        return _preferences_page(request, db, user, errors, status_code=422)
    return _preferences_page(request, db, user, saved=True)


def _channels_page(
    request: Request, db: Db, values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
    tested: tuple[str, TestResult] | None = None, status_code: int = 200,
) -> Response:  # fmt: skip
    channels = [service.channel_read(c, _secret_key(request)) for c in service.list_channels(db)]
    defaults = {"kind": "dingtalk", "locale": "zh_CN", "min_severity": "warning"}
    context = {"channels": channels, "values": values or defaults, "errors": errors or {}, "tested": tested}
    return render(request, "notifications/channels.html", context, status_code=status_code)


@router.get("/settings/channels")
def channels(request: Request, user: PageUser, db: Db) -> Response:
    """Every channel (URLs and secrets masked) with a form to add one (admins)."""
    auth_service.require_admin(user)
    return _channels_page(request, db)


def _channel_fields(form: dict[str, str], names: tuple[str, ...]) -> dict[str, Any]:
    return {n: form[n] for n in names if form.get(n)}


@router.post("/settings/channels")
async def add_channel(request: Request, user: PageUser, db: Db) -> Response:
    """Adds a channel (admins)."""
    auth_service.require_admin(user)
    form = await read_form(request)
    try:
        data = validate(ChannelCreate, _channel_fields(form, CHANNEL_FIELDS))
        service.create_channel(db, data, user, _secret_key(request))
    except (InvalidInput, Conflict) as exc:
        db.rollback()
        errors = field_errors(exc, CHANNEL_FIELDS) if isinstance(exc, InvalidInput) else {"key": exc.message}
        safe = {k: v for k, v in form.items() if k not in ("url", "secret")}  # never echo a secret back
        return _channels_page(
            request, db, safe, errors, status_code=422 if isinstance(exc, InvalidInput) else 409
        )
    return RedirectResponse("/settings/channels", status_code=303)


@router.get("/settings/channels/{channel_id}")
def edit_channel(request: Request, channel_id: int, user: PageUser, db: Db) -> Response:
    """A channel's form: a new URL or secret replaces the stored one; left empty, it stays (admins)."""
    auth_service.require_admin(user)
    channel = service.channel_read(service.get_channel(db, channel_id), _secret_key(request))
    return render(
        request,
        "notifications/channel_form.html",
        {"channel": channel, "values": channel.model_dump(), "errors": {}},
    )


@router.post("/settings/channels/{channel_id}")
async def update_channel(request: Request, channel_id: int, user: PageUser, db: Db) -> Response:
    """Saves a channel's changes (admins)."""
    auth_service.require_admin(user)
    form = await read_form(request)
    fields = _channel_fields(form, CHANNEL_FIELDS[1:])
    fields.pop("kind", None)
    fields["enabled"] = form.get("enabled") == "on"
    fields["clear_secret"] = form.get("clear_secret") == "on"
    try:
        service.update_channel(db, channel_id, validate(ChannelUpdate, fields), user, _secret_key(request))
    except InvalidInput as exc:
        db.rollback()
        channel = service.channel_read(service.get_channel(db, channel_id), _secret_key(request))
        values = {**channel.model_dump(), **{k: v for k, v in form.items() if k not in ("url", "secret")}}
        context = {"channel": channel, "values": values, "errors": field_errors(exc, CHANNEL_FIELDS)}
        return render(request, "notifications/channel_form.html", context, status_code=422)
    return RedirectResponse("/settings/channels", status_code=303)


@router.post("/settings/channels/{channel_id}/test")
async def test_channel(request: Request, channel_id: int, user: PageUser, db: Db) -> Response:
    """Sends a test message to the channel and shows whether it arrived (admins)."""
    auth_service.require_admin(user)
    await read_form(request)
    result = service.test_channel(db, channel_id, user, request.app.state.settings)
    return _channels_page(request, db, tested=(service.get_channel(db, channel_id).name, result))


@router.post("/settings/channels/{channel_id}/toggle")
async def toggle_channel(request: Request, channel_id: int, user: PageUser, db: Db) -> Response:
    """Pauses a channel (its messages wait) or resumes it (admins)."""
    auth_service.require_admin(user)
    await read_form(request)
    channel = service.get_channel(db, channel_id)
    service.update_channel(
        db, channel_id, ChannelUpdate(enabled=not channel.enabled), user, _secret_key(request)
    )
    return RedirectResponse("/settings/channels", status_code=303)


@router.get("/settings/outbox")
def outbox(request: Request, user: PageUser, db: Db, status: str | None = None) -> Response:
    """The outbox: counts by status, dead messages with their last error, the newest messages (admins)."""
    auth_service.require_admin(user)
    shown = status if status in ("pending", "sent", "dead") else None
    context = {
        "outbox": service.outbox(db, shown, 100),
        "dead": service.outbox(db, "dead", 100).items,
        "shown": shown,
    }
    return render(request, "notifications/outbox.html", context)


@router.post("/settings/outbox/{message_id}/retry")
async def retry_message(request: Request, message_id: int, user: PageUser, db: Db) -> Response:
    """Puts a dead message back in the queue (admins)."""
    auth_service.require_admin(user)
    await read_form(request)
    service.retry_message(db, message_id, user)
    return RedirectResponse("/settings/outbox", status_code=303)


@router.post("/settings/outbox/retry-dead")
async def retry_dead(request: Request, user: PageUser, db: Db) -> Response:
    """Puts every dead message back in the queue (admins)."""
    auth_service.require_admin(user)
    await read_form(request)
    service.retry_dead(db, user)
    return RedirectResponse("/settings/outbox", status_code=303)
