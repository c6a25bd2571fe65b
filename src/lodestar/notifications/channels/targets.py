"""A channel's target: its URL (or e-mail addresses) and signing secret, opened from storage or the
environment at the moment of delivery, never kept."""

from __future__ import annotations

from lodestar.notifications.channels.courier import Target
from lodestar.notifications.channels.secret_box import from_env, mask_secret, mask_url, unseal
from lodestar.notifications.models import Channel

EMAIL_TARGET = Target("email")  # the personal e-mail channel: each message names its address


def target_of(channel: Channel, secret_key: str) -> Target:
    """The channel's target in clear (SecretUnreadable when a value cannot be opened)."""
    return Target(channel.kind, url_of(channel, secret_key), secret_of(channel, secret_key))


def url_of(channel: Channel, secret_key: str) -> str | None:
    """The channel's URL in clear."""
    if channel.url_env:
        return from_env(channel.url_env)
    return unseal(secret_key, channel.url_encrypted) if channel.url_encrypted else None


def secret_of(channel: Channel, secret_key: str) -> str | None:
    """The channel's signing secret in clear."""
    if channel.secret_env:
        return from_env(channel.secret_env)
    return unseal(secret_key, channel.secret_encrypted) if channel.secret_encrypted else None


def masked(channel: Channel, secret_key: str) -> tuple[str | None, str | None]:
    """The URL and secret as shown to people: masked, or None when the channel has none (or it is read from
    the environment, which the page names instead)."""
    url = secret = None
    if channel.url_encrypted:
        try:
            url = mask_url(unseal(secret_key, channel.url_encrypted))
        except RuntimeError:
            url = "…(unreadable)…"
    if channel.secret_encrypted:
        try:
            secret = mask_secret(unseal(secret_key, channel.secret_encrypted))
        except RuntimeError:
            secret = "••••"
    return url, secret
