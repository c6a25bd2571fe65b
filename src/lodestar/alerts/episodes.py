"""The set-based SQL of raising: each alert's episode (raised, seen, woken, resolved).

Every statement works on all the alerts it concerns at once: the date's findings are staged in a temporary
table (db/staging.py) and joined, never looped over per account. `accounts` (a staged table of account
ids, or None for every account) limits each change to the accounts a one-account recompute evaluated.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

import pyarrow as pa
from sqlalchemy import (
    Column,
    ColumnElement,
    Integer,
    String,
    Table,
    and_,
    bindparam,
    exists,
    insert,
    literal,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session

from lodestar.alerts import reasons
from lodestar.alerts.models import Alert, AlertState
from lodestar.alerts.schemas import AlertRule
from lodestar.db.base import JSONType
from lodestar.db.staging import staged

ALERTS: Table = Alert.__table__  # type: ignore[assignment]
RESOLVED = AlertState.RESOLVED.value
# What a finding is staged as: its evidence (JSON text) and the severity of its rule.
FINDING_COLUMNS = (
    Column("rule_key", String(60)),
    Column("account_id", Integer),
    Column("severity", String(16)),
    Column("evidence", JSONType),
)
_MOVED = {"synchronize_session": False}


def _live() -> ColumnElement[bool]:
    return ALERTS.c.state != RESOLVED


def _among(accounts: Table | None, column: Any = None) -> ColumnElement[bool]:
    """The rows of the evaluated accounts (every row when all were evaluated)."""
    if accounts is None:
        return true()
    return (column if column is not None else ALERTS.c.account_id).in_(select(accounts.c.account_id))


@contextmanager
def staged_accounts(session: Session, ids: pa.Array | None) -> Iterator[Table | None]:
    """The evaluated account ids as a temporary table (None: every account was evaluated)."""
    if ids is None:
        yield None
        return
    data = pa.table({"account_id": pa.array(ids, pa.int64()).unique()})
    with staged(session, [Column("account_id", Integer)], data, ["account_id"]) as table:
        yield table


@contextmanager
def staged_findings(session: Session, findings: pa.Table) -> Iterator[Table]:
    """The findings (rule_key, account_id, severity, evidence) as a temporary table."""
    with staged(session, FINDING_COLUMNS, findings, ["rule_key", "account_id"]) as table:
        yield table


def _resolved(as_of: date, now: datetime, reason: str, cooldown_until: date | None) -> dict[str, Any]:
    return {
        "state": RESOLVED,
        "resolved_on": as_of,
        "resolved_at": now,
        "resolved_by": None,
        "resolve_reason": reason,
        "cooldown_until": cooldown_until,
    }


def resolve_rules_gone(
    session: Session, enabled: set[str], as_of: date, now: datetime, accounts: Table | None
) -> list[tuple[int, str]]:
    """Resolves the live alerts of rules removed or disabled; (id, rule_key) of each."""
    stmt = (
        update(ALERTS)
        .where(_live(), ALERTS.c.rule_key.not_in(sorted(enabled)), _among(accounts))
        .values(_resolved(as_of, now, str(reasons.rule_gone()), None))
        .returning(ALERTS.c.id, ALERTS.c.rule_key)
    )
    return sorted((i, k) for i, k in session.execute(stmt, execution_options=_MOVED))


def wake_snoozed(session: Session, as_of: date, accounts: Table | None) -> list[tuple[int, date]]:
    """Opens again the snoozed alerts whose snooze ended before as_of; (id, snoozed_until) of each."""
    due = (ALERTS.c.state == AlertState.SNOOZED.value, ALERTS.c.snoozed_until < as_of, _among(accounts))
    # RETURNING would give the new (null) snooze: read the old ones first, in the same transaction.
    woken = sorted(
        (i, d) for i, d in session.execute(select(ALERTS.c.id, ALERTS.c.snoozed_until).where(*due))
    )
    if woken:
        stmt = update(ALERTS).where(*due).values(state=AlertState.OPEN.value, snoozed_until=None)
        session.execute(stmt, execution_options=_MOVED)
    return woken


def refresh_held(session: Session, staging: Table, as_of: date) -> int:
    """Marks the live alerts whose condition holds as seen on as_of, with the fresh evidence; rows changed."""
    same = and_(ALERTS.c.rule_key == staging.c.rule_key, ALERTS.c.account_id == staging.c.account_id)
    stmt = (
        update(ALERTS)
        .where(same, _live(), ALERTS.c.last_seen_on <= as_of)
        .where((ALERTS.c.last_seen_on != as_of) | ALERTS.c.evidence.is_distinct_from(staging.c.evidence))
        .values(last_seen_on=as_of, evidence=staging.c.evidence)
    )
    return int(session.execute(stmt, execution_options=_MOVED).rowcount)  # type: ignore[attr-defined]


def resolve_cleared(
    session: Session, rule: AlertRule, as_of: date, now: datetime, accounts: Table | None
) -> list[tuple[int, str]]:
    """Resolves the rule's live alerts not seen for resolve_after_days (cool-down from as_of); (id, rule)."""
    days = rule.resolve_after_days
    if days <= 0:
        return []
    stmt = (
        update(ALERTS)
        .where(_live(), ALERTS.c.rule_key == rule.key, ALERTS.c.last_seen_on <= as_of - timedelta(days=days))
        .where(_among(accounts))
        .values(_resolved(as_of, now, str(reasons.cleared(days)), as_of + timedelta(days=rule.cooldown_days)))
        .returning(ALERTS.c.id, ALERTS.c.rule_key)
    )
    return sorted((i, k) for i, k in session.execute(stmt, execution_options=_MOVED))


def insert_new(
    session: Session, staging: Table, version: int, as_of: date, now: datetime
) -> list[tuple[int, str, int, str]]:
    """Raises an alert for each finding with no live alert and no cool-down running for its rule and
    account; (id, rule_key, account_id, severity) of each, by id."""
    blocked = exists().where(
        ALERTS.c.rule_key == staging.c.rule_key,
        ALERTS.c.account_id == staging.c.account_id,
        _live() | (ALERTS.c.cooldown_until > as_of),
    )
    values = {
        "rule_key": staging.c.rule_key,
        "rules_version": literal(version, Integer),
        "account_id": staging.c.account_id,
        "severity": staging.c.severity,
        "state": literal(AlertState.OPEN.value, String),
        "raised_on": literal(as_of, ALERTS.c.raised_on.type),
        "raised_at": literal(now, ALERTS.c.raised_at.type),
        "last_seen_on": literal(as_of, ALERTS.c.last_seen_on.type),
        "evidence": staging.c.evidence,
    }
    stmt = (
        insert(ALERTS)
        .from_select(list(values), select(*values.values()).where(~blocked))
        .returning(ALERTS.c.id, ALERTS.c.rule_key, ALERTS.c.account_id, ALERTS.c.severity)
    )
    return sorted((i, k, a, s) for i, k, a, s in session.execute(stmt))


def set_playbook_runs(session: Session, runs: Mapping[int, int]) -> None:
    """Records on each alert (by id) the playbook run it started."""
    if not runs:
        return
    stmt = update(ALERTS).where(ALERTS.c.id == bindparam("alert")).values(playbook_run_id=bindparam("run"))
    session.connection().execute(stmt, [{"alert": a, "run": r} for a, r in sorted(runs.items())])
