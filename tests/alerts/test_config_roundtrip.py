"""Alert rules through `lodestar config export|apply`: a round trip, and bad rules refused by path with
nothing written."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine
from typer.testing import CliRunner

from lodestar.cli import app
from tests.conftest import wipe

runner = CliRunner()

ESCALATION = {
    "key": "quiet_and_red",
    "name": "Red and quiet for two weeks",
    "name_zh": "红色且两周无使用",
    "severity": "critical",
    "when": {
        "kind": "all",
        "conditions": [
            {"kind": "rule", "rule": "health_red"},
            {
                "kind": "any",
                "conditions": [
                    {"kind": "absence", "days": 14},
                    {"kind": "threshold", "metric": "active_user_ratio_30d", "op": "<", "value": 0.1},
                ],
            },
        ],
    },
    "scope": {"tiers": ["KA"]},
    "cooldown_days": 21,
    "resolve_after_days": 7,
    "notify": {"owner": True, "manager_from": "warning", "channels": ["cs-leads"]},
    "playbook": "at_risk",
}


@pytest.fixture
def env(db_url: str, engine: Engine, tmp_path: Path) -> dict[str, str]:
    wipe(engine)
    return {"LODESTAR_DATABASE_URL": db_url, "LODESTAR_DATA_DIR": str(tmp_path / "data")}


def _exported(env: dict[str, str]) -> dict[str, Any]:
    return yaml.safe_load(runner.invoke(app, ["config", "export"], env=env).output)


def _apply(env: dict[str, str], tmp_path: Path, doc: dict[str, Any]) -> Any:
    file = tmp_path / "c.yaml"
    file.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return runner.invoke(app, ["config", "apply", str(file)], env=env)


def test_alert_rules_round_trip_through_export_and_apply(env: dict[str, str], tmp_path: Path) -> None:
    doc = _exported(env)
    assert [r["key"] for r in doc["alerts"]["rules"]][:2] == ["health_red", "health_drop"]
    doc["alerts"]["rules"][0]["cooldown_days"] = 45
    doc["alerts"]["rules"].append(ESCALATION)
    applied = _apply(env, tmp_path, doc)
    assert applied.exit_code == 0, applied.output
    assert applied.output.strip() == "applied: alerts v1"
    again = _exported(env)
    assert again["alerts"]["rules"][0]["cooldown_days"] == 45
    stored = again["alerts"]["rules"][-1]
    assert stored["when"] == ESCALATION["when"] and stored["notify"] == ESCALATION["notify"]
    assert stored["playbook"] == "at_risk" and stored["scope"]["tiers"] == ["KA"]
    assert _apply(env, tmp_path, again).output.strip() == "applied: nothing changed"


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        (
            ("when", "conditions", 1, "conditions", 1, "metric"),
            "alerts.rules.10.when.conditions.1.conditions.1.metric",
            "unknown metric",
        ),
        (("cooldown_days",), "alerts.rules[10].cooldown_days", "must be >= 0"),
        (
            ("when", "conditions", 1, "conditions", 0, "days"),
            "alerts.rules[10].when.all.conditions[1].any.conditions[0].absence.days",
            "must be <= 365",
        ),
        (("playbook",), "alerts.rules.10.playbook", "no playbook 'nowhere'"),
    ],
)
def test_a_bad_rule_is_refused_by_path_and_nothing_is_written(
    env: dict[str, str], tmp_path: Path, change: tuple[Any, ...], field: str, reason: str
) -> None:
    rule = copy.deepcopy(ESCALATION)
    bad = {"metric": "no_such_metric", "cooldown_days": -1, "days": 400, "playbook": "nowhere"}[change[-1]]
    target: Any = rule
    for step in change[:-1]:
        target = target[step]
    target[change[-1]] = bad
    doc = _exported(env)
    doc["alerts"]["rules"].append(rule)
    refused = _apply(env, tmp_path, doc)
    assert refused.exit_code != 0
    assert field in refused.output and reason in refused.output, refused.output
    assert len(_exported(env)["alerts"]["rules"]) == 10  # nothing written


def test_rules_that_build_on_each_other_in_a_cycle_are_refused(env: dict[str, str], tmp_path: Path) -> None:
    doc = _exported(env)
    first = {**copy.deepcopy(ESCALATION), "key": "first", "when": {"kind": "rule", "rule": "second"}}
    second = {**copy.deepcopy(ESCALATION), "key": "second", "when": {"kind": "rule", "rule": "first"}}
    doc["alerts"]["rules"] += [first, second]
    refused = _apply(env, tmp_path, doc)
    assert refused.exit_code != 0
    assert "cycle" in refused.output and "first → second → first" in refused.output, refused.output
