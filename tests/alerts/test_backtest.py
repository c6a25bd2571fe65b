"""The alert backtest on hand-made data with known answers: the replay of raising (dedupe, cool-down,
auto-resolve), then recall, precision, lead time and noise per rule and for any warning rule."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from sqlalchemy import update

from lodestar.alerts.backtest import backtest_rules
from lodestar.alerts.episode_simulation import day_numbers, simulate
from lodestar.alerts.schemas import AlertRules
from lodestar.analytics import snapshot_store
from lodestar.auth.models import Role
from lodestar.contracts.models import Contract
from lodestar.kit.errors import InvalidInput
from lodestar.kit.time import day_number
from tests.alerts.raising_fixtures import Team, findings, team
from tests.factories import make_account, make_contract, make_user

__all__ = ["team"]
D0 = date(2026, 1, 5)
WEEKLY = [D0 + timedelta(days=7 * i) for i in range(11)]
TODAY = date(2027, 1, 1)
SNAPSHOT = pa.schema(
    [
        ("account_id", pa.int64()),
        ("stage", pa.string()),
        ("co_score", pa.float64()),
        ("cx_score", pa.float64()),
        ("grade", pa.string()),
        ("days_since_last_activity", pa.int64()),
    ]
)


# What r1, r2 and r3 watch: columns of the snapshots the company fixture writes (no default rule reads them).
WHEN = {
    "r1": {"kind": "threshold", "metric": "co_score", "op": "<", "value": 40},
    "r2": {"kind": "threshold", "metric": "cx_score", "op": "<", "value": 40},
    "r3": {"kind": "threshold", "metric": "co_score", "op": "<", "value": 30},
}
HEALTH_BELOW_40 = {"kind": "threshold", "metric": "health_score", "op": "<", "value": 40}


def _rules(*specs: tuple[str, str, int, int]) -> AlertRules:
    """Rules of (key, severity, resolve_after_days, cooldown_days), each a threshold (WHEN, else health)."""
    return AlertRules.model_validate(
        {
            "rules": [
                {
                    "key": key,
                    "name": key,
                    "name_zh": key,
                    "severity": severity,
                    "when": WHEN.get(key, HEALTH_BELOW_40),
                    "resolve_after_days": after,
                    "cooldown_days": cooldown,
                }
                for key, severity, after, cooldown in specs
            ]
        }
    )


def _signals(*rows: tuple[str, int, int]) -> pa.Table:
    """Signals from (rule_key, account_id, week index) rows."""
    return pa.table(
        {
            "as_of": pa.array([WEEKLY[w] for _, _, w in rows], pa.date32()),
            "rule_key": pa.array([k for k, _, _ in rows], pa.string()),
            "account_id": pa.array([a for _, a, _ in rows], pa.int64()),
        }
    )


def _raised(table: pa.Table) -> list[tuple[str, int, int]]:
    """(rule, account, week index) of the simulated alerts."""
    weeks = {day_number(d): i for i, d in enumerate(WEEKLY)}
    return sorted(
        (k, a, weeks[d])
        for k, a, d in zip(
            *(table.column(n).to_pylist() for n in ("rule_key", "account_id", "day")), strict=True
        )
    )


def test_the_replay_raises_once_per_episode_and_waits_out_the_cool_down() -> None:
    rules = {r.key: r for r in _rules(("r", "warning", 7, 14), ("hand", "info", 0, 0)).rules}
    signals = _signals(
        ("r", 1, 0),
        ("r", 1, 1),
        ("r", 1, 2),  # one episode: one alert
        ("r", 2, 0),
        ("r", 2, 3),  # resolved on week 1, cool-down to week 3: a new alert on week 3
        ("r", 3, 0),
        ("r", 3, 2),
        ("r", 3, 4),  # week 2 falls in the cool-down; week 4 raises again
        ("r", 3, 4),  # a repeated signal counts once
        ("hand", 4, 0),
        ("hand", 4, 9),  # resolves only by hand: never raised twice
        ("gone", 5, 0),  # a rule not in the set
    )
    raised = simulate(signals, day_numbers(WEEKLY), rules)
    assert _raised(raised) == [
        ("hand", 4, 0),
        ("r", 1, 0),
        ("r", 2, 0),
        ("r", 2, 3),
        ("r", 3, 0),
        ("r", 3, 4),
    ]


def test_the_replay_resolves_on_the_first_evaluated_date_after_the_quiet_days() -> None:
    # Evaluated every two weeks: an alert seen on week 0 with resolve_after_days 10 resolves on week 2
    # (the first evaluated date 10 days on), so the cool-down of 7 days ends before week 4.
    rules = {r.key: r for r in _rules(("r", "warning", 10, 7)).rules}
    grid = day_numbers(WEEKLY[::2])
    assert _raised(simulate(_signals(("r", 1, 0), ("r", 1, 4)), grid, rules)) == [("r", 1, 0), ("r", 1, 4)]
    slow = {r.key: r for r in _rules(("r", "warning", 10, 15)).rules}
    assert _raised(simulate(_signals(("r", 1, 0), ("r", 1, 4)), grid, slow)) == [("r", 1, 0)]


# Each account's values on the four snapshot dates, where they differ from co 80, cx 80, green, 1 idle day.
# Findings: week 0 r1 and r3 on A, r1 on the lead, health_red on A; week 1 r1 on A; week 2 r1 and r3 on C;
# week 3 r2 on B, no_activity on C; D's co_score of 45 on week 3 answers only a bound of 50.
VALUES: dict[tuple[str, int], dict[str, Any]] = {
    ("A", 0): {"co_score": 20.0, "grade": "red"},
    ("L", 0): {"co_score": 35.0},
    ("A", 1): {"co_score": 35.0},
    ("C", 2): {"co_score": 20.0},
    ("B", 3): {"cx_score": 20.0},
    ("C", 3): {"days_since_last_activity": 20},
    ("D", 3): {"co_score": 45.0},
}


@pytest.fixture
def company(team: Team, tmp_path: Path) -> tuple[Team, Path, dict[str, int]]:
    """Four customers (A and B churn, C and D renew) and a lead, owned by two CSMs, with four weekly
    snapshots from 2026-01-05 holding VALUES."""
    db = team.db
    other = make_user(db, Role.CSM, manager=team.manager)
    owners = {"A": team.csm, "B": team.csm, "C": other, "D": other, "L": other}
    ids = {n: make_account(db, u, team.admin, name=f"Company {n}").id for n, u in owners.items()}
    accounts = {n: db.get(type(team.a), i) for n, i in ids.items()}
    a = make_contract(db, accounts["A"], team.admin, start_date=date(2025, 3, 31), end_date=date(2026, 3, 31))
    b = make_contract(db, accounts["B"], team.admin, start_date=date(2025, 6, 30), end_date=date(2026, 6, 30))
    for n in ("C", "D"):
        make_contract(db, accounts[n], team.admin, start_date=date(2025, 6, 1), end_date=date(2026, 12, 31))
    db.execute(update(Contract).where(Contract.id == a.id).values(status="expired"))
    db.execute(update(Contract).where(Contract.id == b.id).values(churned_on=date(2026, 4, 15)))
    db.commit()
    root = tmp_path / "snapshots"
    stages = {"A": "renewal", "B": "maturity", "C": "maturity", "D": "growth", "L": "lead_pool"}
    for week, day in enumerate(WEEKLY[:4]):
        rows = [
            {"co_score": 80.0, "cx_score": 80.0, "grade": "green", "days_since_last_activity": 1}
            | VALUES.get((n, week), {})
            | {"account_id": ids[n], "stage": stage}
            for n, stage in stages.items()
        ]
        snapshot_store.write(root, day, pa.Table.from_pylist(rows, schema=SNAPSHOT))
    return team, root, ids


def _row(figures: list[Any], key: str) -> dict[str, Any]:
    return vars(next(f for f in figures if f.rule_key == key))


def test_recall_precision_lead_and_noise_per_rule_and_for_any_warning_rule(
    company: tuple[Team, Path, dict[str, int]],
) -> None:
    team, root, _ = company
    rules = _rules(("r1", "warning", 7, 14), ("r2", "critical", 7, 14), ("r3", "info", 7, 14))
    got = backtest_rules(team.db, root, rules, None, None, 90, TODAY)
    # r1 holds on the lead on week 0 too: no customer, not counted.
    assert [f.rule_key for f in got] == ["r1", "r2", "r3", "*"]
    r1 = _row(got, "r1")
    # A (churned 2026-03-31, warned 2026-01-05) and B (churned 2026-04-15) churned; C was warned and renewed.
    assert {k: r1[k] for k in ("dates", "alerts", "accounts_warned", "churned", "churned_warned")} == {
        "dates": 4,
        "alerts": 2,
        "accounts_warned": 2,
        "churned": 2,
        "churned_warned": 1,
    }
    assert (r1["base_rate"], r1["recall"], r1["precision"], r1["median_lead_days"]) == (0.5, 0.5, 0.5, 85.0)
    assert r1["alerts_per_csm_week"] == pytest.approx(0.25)  # 1 alert per CSM over 4 weeks
    r2 = _row(got, "r2")
    assert (r2["recall"], r2["precision"], r2["median_lead_days"]) == (
        0.5,
        1.0,
        155.0,
    )  # to the end, 2026-06-30
    anyone = _row(got, "*")  # r1 or r2: the info rule r3 is a reminder, not a warning
    assert (anyone["alerts"], anyone["churned_warned"], anyone["recall"]) == (3, 2, 1.0)
    assert anyone["precision"] == pytest.approx(2 / 3) and anyone["median_lead_days"] == 120.0
    assert anyone["alerts_per_csm_week"] == pytest.approx(3 / 8)
    assert anyone["recall_low"] is not None and anyone["recall_low"] <= 1.0 <= (anyone["recall_high"] or 0)
    assert anyone["precision_low"] <= anyone["precision"] <= anyone["precision_high"]
    assert anyone["lead_low"] <= 120.0 <= anyone["lead_high"]


def test_stored_signals_of_the_active_rules_are_read_and_an_edited_rule_is_evaluated_live(
    company: tuple[Team, Path, dict[str, int]],
) -> None:
    from lodestar.alerts.raising import raise_alerts
    from lodestar.config import service as config_service

    team, root, ids = company
    rules = _rules(("r1", "warning", 7, 14))
    version = config_service.save(team.db, "alerts", rules.model_dump(mode="json"), "test")
    assert version is not None
    # Stored signals that differ from what the snapshots say: A on every date (live: A, then C).
    for day in WEEKLY[:4]:
        raise_alerts(team.db, rules, version, day, findings(("r1", ids["A"], 1)), present=False)
    stored = _row(backtest_rules(team.db, root, rules, None, None, 90, TODAY), "r1")
    assert (stored["alerts"], stored["accounts_warned"], stored["recall"], stored["precision"]) == (
        1,
        1,
        0.5,
        1.0,
    )
    edited = _rules(("r1", "warning", 7, 14))
    edited.rules[0].when.value = 50.0  # type: ignore[union-attr]
    live = _row(backtest_rules(team.db, root, edited, None, None, 90, TODAY), "r1")
    # Below 50: A (weeks 0-1), C (week 2) and D (week 3); A alone of them churned.
    assert (live["alerts"], live["accounts_warned"], live["recall"]) == (3, 3, 0.5)
    assert live["precision"] == pytest.approx(1 / 3)


def test_a_range_without_snapshot_dates_or_a_bad_horizon_is_refused_naming_the_field(
    company: tuple[Team, Path, dict[str, int]],
) -> None:
    team, root, _ = company
    rules = _rules(("r1", "warning", 7, 14))
    with pytest.raises(InvalidInput) as empty:
        backtest_rules(team.db, root, rules, date(2025, 1, 1), date(2025, 2, 1), 90, TODAY)
    assert empty.value.problems[0].field == "from"
    with pytest.raises(InvalidInput) as bad:
        backtest_rules(team.db, root, rules, None, None, 0, TODAY)
    assert bad.value.problems[0].field == "horizon"
    with pytest.raises(InvalidInput) as backwards:
        backtest_rules(team.db, root, rules, date(2026, 2, 1), date(2026, 1, 1), 90, TODAY)
    assert backwards.value.problems[0].field == "to"
    assert np.array_equal(day_numbers([WEEKLY[1], WEEKLY[0]]), [day_number(WEEKLY[0]), day_number(WEEKLY[1])])


def test_the_command_prints_each_default_rules_figures_as_json_and_refuses_a_bad_date(
    company: tuple[Team, Path, dict[str, int]], db_url: str
) -> None:
    from typer.testing import CliRunner

    from lodestar.cli import app

    _, root, _ = company  # the default rules: health_red holds on A on week 0, no_activity on C on week 3
    env = {"LODESTAR_DATABASE_URL": db_url, "LODESTAR_DATA_DIR": str(root.parent)}
    runner = CliRunner()
    done = runner.invoke(
        app, ["backtest", "alerts", "--to", "2026-01-31", "--horizon", "90", "--json"], env=env
    )
    assert done.exit_code == 0, done.output
    answer = json.loads(done.output)
    rows = {r["rule_key"]: r for r in answer["rules"]}
    assert answer["horizon_days"] == 90 and len(rows) == 11 and "*" in rows  # 10 default rules
    assert (rows["health_red"]["alerts"], rows["health_red"]["recall"], rows["health_red"]["precision"]) == (
        1,
        0.5,
        1.0,
    )
    assert (rows["*"]["alerts"], rows["*"]["precision"]) == (2, 0.5)
    text = runner.invoke(app, ["backtest", "alerts", "--to", "2026-01-31", "--horizon", "90"], env=env)
    assert (
        text.exit_code == 0 and "health_red: 1 alerts on 1 accounts over 4 dates; recall 50%" in text.output
    )
    bad = runner.invoke(app, ["backtest", "alerts", "--from", "31/01/2026"], env=env)
    assert bad.exit_code == 2 and "--from: '31/01/2026' is not a date" in bad.output
    empty = runner.invoke(app, ["backtest", "alerts", "--from", "2020-01-01", "--to", "2020-02-01"], env=env)
    assert (
        empty.exit_code == 2
        and "error: from: no snapshot date between 2020-01-01 and 2020-02-01" in empty.output
    )
