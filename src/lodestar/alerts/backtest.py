"""The alert backtest: for each rule over the history, recall, precision, lead time and noise, with intervals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from lodestar.alerts.schemas import AlertRules
from lodestar.kit.progress import Progress, silent


@dataclass(frozen=True)
class RuleFigures:
    """How one rule would have warned over the history (each figure with a 95% bootstrap interval)."""

    rule_key: str
    dates: int  # snapshot dates evaluated
    alerts: int  # alerts it would have raised (dedupe, cool-down and auto-resolve applied)
    accounts_warned: int
    churned: int  # accounts that churned within the horizon of a date in the range
    churned_warned: int  # of those, warned before their churn
    base_rate: float | None  # churned / accounts watched
    recall: float | None
    recall_low: float | None
    recall_high: float | None
    precision: float | None
    precision_low: float | None
    precision_high: float | None
    median_lead_days: float | None  # first warning to contract end, over churned accounts warned
    lead_low: float | None
    lead_high: float | None
    alerts_per_csm_week: float | None
    noise_low: float | None
    noise_high: float | None


def backtest_rules(
    session: Session,
    root: Path,
    rules: AlertRules,
    start: date | None,
    end: date | None,
    horizon: int,
    today: date,
    progress: Progress = silent,
) -> list[RuleFigures]:
    """Every enabled rule's figures over the snapshot dates in [start, end] (default: all with a whole horizon)."""
    raise NotImplementedError("being built")
