"""Notifications: notices into the outbox (in the caller's transaction), channels, preferences, the outbox.

The only entry point other packages use: `notify` (alerts, the digest), `digest_notices` (the pipeline's
daily digest), the channel, preference and outbox functions (the pages, API and CLI), `run_worker`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from lodestar.auth import service as auth_service
from lodestar.auth.models import User
from lodestar.kit.errors import Conflict, InvalidInput, NotFound
from lodestar.kit.text import Text
from lodestar.kit.time import utcnow
from lodestar.notifications import audience, outbox_rows, repository
from lodestar.notifications.channel_admin import (
    channel_read,
    create_channel,
    get_channel,
    list_channels,
    test_channel,
    update_channel,
)
from lodestar.notifications.digest import digest_notices
from lodestar.notifications.preferences import preferences_of, set_preferences
from lodestar.notifications.schemas import Notice, OutboxItem, OutboxRead
from lodestar.notifications.worker import Tally, Worker
from lodestar.settings import Settings, get_settings

__all__ = [
    "channel_read",
    "create_channel",
    "digest_notices",
    "email_outside",
    "get_channel",
    "list_channels",
    "notify",
    "outbox",
    "preferences_of",
    "retry_dead",
    "retry_message",
    "run_worker",
    "set_preferences",
    "test_channel",
    "update_channel",
]
log = logging.getLogger("lodestar.notifications")


def notify(
    session: Session, notices: Sequence[Notice], settings: Settings | None = None, now: datetime | None = None
) -> int:
    """Writes the outbox rows of these notices in the caller's transaction (never commits); how many rows
    were new. Each person's preferences and each channel's floor decide who gets what; a key already in the
    outbox is left alone, so telling the same notice twice writes nothing."""
    if not notices:
        return 0
    settings = settings or get_settings()
    now = now or utcnow()
    wanted_users = {u for n in notices for u in n.user_ids}
    people = {
        u.id: audience.Person(u.id, u.name, u.email, u.locale)
        for u in auth_service.list_users(session)
        if u.active and u.id in wanted_users
    }
    places = {
        c.key: audience.Place(c.key, c.kind, c.locale, c.min_severity)
        for c in repository.channels(session)
        if c.enabled
    }
    unknown = {k for n in notices for k in n.channel_keys} - places.keys()
    if unknown:
        log.warning("notices name channels that do not exist or are disabled: %s", ", ".join(sorted(unknown)))
    chosen = {
        (p.user_id, p.channel): audience.Rule(p.min_severity, p.mode, p.quiet_from, p.quiet_to)
        for p in repository.preferences(session, people)
    }
    deliveries = audience.plan(
        notices, people, places, chosen, now, settings.zone, email_on=bool(settings.smtp_host)
    )
    session.flush()  # pending ORM rows (the alerts these notices name) before the Core insert
    return repository.insert_messages(session, outbox_rows.rows(deliveries, settings.base_url, now))


def email_outside(
    session: Session,
    key: str,
    recipient: str,
    locale: str,
    subject: str,
    text: str,
    settings: Settings | None = None,
) -> int:
    """Writes one e-mail to someone outside the team (a customer's contact) to the outbox, in the caller's
    transaction; 1 when written, 0 when the key is already there or no SMTP server is configured."""
    settings = settings or get_settings()
    if not settings.smtp_host:
        return 0
    row = outbox_rows.email_row(audience.idempotency_key(key), recipient, locale, subject, text, utcnow())
    return repository.insert_messages(session, [row])


def outbox(session: Session, status: str | None = None, limit: int = 50, offset: int = 0) -> OutboxRead:
    """The outbox's counts by status and its messages (newest first; one status, or all)."""
    if status is not None and status not in repository.STATUSES:
        raise InvalidInput.one("status", Text("must be pending, sent or dead"))
    items = [OutboxItem.model_validate(m) for m in repository.messages(session, status, limit, offset)]
    return OutboxRead(counts=repository.status_counts(session), items=items)


def retry_message(session: Session, message_id: int, actor: User | None) -> int:
    """Puts one dead message back in the queue."""
    message = repository.message(session, message_id)
    if message is None:
        raise NotFound(f"message {message_id} not found")
    if message.status != "dead":
        raise Conflict(Text("message %(id)s is %(status)s, not dead", id=message_id, status=message.status))
    count = repository.requeue(session, [message_id], utcnow())
    auth_service.record(session, actor, "retry", "notification", message_id)
    return count


def retry_dead(session: Session, actor: User | None) -> int:
    """Puts every dead message back in the queue; how many."""
    count = repository.requeue(session, None, utcnow())
    auth_service.record(session, actor, "retry_dead", "notification", None, {"requeued": count})
    return count


def run_worker(engine: Engine, settings: Settings, once: bool = True) -> Tally:
    """Delivers the outbox: everything due now (once), or until interrupted."""
    import threading

    worker = Worker(engine, settings)
    try:
        if once:
            return worker.run_once()
        stopped = threading.Event()
        try:
            worker.run_until(stopped)
        except KeyboardInterrupt:
            stopped.set()
        return Tally()
    finally:
        worker.close()
