"""The alert step of the daily pipeline and of a recompute: evaluate the rules, then raise (raising.py).

"Present" is what keeps a backfill from raising anything for today: a run's latest date is the present
when no stored snapshot is newer. Its earlier dates, and every date of a backfill of the past, only record
their signals (the backtest's history); alerts are raised, seen and resolved on the present date alone.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from pathlib import Path

import pyarrow as pa
from sqlalchemy.orm import Session

from lodestar.alerts import config_kind
from lodestar.alerts.conditions.evaluate import evaluate
from lodestar.alerts.raising import RaiseReport, raise_alerts
from lodestar.analytics import snapshot_store


def present_date(root: Path, dates: Sequence[date]) -> date | None:
    """The run's latest date when no stored snapshot is newer (the present), else None (a backfill)."""
    if not dates:
        return None
    latest, stored = max(dates), snapshot_store.dates(root, patched=True)
    return latest if not stored or latest >= stored[-1] else None


def after_snapshot(
    session: Session, root: Path, dates: Sequence[date], present: date | None
) -> dict[str, int]:
    """Evaluates the rules on each of the run's dates: signals for all, alerts on the present date only."""
    rules, version = config_kind.current(session)
    totals = {"signals": 0, "raised": 0, "resolved": 0, "playbook_runs": 0, "notices": 0}
    for day in sorted(set(dates)):
        findings = evaluate(session, root, rules, day)
        _add(totals, raise_alerts(session, rules, version, day, findings, present=day == present))
    return totals


def after_recompute(session: Session, root: Path, account_ids: Collection[int], as_of: date) -> RaiseReport:
    """Evaluates the rules for the recomputed accounts on as_of (their signals; their alerts if present)."""
    rules, version = config_kind.current(session)
    ids = sorted(set(account_ids))
    findings = evaluate(session, root, rules, as_of, account_ids=ids)
    present = present_date(root, [as_of]) == as_of
    return raise_alerts(session, rules, version, as_of, findings, present, pa.array(ids, pa.int64()))


def _add(totals: dict[str, int], report: RaiseReport) -> None:
    totals["signals"] += report.signals
    totals["raised"] += len(report.raised)
    totals["resolved"] += len(report.resolved)
    totals["playbook_runs"] += report.playbook_runs
    totals["notices"] += report.notices
