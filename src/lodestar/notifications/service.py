"""What other domains call on notifications: hand over notices to be written to the outbox."""

# stub: the notifications helper's version replaces this

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from lodestar.notifications.schemas import Notice


def notify(session: Session, notices: Sequence[Notice]) -> int:
    """Writes the notices' messages to the outbox in the caller's transaction; messages written."""
    return 0
