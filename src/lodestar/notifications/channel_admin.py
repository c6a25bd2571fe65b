"""Adding, changing and testing channels: secrets sealed on the way in, masked on the way out."""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from lodestar.auth import service as auth_service
from lodestar.auth.models import User
from lodestar.kit.errors import Conflict, InvalidInput, NotFound
from lodestar.kit.text import Text
from lodestar.notifications import repository
from lodestar.notifications.channels import message_formats as formats
from lodestar.notifications.channels.courier import Courier, Parcel
from lodestar.notifications.channels.secret_box import SecretUnreadable, seal
from lodestar.notifications.channels.targets import masked, target_of
from lodestar.notifications.models import Channel
from lodestar.notifications.schemas import ChannelCreate, ChannelRead, ChannelUpdate, TestResult
from lodestar.settings import Settings
from lodestar.web.i18n import gettext_for

SIGNED_KINDS = ("dingtalk", "feishu", "webhook")
DEFAULT_RATES = {"dingtalk": 20, "wecom": 20, "feishu": 100, "slack": 60}  # each platform's documented limit
ADDRESS = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")


def list_channels(session: Session) -> list[Channel]:
    """Every channel, by key."""
    return repository.channels(session)


def get_channel(session: Session, channel_id: int) -> Channel:
    """A channel, or NotFound."""
    channel = repository.channel(session, channel_id)
    if channel is None:
        raise NotFound(f"channel {channel_id} not found")
    return channel


def channel_read(channel: Channel, secret_key: str) -> ChannelRead:
    """The channel as people see it: URL and secret masked."""
    url, secret = masked(channel, secret_key)
    return ChannelRead(
        id=channel.id,
        key=channel.key,
        name=channel.name,
        kind=channel.kind,
        locale=channel.locale,
        url=url,
        url_env=channel.url_env,
        secret=secret,
        secret_env=channel.secret_env,
        min_severity=channel.min_severity,
        rate_per_minute=channel.rate_per_minute,
        enabled=channel.enabled,
        created_at=channel.created_at,
        updated_at=channel.updated_at,
    )


def _check_url(kind: str, url: str) -> None:
    if kind == "email":
        addresses = [a.strip() for a in url.split(",")]
        if not addresses or not all(ADDRESS.match(a) for a in addresses):
            raise InvalidInput.one("url", Text("must be one or more e-mail addresses, separated by commas"))
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput.one("url", Text("must be an http:// or https:// URL"))


def _check_sources(kind: str, fields: dict[str, Any], has_url: bool) -> None:
    if fields.get("url") is not None and fields.get("url_env") is not None:
        raise InvalidInput.one("url", Text("give the URL or the variable that holds it, not both"))
    if fields.get("secret") is not None and fields.get("secret_env") is not None:
        raise InvalidInput.one("secret", Text("give the secret or the variable that holds it, not both"))
    if not has_url:
        raise InvalidInput.one("url", Text("give the URL, or the environment variable that holds it"))
    if kind not in SIGNED_KINDS and (fields.get("secret") or fields.get("secret_env")):
        raise InvalidInput.one("secret", Text("this kind of channel takes no signing secret"))
    if fields.get("url"):
        _check_url(kind, fields["url"])


def _apply_sources(channel: Channel, fields: dict[str, Any], secret_key: str) -> dict[str, Any]:
    """Seals a new URL or secret onto the channel; what changed, for the audit log (never the values)."""
    changed: dict[str, Any] = {}
    if fields.get("url") is not None:
        channel.url_encrypted, channel.url_env = seal(secret_key, fields["url"]), None
        changed["url"] = "changed"
    elif fields.get("url_env") is not None:
        channel.url_encrypted, channel.url_env = None, fields["url_env"]
        changed["url_env"] = fields["url_env"]
    if fields.get("clear_secret"):
        channel.secret_encrypted = channel.secret_env = None
        changed["secret"] = "removed"
    if fields.get("secret") is not None:
        channel.secret_encrypted, channel.secret_env = seal(secret_key, fields["secret"]), None
        changed["secret"] = "changed"
    elif fields.get("secret_env") is not None:
        channel.secret_encrypted, channel.secret_env = None, fields["secret_env"]
        changed["secret_env"] = fields["secret_env"]
    return changed


PLAIN_FIELDS = ("name", "locale", "min_severity", "rate_per_minute", "enabled")


def create_channel(session: Session, data: ChannelCreate, actor: User | None, secret_key: str) -> Channel:
    """Adds a channel (its URL and secret sealed)."""
    fields = data.model_dump()
    _check_sources(data.kind, fields, bool(data.url or data.url_env))
    if repository.channel_by_key(session, data.key):
        raise Conflict(Text("the key %(key)s is taken by another channel", key=data.key))
    channel = Channel(
        key=data.key,
        name=data.name,
        kind=data.kind,
        locale=data.locale,
        min_severity=data.min_severity or "info",
        rate_per_minute=DEFAULT_RATES.get(data.kind, 0)
        if data.rate_per_minute is None
        else data.rate_per_minute,
        enabled=True if data.enabled is None else data.enabled,
    )
    changes = _apply_sources(channel, fields, secret_key)
    repository.add(session, channel)
    plain = {n: getattr(channel, n) for n in ("key", "kind", *PLAIN_FIELDS)}
    auth_service.record(session, actor, "create", "notification_channel", channel.id, {**plain, **changes})
    return channel


def update_channel(
    session: Session, channel_id: int, data: ChannelUpdate, actor: User | None, secret_key: str
) -> Channel:
    """Changes a channel; a new URL or secret replaces the old one (sealed)."""
    channel = get_channel(session, channel_id)
    fields = data.model_dump(exclude_unset=True)
    has_url = bool(fields.get("url") or fields.get("url_env") or channel.url_encrypted or channel.url_env)
    _check_sources(channel.kind, fields, has_url)
    changes: dict[str, Any] = {}
    for name in PLAIN_FIELDS:
        value = fields.get(name)
        if value is not None and getattr(channel, name) != value:
            changes[name] = value
            setattr(channel, name, value)
    changes |= _apply_sources(channel, fields, secret_key)
    session.flush()
    if changes:
        auth_service.record(session, actor, "update", "notification_channel", channel.id, changes)
    return channel


def test_channel(session: Session, channel_id: int, actor: User | None, settings: Settings) -> TestResult:
    """Sends a test message to the channel now (not through the outbox) and says how it went."""
    channel = get_channel(session, channel_id)
    gettext = gettext_for(channel.locale)
    title = Text("Test message from Lodestar")
    lines = [Text("If you can read this, the channel %(name)s works.", name=channel.name)]
    wording = formats.word(
        gettext, "info", title, lines, settings.base_url.rstrip("/") + "/settings/channels"
    )
    key = f"test:{channel.key}:{uuid.uuid4().hex}"
    if channel.kind == "webhook":
        body = formats.webhook(wording, key, "test", None, channel.locale)
    else:
        body = formats.LAYOUTS[channel.kind](wording)
    courier = Courier(settings)
    try:
        target = target_of(channel, settings.secret_key)
        outcome = courier.deliver(
            target, Parcel(key, wording.subject, body, target.url if channel.kind == "email" else None)
        )
    except SecretUnreadable as exc:
        return TestResult(delivered=False, error=str(exc))
    finally:
        courier.close()
    auth_service.record(session, actor, "test", "notification_channel", channel.id, {"delivered": outcome.ok})
    return TestResult(delivered=outcome.ok, error=outcome.error)
