"""What other domains hand to notifications: a notice for people and channels (an alert, a digest)."""

from __future__ import annotations

from dataclasses import dataclass, field

from lodestar.kit.text import Text


@dataclass(frozen=True)
class Notice:
    """Something to tell: rendered per recipient's language and per channel's format into outbox rows.

    `key` makes delivery idempotent (the outbox's idempotency key is key + recipient); `link` is a path
    under the base URL (e.g. /accounts/42#alerts).
    """

    key: str
    severity: str  # info, warning, critical
    title: Text
    lines: list[Text]
    link: str
    user_ids: list[int] = field(default_factory=list)  # people told in-app and by e-mail (by preference)
    channel_keys: list[str] = field(default_factory=list)  # named channels (chat robots, webhooks)
    alert_id: int | None = None
