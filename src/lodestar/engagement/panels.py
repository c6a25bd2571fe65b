"""What engagement shows on the account page: tickets with their SLA state, NPS and CSAT answers.

A ticket's first response and resolution are each judged against the account tier's SLA hours: `met` or
`breached` once they happened, `waiting` or `overdue` while they have not (measured up to now).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from lodestar.accounts import config_kind as tiers_kind
from lodestar.accounts.models import Account
from lodestar.engagement import service
from lodestar.engagement.models import Ticket

NPS_PROMOTER, NPS_DETRACTOR = 9, 6  # 9-10 promoters, 0-6 detractors (the NPS convention)


@dataclass(frozen=True)
class TicketLine:
    """A ticket with hours to first response and resolution, and each one's SLA state."""

    ticket: Ticket
    response_hours: float | None
    response_state: str | None  # met, breached, waiting, overdue; None when the tier states no SLA
    resolution_hours: float | None
    resolution_state: str | None


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def sla_state(
    opened: datetime, done: datetime | None, target_hours: float | None, now: datetime
) -> tuple[float | None, str | None]:
    """Hours taken (None while waiting) and the state against a target in hours."""
    if done is not None:
        hours = (_aware(done) - _aware(opened)).total_seconds() / 3600
        return hours, None if target_hours is None else ("met" if hours <= target_hours else "breached")
    if target_hours is None:
        return None, None
    waited = (now - _aware(opened)).total_seconds() / 3600
    return None, "waiting" if waited <= target_hours else "overdue"


def engagement_panel(session: Session, account: Account, now: datetime | None = None) -> dict[str, Any]:
    """`tickets` (latest 20 with SLA states), `ticket_total`, `sla` (the tier's) and `surveys`."""
    moment = now or datetime.now(UTC)
    tier = tiers_kind.tier_named(session, account.tier)
    sla = tier.sla if tier else None
    tickets, total = service.account_tickets(session, account.id)
    lines = []
    for t in tickets:
        response = sla_state(
            t.opened_at, t.first_response_at, sla.first_response_hours if sla else None, moment
        )
        resolution = sla_state(t.opened_at, t.resolved_at, sla.resolution_hours if sla else None, moment)
        lines.append(TicketLine(t, *response, *resolution))
    return {
        "tickets": lines,
        "ticket_total": total,
        "sla": sla,
        "surveys": service.account_surveys(session, account.id),
        "nps_bounds": (NPS_DETRACTOR, NPS_PROMOTER),
    }
