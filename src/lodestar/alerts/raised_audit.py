"""The audit entries of alerts just raised, written by the database from the alert rows themselves.

A cold store's first run raises a whole portfolio's alerts at once (130,000 at 100,000 accounts): each entry
is one row of an INSERT … SELECT over the new alerts, its changes a JSON object built in SQL (db/json_sql.py),
so no Python runs per alert. The new alerts are found by their ids' contiguous ranges (one range when the
INSERT … SELECT of raising took its ids in a row).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Integer, String, Table, cast, literal, or_, select
from sqlalchemy.orm import Session

from lodestar.alerts.models import Alert
from lodestar.auth import service as auth_service
from lodestar.db.json_sql import json_object

ALERTS: Table = Alert.__table__  # type: ignore[assignment]
ENTITY = "alerts"  # as the inbox's own changes are recorded
RANGES_PER_STATEMENT = 200


def id_ranges(ids: Sequence[int]) -> list[tuple[int, int]]:
    """The ids (ascending) as the (first, last) of each run of consecutive ids."""
    ranges: list[tuple[int, int]] = []
    for i in ids:
        if ranges and ranges[-1][1] == i - 1:
            ranges[-1] = (ranges[-1][0], i)
        else:
            ranges.append((i, i))
    return ranges


def audit_raised(session: Session, as_of: date, ids: Sequence[int]) -> int:
    """One "alert.raise" entry per alert of these ids (ascending), with the playbook run recorded on it:
    {rule, account, severity, raised_on, playbook_run}; entries written."""
    changes = json_object(
        session,
        {
            "rule": ALERTS.c.rule_key,
            "account": ALERTS.c.account_id,
            "severity": ALERTS.c.severity,
            "raised_on": cast(literal(as_of.isoformat()), String),
            "playbook_run": ALERTS.c.playbook_run_id,
        },
    )
    ranges = id_ranges(ids)
    written = 0
    for start in range(0, len(ranges), RANGES_PER_STATEMENT):
        part = ranges[start : start + RANGES_PER_STATEMENT]
        within = or_(*(ALERTS.c.id.between(literal(a, Integer), literal(b, Integer)) for a, b in part))
        entries = select(ALERTS.c.id, changes).where(within)
        written += auth_service.record_selected(session, None, "alert.raise", ENTITY, entries)
    return written
