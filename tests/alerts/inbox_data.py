"""Alerts for the inbox, API, CLI and page tests, written as rows: raising them is the engine's job."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.alerts import backtest as alert_backtest
from lodestar.alerts.backtest import RuleFigures
from lodestar.alerts.models import Alert
from lodestar.alerts.schemas import AlertRules
from lodestar.auth.models import Role, User
from tests.factories import make_account, make_contract, make_user

RAISED = date(2026, 3, 2)
# Evidence as the engine stores it: a sentence whose values may be sentences (a metric's label).
USAGE_EVIDENCE: list[dict[str, Any]] = [
    {
        "msgid": "%(measure)s %(before)s -> %(after)s",
        "values": {
            "measure": {"msgid": "active-user ratio", "values": {}},
            "before": "0.42",
            "after": "0.21",
        },
    }
]


def make_alert(
    db: Session,
    account: Account | int,
    rule_key: str = "health_red",
    *,
    severity: str = "critical",
    state: str = "open",
    raised_on: date = RAISED,
    evidence: list[dict[str, Any]] | None = None,
    **kw: Any,
) -> Alert:
    """One alert row on an account (flushed)."""
    alert = Alert(
        rule_key=rule_key,
        rules_version=0,
        account_id=account if isinstance(account, int) else account.id,
        severity=severity,
        state=state,
        raised_on=raised_on,
        last_seen_on=kw.pop("last_seen_on", raised_on),
        evidence=USAGE_EVIDENCE if evidence is None else evidence,
        **kw,
    )
    db.add(alert)
    db.flush()
    return alert


@dataclass
class Crew:
    """An admin, a manager with two CSMs, a CSM outside the team, a viewer; an account each for the CSMs;
    alerts of every state on them."""

    admin: User
    manager: User
    csm: User
    mate: User
    outsider: User
    viewer: User
    mine: Account  # csm's
    mates: Account  # mate's
    theirs: Account  # outsider's
    alerts: dict[str, int] = field(default_factory=dict)  # name -> alert id


@pytest.fixture
def crew(db: Session) -> Crew:
    """The team, its accounts and alerts, committed: on Mine Ltd an open critical, an open warning and a
    resolved one; on Mate Ltd an acknowledged one; on Theirs Ltd a snoozed one."""
    admin = make_user(db, Role.ADMIN, name="Ada Admin")
    manager = make_user(db, Role.MANAGER, name="Max Manager")
    csm = make_user(db, Role.CSM, manager=manager, name="Cora Csm")
    mate = make_user(db, Role.CSM, manager=manager, name="Mia Mate")
    outsider = make_user(db, Role.CSM, name="Otto Other")
    viewer = make_user(db, Role.VIEWER, name="Vera Viewer")
    mine = make_account(db, csm, admin, name="Mine Ltd")
    make_contract(db, mine, admin, arr=Decimal("120000"))
    mates = make_account(db, mate, admin, name="Mate Ltd")
    theirs = make_account(db, outsider, admin, name="Theirs Ltd")
    crew = Crew(admin, manager, csm, mate, outsider, viewer, mine, mates, theirs)
    crew.alerts = {
        "red": make_alert(db, mine, "health_red").id,
        "usage": make_alert(db, mine, "usage_drop", severity="warning", raised_on=date(2026, 3, 1)).id,
        "old": make_alert(
            db, mine, "ticket_spike", severity="warning", state="resolved", raised_on=date(2026, 1, 5),
            resolved_on=date(2026, 1, 20), resolve_reason="Fixed the integration",
        ).id,
        "mates": make_alert(db, mates, "nps_detractor", severity="warning", state="acknowledged").id,
        "theirs": make_alert(db, theirs, "no_activity", state="snoozed", snoozed_until=date(2026, 3, 20)).id,
    }  # fmt: skip
    db.commit()
    return crew


def figures(rule_key: str, alerts: int = 312, precision: float | None = 0.41) -> RuleFigures:
    """A rule's backtest figures as the backtest hands them back (for pages that show them)."""
    return RuleFigures(
        rule_key=rule_key, dates=26, alerts=alerts, accounts_warned=200, churned=50, churned_warned=38,
        base_rate=0.08, recall=0.76, recall_low=0.64, recall_high=0.86, precision=precision,
        precision_low=0.35, precision_high=0.47, median_lead_days=74.0, lead_low=61.0, lead_high=88.0,
        alerts_per_csm_week=1.25, noise_low=1.1, noise_high=1.4,
    )  # fmt: skip


class BacktestCalls:
    """Stands in for the backtest and records what it was asked (the rules given, the dates)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, session: Session, root: Any, rules: AlertRules, start: Any, end: Any, horizon: int,
                 today: date, progress: Any = None) -> list[RuleFigures]:  # fmt: skip
        self.calls.append({"rules": rules, "start": start, "end": end, "horizon": horizon, "today": today})
        return [figures(r.key, alerts=10 * (i + 1)) for i, r in enumerate(rules.rules) if r.enabled]


@pytest.fixture
def backtest_calls(monkeypatch: pytest.MonkeyPatch) -> BacktestCalls:
    """The backtest replaced by one that answers fixed figures per enabled rule, recording its calls."""
    fake = BacktestCalls()
    monkeypatch.setattr(alert_backtest, "backtest_rules", fake)
    return fake
