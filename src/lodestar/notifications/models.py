"""Tables: notification channels (secrets encrypted), people's preferences, and the outbox."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lodestar.db.base import Base, JSONType, Timestamped
from lodestar.kit.time import utcnow


class Channel(Timestamped, Base):
    """A named place messages go: a chat robot or webhook (a team's group), or the SMTP e-mail channel."""

    __tablename__ = "notification_channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16))  # email, slack, dingtalk, feishu, wecom, webhook
    locale: Mapped[str] = mapped_column(String(8), default="zh_CN")
    # The target URL and signing secret, encrypted with a key derived from the secret key (or null when
    # the environment variable named in *_env holds them).
    url_encrypted: Mapped[str | None] = mapped_column(Text)
    url_env: Mapped[str | None] = mapped_column(String(120))
    secret_encrypted: Mapped[str | None] = mapped_column(Text)
    secret_env: Mapped[str | None] = mapped_column(String(120))
    min_severity: Mapped[str] = mapped_column(String(16), default="info")
    rate_per_minute: Mapped[int] = mapped_column(default=20)  # 0: no limit
    enabled: Mapped[bool] = mapped_column(default=True)


class Preference(Base):
    """What reaches one person on one channel kind: a severity floor, immediate or digest, quiet hours."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(60))  # "email", or a channel key
    min_severity: Mapped[str] = mapped_column(String(16), default="info")
    mode: Mapped[str] = mapped_column(String(16), default="immediate")  # immediate, digest, off
    quiet_from: Mapped[time | None]  # company time zone; messages wait until quiet_to
    quiet_to: Mapped[time | None]


class OutboxMessage(Base):
    """One message to deliver, written in the same transaction as what caused it; sent at most once by key."""

    __tablename__ = "notification_outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "channel_key", "next_attempt_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    channel_key: Mapped[str] = mapped_column(String(60))  # a channel key, or "email"
    recipient: Mapped[str | None] = mapped_column(String(254))  # an e-mail address for e-mail
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    locale: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[dict[str, Any]] = mapped_column(JSONType)  # the rendered message, per channel kind
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, sent, dead
    attempts: Mapped[int] = mapped_column(default=0)
    not_before: Mapped[datetime | None]  # quiet hours: not delivered before this instant
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None]  # a worker's lease on the message
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
