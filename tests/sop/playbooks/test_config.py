"""The `sop` configuration kind: bad playbooks are refused with the path and the reason, nothing written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from lodestar.cli import app
from lodestar.config import service as config_service
from lodestar.kit.errors import InvalidInput
from lodestar.lifecycle import config_kind as lifecycle_kind
from lodestar.renewals import config_kind as renewals_kind
from lodestar.sop.playbooks.validation import find_cycle
from tests.conftest import wipe

runner = CliRunner()


def _sop() -> dict[str, Any]:
    return config_service.default("sop").model_dump(mode="json")


def _problems(db: Session, body: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInput) as caught:
        config_service.save(db, "sop", body, "test")
    assert config_service.history(db, "sop") == []  # nothing was written
    return [(p.field, p.message) for p in caught.value.problems]


def test_the_default_playbooks_cover_every_stage_and_every_churn_reason_once(db: Session) -> None:
    sop, version = config_service.current(db, "sop", type(config_service.default("sop")))
    stages = {p.trigger.stage for p in sop.playbooks if p.trigger.kind == "stage_entered"}  # type: ignore[attr-defined]
    reasons = [p.trigger.reason for p in sop.playbooks if p.trigger.kind == "churn_reason"]  # type: ignore[attr-defined]
    assert version == 0
    # The churned stage's work is the one win-back flow chosen by the churn's reason, not a stage playbook.
    assert stages == {s.key for s in lifecycle_kind.current(db)[0].stages} - {"churned"}
    assert sorted(reasons) == sorted(renewals_kind.reason_keys(db))
    assert all(p.name_zh and p.goal_zh and p.key_paths_zh for p in sop.playbooks)  # type: ignore[attr-defined]
    assert all(s.title_zh and s.how_to_zh for p in sop.playbooks for s in p.steps)  # type: ignore[attr-defined]


def test_a_cycle_in_after_is_refused_naming_the_cycle(db: Session) -> None:
    body = _sop()
    steps = body["playbooks"][2]["steps"]  # growth: usage_review, go_live, issue_review
    steps[0]["after"] = ["issue_review"]
    steps[2]["after"] = ["go_live"]
    steps[1]["after"] = ["usage_review"]
    assert _problems(db, body) == [
        (
            "sop.playbooks[2].steps[0].after",
            "steps follow each other in a cycle: usage_review -> issue_review -> go_live -> usage_review",
        )
    ]


def test_unknown_stage_metric_step_and_duplicate_keys_are_each_named(db: Session) -> None:
    body = _sop()
    body["playbooks"][1]["trigger"]["stage"] = "kickoff"
    body["playbooks"][1]["steps"][3]["outcome"]["metric"] = "happiness"
    body["playbooks"][2]["steps"][1]["evidence"]["metric"] = "logins_7d"
    body["playbooks"][3]["steps"][1]["after"] = ["visit_ceo"]
    body["playbooks"][4]["key"] = "growth"
    body["playbooks"][5]["steps"][1]["key"] = "renewal_assessment"
    problems = _problems(db, body)
    assert ("sop.playbooks[1].trigger.stage", "unknown stage 'kickoff'; known: handover, onboarding, "
            "growth, maturity, at_risk, renewal, churned") in problems  # fmt: skip
    assert ("sop.playbooks[1].steps[3].outcome.metric", "unknown metric 'happiness'") in problems
    assert ("sop.playbooks[2].steps[1].evidence.metric", "unknown metric 'logins_7d'") in problems
    assert ("sop.playbooks[3].steps[1].after[0]", "unknown step 'visit_ceo'") in problems
    assert ("sop.playbooks[4].key", "duplicate playbook key 'growth' (also playbooks[2])") in problems
    assert (
        "sop.playbooks[5].steps[1].key",
        "duplicate step key 'renewal_assessment' (also steps[0])",
    ) in problems


def test_a_step_due_before_its_trigger_and_evidence_of_the_wrong_type_are_refused(db: Session) -> None:
    body = _sop()
    body["playbooks"][0]["steps"][0]["due_days"] = -3
    body["playbooks"][0]["steps"][1]["evidence"] = {"kind": "note", "touch_kinds": ["email"]}
    body["playbooks"][0]["steps"][2]["evidence"] = {"kind": "metric", "metric": "nps_latest"}
    problems = _problems(db, body)
    assert problems == [
        ("sop.playbooks[0].steps[0].due_days", "is due 3 day(s) before its trigger; due_days must be >= 0"),
        (
            "sop.playbooks[0].steps[1].evidence",
            "touch_kinds / keywords are for touch evidence, not note",
        ),
        (
            "sop.playbooks[0].steps[2].evidence",
            "metric evidence needs a metric and exactly one of at_least / at_most",
        ),
    ]


def test_find_cycle_returns_a_closed_path_or_none() -> None:
    assert find_cycle({"a": ["b"], "b": ["a"]}) == ["a", "b", "a"]
    assert find_cycle({"a": [], "b": ["a"], "c": ["a", "b"]}) is None


@pytest.fixture
def env(db_url: str, engine: Engine, tmp_path: Path) -> dict[str, str]:
    wipe(engine)
    return {"LODESTAR_DATABASE_URL": db_url, "LODESTAR_DATA_DIR": str(tmp_path / "data")}


def _export(env: dict[str, str]) -> dict[str, Any]:
    result = runner.invoke(app, ["config", "export"], env=env)
    assert result.exit_code == 0, result.output
    return dict(yaml.safe_load(result.output))


def _apply(env: dict[str, str], tmp_path: Path, doc: dict[str, Any]) -> Any:
    file = tmp_path / "config.yaml"
    file.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return runner.invoke(app, ["config", "apply", str(file)], env=env)


def test_config_apply_refuses_a_cyclic_playbook_and_applies_nothing(
    env: dict[str, str], tmp_path: Path
) -> None:
    doc = _export(env)
    doc["sop"]["playbooks"][5]["steps"][0]["after"] = ["proposal"]  # proposal follows renewal_call
    doc["sop"]["playbooks"][5]["steps"][2]["after"] = ["renewal_assessment"]
    doc["health"]["models"][1]["grades"]["green"] = 75  # a good change in the same file is not applied
    result = _apply(env, tmp_path, doc)
    assert result.exit_code == 2
    assert "refused: 1 problem(s); nothing was applied" in result.output
    assert (
        "sop.playbooks[5].steps[0].after: steps follow each other in a cycle: "
        "renewal_assessment -> proposal -> renewal_call -> renewal_assessment"
    ) in result.output
    assert _export(env)["health"]["models"][1]["grades"]["green"] != 75


def test_config_apply_refuses_an_unknown_stage_and_a_step_due_before_its_trigger(
    env: dict[str, str], tmp_path: Path
) -> None:
    doc = _export(env)
    doc["sop"]["playbooks"][5]["trigger"]["stage"] = "lost"
    doc["sop"]["playbooks"][5]["steps"][0]["due_days"] = -1
    result = _apply(env, tmp_path, doc)
    assert result.exit_code == 2
    assert "sop.playbooks[5].steps[0].due_days: is due 1 day(s) before its trigger" in result.output
    # The field problem stops the document before the cross checks; fixed, the stage is named.
    doc["sop"]["playbooks"][5]["steps"][0]["due_days"] = 1
    result = _apply(env, tmp_path, doc)
    assert "sop.playbooks[5].trigger.stage: unknown stage 'lost'" in result.output


def test_config_apply_changes_a_playbook_and_an_older_document_without_sop_leaves_it(
    env: dict[str, str], tmp_path: Path
) -> None:
    doc = _export(env)
    doc["sop"]["playbooks"][0]["steps"][1]["due_days"] = 3
    assert _apply(env, tmp_path, doc).output.strip() == "applied: sop v1"
    old = {k: v for k, v in doc.items() if k != "sop"}
    old["health"]["models"][1]["grades"]["green"] = 75
    assert _apply(env, tmp_path, old).output.strip() == "applied: health v1"
    assert _export(env)["sop"]["playbooks"][0]["steps"][1]["due_days"] == 3
