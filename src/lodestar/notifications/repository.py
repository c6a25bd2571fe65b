"""Queries on channels, preferences and the outbox (the worker's claims included)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Table, and_, func, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lodestar.notifications.models import Channel, OutboxMessage, Preference

OUTBOX: Table = OutboxMessage.__table__  # type: ignore[assignment]
STATUSES = ("pending", "sent", "dead")


def channels(session: Session) -> list[Channel]:
    """Every channel by key."""
    return list(session.scalars(select(Channel).order_by(Channel.key)))


def channel(session: Session, channel_id: int) -> Channel | None:
    """The channel with this id."""
    return session.get(Channel, channel_id)


def channel_by_key(session: Session, key: str) -> Channel | None:
    """The channel with this key."""
    return session.scalar(select(Channel).where(Channel.key == key))


def add(session: Session, record: Any) -> None:
    """Adds a record and flushes (it gets its id)."""
    session.add(record)
    session.flush()


def preferences(session: Session, user_ids: Iterable[int]) -> list[Preference]:
    """The preference rows of these people."""
    ids = sorted(set(user_ids))
    if not ids:
        return []
    return list(session.scalars(select(Preference).where(Preference.user_id.in_(ids))))


def preference(session: Session, user_id: int, channel_key: str) -> Preference | None:
    """One person's row for one channel."""
    query = select(Preference).where(Preference.user_id == user_id, Preference.channel == channel_key)
    return session.scalar(query)


COPY_FROM_ROWS = 500  # from this many rows PostgreSQL gets them by COPY: a huge multi-row INSERT's text
# costs the driver more to build and parse than the database to write (see db/bulk.py)


def insert_messages(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Inserts outbox rows in input order (ids ascending), skipping keys already there; how many were new."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql" and len(rows) >= COPY_FROM_ROWS:
        return _copy_messages(session, rows)
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(OUTBOX).on_conflict_do_nothing(index_elements=["idempotency_key"])
    return len(list(session.execute(statement.returning(OUTBOX.c.id), list(rows))))


def _copy_messages(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """COPY into a temporary table, then one INSERT … SELECT … ON CONFLICT DO NOTHING in the rows' order."""
    names = list(rows[0])
    columns = ", ".join(f'"{n}"' for n in names)
    stage = f"outbox_stage_{uuid.uuid4().hex[:12]}"
    session.execute(text(f'CREATE TEMPORARY TABLE "{stage}" ON COMMIT DROP AS SELECT {columns} FROM '
                         f'"{OUTBOX.name}" WITH NO DATA'))  # fmt: skip
    session.execute(text(f'ALTER TABLE "{stage}" ADD COLUMN seq integer'))
    connection = session.connection().connection.driver_connection
    assert connection is not None
    json_columns = {n for n in names if isinstance(OUTBOX.c[n].type, JSON)}
    with connection.cursor() as cursor, cursor.copy(f'COPY "{stage}" ({columns}, seq) FROM STDIN') as copy:
        for seq, row in enumerate(rows):
            copy.write_row([json.dumps(row[n]) if n in json_columns else row[n] for n in names] + [seq])
    inserted = session.execute(
        text(
            f'INSERT INTO "{OUTBOX.name}" ({columns}) SELECT {columns} FROM "{stage}" ORDER BY seq '
            "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id"
        )
    )
    count = len(inserted.all())
    session.execute(text(f'DROP TABLE "{stage}"'))
    return count


def status_counts(session: Session) -> dict[str, int]:
    """Messages per status (every status named, 0 when none)."""
    found: dict[str, int] = dict(
        session.execute(select(OUTBOX.c.status, func.count()).group_by(OUTBOX.c.status)).all()
    )
    return {s: int(found.get(s, 0)) for s in STATUSES}


def messages(session: Session, status: str | None, limit: int, offset: int = 0) -> list[OutboxMessage]:
    """Outbox messages, newest first, of one status or all."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit).offset(offset)
    if status:
        query = query.where(OutboxMessage.status == status)
    return list(session.scalars(query))


def message(session: Session, message_id: int) -> OutboxMessage | None:
    """One outbox message."""
    return session.get(OutboxMessage, message_id)


def requeue(session: Session, ids: Sequence[int] | None, now: datetime) -> int:
    """Puts dead messages (these, or all) back in the queue with a fresh attempt count."""
    statement = (
        update(OUTBOX)
        .where(OUTBOX.c.status == "dead")
        .values(status="pending", attempts=0, next_attempt_at=now, claimed_until=None)
    )
    if ids is not None:
        statement = statement.where(OUTBOX.c.id.in_(list(ids)))
    return int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]


# The worker's queue: lanes, claims, outcomes.


@dataclass(frozen=True)
class Lane:
    """The messages that must arrive in order: one channel, and one person on it (or the whole group)."""

    channel_key: str
    user_id: int | None


def _in_lane(lane: Lane) -> Any:
    person = OUTBOX.c.user_id.is_(None) if lane.user_id is None else OUTBOX.c.user_id == lane.user_id
    return and_(OUTBOX.c.channel_key == lane.channel_key, person)


def _due(now: datetime) -> Any:
    return and_(
        OUTBOX.c.status == "pending",
        OUTBOX.c.next_attempt_at <= now,
        or_(OUTBOX.c.not_before.is_(None), OUTBOX.c.not_before <= now),
        or_(OUTBOX.c.claimed_until.is_(None), OUTBOX.c.claimed_until < now),
    )


def take_write_lock(session: Session) -> None:
    """On SQLite, takes the database's single writer lock now, before the claim reads: two workers then
    claim one after the other (the busy timeout waits), never both from the same snapshot."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(OUTBOX).where(OUTBOX.c.id == -1).values(attempts=OUTBOX.c.attempts))


def lane_heads(session: Session, now: datetime, skip: Iterable[str] = ()) -> list[tuple[Lane, int]]:
    """Each lane whose oldest pending message (the one that must go first) is due, oldest lanes first;
    lanes of the channels in `skip` (paused, or out of tokens) left out."""
    c = OUTBOX.c
    # Two plain queries rather than one join: fresh rows have no statistics yet, and PostgreSQL's planner
    # then re-ran the grouping once per pending row (seconds for a few thousand).
    query = select(c.channel_key, c.user_id, func.min(c.id)).where(c.status == "pending")
    skipped = sorted(set(skip))
    if skipped:
        query = query.where(c.channel_key.not_in(skipped))
    heads = {int(h): Lane(k, u) for k, u, h in session.execute(query.group_by(c.channel_key, c.user_id))}
    due: list[int] = []
    ids = sorted(heads)
    for i in range(0, len(ids), 5000):
        due += list(session.scalars(select(c.id).where(c.id.in_(ids[i : i + 5000]), _due(now))))
    return [(heads[h], h) for h in sorted(due)]


def lock_due_head(session: Session, head_id: int, now: datetime) -> bool:
    """Whether the lane's head is due and unclaimed, locking it (PostgreSQL: FOR UPDATE SKIP LOCKED, so a
    second worker passes over a lane the first is claiming instead of waiting for it)."""
    query = select(OUTBOX.c.id).where(OUTBOX.c.id == head_id, _due(now)).with_for_update(skip_locked=True)
    return session.scalar(query) is not None


MESSAGE_COLUMNS = (
    OUTBOX.c.id,
    OUTBOX.c.idempotency_key,
    OUTBOX.c.channel_key,
    OUTBOX.c.recipient,
    OUTBOX.c.subject,
    OUTBOX.c.body,
    OUTBOX.c.attempts,
)


def claim_lane(
    session: Session, lane: Lane, head_id: int, now: datetime, limit: int, lease_s: float
) -> list[Any]:
    """Leases the lane's due messages from its head, in id order, up to the first that is not due."""
    due = _due(now)
    query = (
        select(*MESSAGE_COLUMNS, due.label("due"))
        .where(_in_lane(lane), OUTBOX.c.status == "pending", OUTBOX.c.id >= head_id)
        .order_by(OUTBOX.c.id)
        .limit(limit)
    )
    taken = []
    for row in session.execute(query):
        if not row.due:
            break  # a later message waits behind one that is not due: the lane's order holds
        taken.append(row)
    if taken:
        lease = now + timedelta(seconds=lease_s)
        ids = [r.id for r in taken]
        session.execute(update(OUTBOX).where(OUTBOX.c.id.in_(ids)).values(claimed_until=lease))
    return taken


def mark_sent(session: Session, ids: Sequence[int], now: datetime) -> None:
    """Marks delivered messages sent (the receiver accepted each)."""
    if ids:
        values = {"status": "sent", "sent_at": now, "claimed_until": None, "attempts": OUTBOX.c.attempts + 1}
        session.execute(update(OUTBOX).where(OUTBOX.c.id.in_(list(ids))).values(**values, last_error=None))


def extend_lease(session: Session, ids: Sequence[int], until: datetime) -> None:
    """Keeps the claim on messages still to deliver."""
    if ids:
        session.execute(update(OUTBOX).where(OUTBOX.c.id.in_(list(ids))).values(claimed_until=until))


def release(session: Session, ids: Sequence[int]) -> None:
    """Gives claimed messages back, untried."""
    if ids:
        session.execute(update(OUTBOX).where(OUTBOX.c.id.in_(list(ids))).values(claimed_until=None))


def mark_failed(session: Session, message_id: int, error: str, retry_at: datetime, dead: bool) -> None:
    """Counts a failed attempt: the next try's time, or the message parked as dead."""
    values = {
        "attempts": OUTBOX.c.attempts + 1,
        "last_error": error[:2000],
        "next_attempt_at": retry_at,
        "claimed_until": None,
        "status": "dead" if dead else "pending",
    }
    session.execute(update(OUTBOX).where(OUTBOX.c.id == message_id).values(**values))


def defer(session: Session, message_id: int, error: str, retry_at: datetime) -> None:
    """A receiver that asked us to slow down: try again then, without counting an attempt."""
    values = {"last_error": error[:2000], "next_attempt_at": retry_at, "claimed_until": None}
    session.execute(update(OUTBOX).where(OUTBOX.c.id == message_id).values(**values))


def next_due_at(session: Session) -> datetime | None:
    """The earliest time a pending message becomes due: its next attempt, quiet hours and lease passed."""
    c = OUTBOX.c
    latest = func.greatest if session.get_bind().dialect.name == "postgresql" else func.max
    due = latest(c.next_attempt_at, func.coalesce(c.not_before, c.next_attempt_at),
                 func.coalesce(c.claimed_until, c.next_attempt_at))  # fmt: skip
    query = select(func.min(due, type_=c.next_attempt_at.type)).where(c.status == "pending")
    return session.scalar(query)


def pending(session: Session) -> int:
    """How many messages wait to be delivered."""
    return int(session.scalar(select(func.count()).where(OUTBOX.c.status == "pending")) or 0)
