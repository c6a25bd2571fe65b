"""Tables: write keys, ingestion counters, rejected messages, user-to-group links, unmatched groups."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lodestar.db.base import Base
from lodestar.kit.time import utcnow


class WriteKey(Base):
    """A source's write key; only its SHA-256 is stored, the name tags every event it sends."""

    __tablename__ = "event_write_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    rotated_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class EventCounter(Base):
    """Messages accepted, de-duplicated, rejected and stored, per source, type and hour of receipt."""

    __tablename__ = "event_counters"

    source: Mapped[str] = mapped_column(String(120), primary_key=True)
    type: Mapped[str] = mapped_column(String(16), primary_key=True)
    hour: Mapped[datetime] = mapped_column(primary_key=True)
    accepted: Mapped[int] = mapped_column(BigInteger, default=0)
    deduplicated: Mapped[int] = mapped_column(BigInteger, default=0)
    rejected: Mapped[int] = mapped_column(BigInteger, default=0)
    stored: Mapped[int] = mapped_column(BigInteger, default=0)
    newest_event_at: Mapped[datetime | None]


class RejectedMessage(Base):
    """A refused request, kept (the newest few hundred) so an admin can see why."""

    __tablename__ = "event_rejections"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    source: Mapped[str] = mapped_column(String(120))
    status: Mapped[int]
    code: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    sample: Mapped[str | None] = mapped_column(Text)


class GroupLink(Base):
    """The account (groupId) a user last joined with a `group` call."""

    __tablename__ = "event_group_links"

    user_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    group_id: Mapped[str] = mapped_column(String(200))
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)


class UnmatchedGroup(Base):
    """A groupId that names no account yet, waiting for an admin to confirm or map it."""

    __tablename__ = "event_unmatched_groups"

    group_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    source: Mapped[str] = mapped_column(String(120))
    name: Mapped[str | None] = mapped_column(String(200))
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    messages: Mapped[int] = mapped_column(BigInteger, default=0)


class MoveState(Base):
    """How far the mover got in one ingest log, so side effects are applied once per log range."""

    __tablename__ = "event_move_state"
    __table_args__ = (Index("ix_event_move_state_log", "log_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    log_id: Mapped[str] = mapped_column(String(40))
    moved_offset: Mapped[int] = mapped_column(BigInteger, default=0)
