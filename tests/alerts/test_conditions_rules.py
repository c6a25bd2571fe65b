"""all/any, rules built on rules, the scope a rule watches, and evaluating some accounts only."""

from __future__ import annotations

import pyarrow as pa
import pytest

from lodestar.alerts.conditions.evaluate import FINDINGS, evaluate
from lodestar.alerts.conditions.evidence import sentences
from lodestar.alerts.schemas import AlertRules
from lodestar.analytics.snapshot_patch import write_patch
from lodestar.kit.text import translate
from lodestar.web.i18n import gettext_for
from tests.alerts.conftest import AS_OF, HEALTHY, SCHEMA, SHANGHAI, Company, rule

LOW = {"kind": "threshold", "metric": "health_score", "op": "<", "value": 40}
IDLE = {"kind": "absence", "days": 14}
GRADE_RED = {"kind": "threshold", "metric": "health_grade", "op": "==", "value": "red"}
LOW_SAYS = {
    "msgid": "%(metric)s %(now)s (threshold %(op)s %(limit)s)",
    "values": {"metric": {"msgid": "health score"}, "now": 35, "op": "<", "limit": 40},
}
IDLE_SAYS = {"msgid": "no activity for %(days)s days", "values": {"days": 20}}


def test_all_and_any_combine_the_parts_and_their_evidence(company: Company) -> None:
    both, low, idle, fine = (company.account().id for _ in range(4))
    company.snapshot(
        AS_OF,
        {
            both: {"score": 35.0, "days_since_last_activity": 20},
            low: {"score": 35.0},
            idle: {"days_since_last_activity": 20},
            fine: {},
        },
    )
    found = company.evaluate(
        rule("both", {"kind": "all", "conditions": [LOW, IDLE]}),
        rule("either", {"kind": "any", "conditions": [LOW, IDLE]}),
    )
    assert found["both"] == {both: [LOW_SAYS, IDLE_SAYS]}
    assert found["either"] == {both: [LOW_SAYS, IDLE_SAYS], low: [LOW_SAYS], idle: [IDLE_SAYS]}


def test_a_rule_builds_on_another_rules_condition_whatever_its_scope_or_state(company: Company) -> None:
    both, low = company.account().id, company.account().id
    company.snapshot(AS_OF, {both: {"score": 35.0, "days_since_last_activity": 20}, low: {"score": 35.0}})
    found = company.evaluate(
        rule("low", LOW, enabled=False, scope={"tiers": ["nobody"]}),
        rule("low_and_idle", {"kind": "all", "conditions": [{"kind": "rule", "rule": "low"}, IDLE]}),
        rule("on_top", {"kind": "rule", "rule": "low_and_idle"}),
    )
    assert found == {"low_and_idle": {both: [LOW_SAYS, IDLE_SAYS]}, "on_top": {both: [LOW_SAYS, IDLE_SAYS]}}


def test_a_cycle_of_rules_is_refused_when_evaluated(company: Company) -> None:
    company.snapshot(AS_OF, {company.account().id: {}})
    rules = AlertRules.model_validate(
        {"rules": [rule("a", {"kind": "rule", "rule": "b"}), rule("b", {"kind": "rule", "rule": "a"})]}
    )
    with pytest.raises(ValueError, match="cycle: a → b → a"):
        evaluate(company.db, company.root, rules, AS_OF, zone=SHANGHAI)


def test_only_customers_are_watched_unless_the_scope_names_their_stage(company: Company) -> None:
    customer, churned, lead, prospect, at_risk = (company.account().id for _ in range(5))
    low = {"score": 35.0}
    company.snapshot(
        AS_OF,
        {
            customer: low,
            churned: {**low, "phase": "churned", "stage": "churned"},
            lead: {**low, "phase": "lead_pool", "stage": "lead_pool"},
            prospect: {**low, "phase": None, "stage": None},
            at_risk: {**low, "phase": "at_risk", "stage": "at_risk"},
        },
    )
    found = company.evaluate(
        rule("low", LOW),
        rule("low_churned", LOW, scope={"stages": ["churned", "at_risk"]}),
    )
    assert sorted(found["low"]) == [customer, at_risk]
    assert sorted(found["low_churned"]) == [churned, at_risk]


def test_scope_limits_tiers_plans_industries_regions_and_tags(company: Company) -> None:
    def account(**fields: object) -> int:
        return company.account(**fields).id

    key = account(plan="Enterprise", industry="Retail", region="East", tags=["vip", "pilot"])
    other_plan = account(plan="Basic", industry="Retail", region="East", tags=["vip"])
    other_tag = account(plan="Enterprise", industry="Retail", region="East", tags=["pilot"])
    other_tier = account(plan="Enterprise", industry="Retail", region="East", tags=["vip"])
    untagged = account(plan="Enterprise", industry="Retail", region="East")
    low = {"score": 35.0, "tier": "key"}
    ids = (key, other_plan, other_tag, other_tier, untagged)
    company.snapshot(AS_OF, {a: {**low, "tier": "standard"} if a == other_tier else low for a in ids})
    scope = {"tiers": ["key"], "plans": ["Enterprise"], "industries": ["Retail"], "regions": ["East"]}
    found = company.evaluate(
        rule("vip", LOW, scope={**scope, "tags": ["vip", "gold"]}),
        rule("west", LOW, scope={"regions": ["West"]}),
        rule("any_tier", LOW, scope={"plans": ["Enterprise"]}),
    )
    assert list(found["vip"]) == [key]
    assert "west" not in found
    assert sorted(found["any_tier"]) == [key, other_tag, other_tier, untagged]


def test_some_accounts_only_give_the_same_findings_as_all(company: Company) -> None:
    one, two, three = (company.account().id for _ in range(3))
    company.snapshot(AS_OF, {a: {"score": 35.0, "days_since_last_activity": 20} for a in (one, two, three)})
    rules = (rule("low", LOW), rule("idle", IDLE, scope={"plans": []}))
    every = company.evaluate(*rules)
    some = company.evaluate(*rules, account_ids=[two, 999_999])
    assert some == {key: {two: found[two]} for key, found in every.items()}


def test_some_accounts_are_judged_on_a_date_that_has_only_a_patch(company: Company) -> None:
    recomputed, waiting = company.account().id, company.account().id
    rows = [{**HEALTHY, "account_id": recomputed, "as_of": AS_OF, "score": 35.0}]
    write_patch(company.root, AS_OF, pa.Table.from_pylist(rows, schema=SCHEMA))
    assert company.evaluate(rule("low", LOW), account_ids=[recomputed, waiting]) == {
        "low": {recomputed: [LOW_SAYS]}
    }
    assert company.evaluate(rule("low", LOW)) == {}  # the portfolio waits for the date's run


def test_no_snapshot_on_the_date_or_no_enabled_rule_finds_nothing(company: Company) -> None:
    company.snapshot(AS_OF, {company.account().id: {"score": 35.0}})
    rules = AlertRules.model_validate({"rules": [rule("low", LOW)]})
    assert (
        evaluate(company.db, company.root, rules, AS_OF.replace(day=1), zone=SHANGHAI)
        == FINDINGS.empty_table()
    )
    assert company.evaluate(rule("low", LOW, enabled=False)) == {}


def test_evidence_reads_back_as_sentences_in_either_language(company: Company) -> None:
    low = company.account().id
    company.snapshot(AS_OF, {low: {"score": 35.0, "grade": "red", "days_since_last_activity": 20}})
    rules = AlertRules.model_validate(
        {"rules": [rule("red", {"kind": "all", "conditions": [LOW, IDLE, GRADE_RED]})]}
    )
    [evidence] = (
        evaluate(company.db, company.root, rules, AS_OF, zone=SHANGHAI).column("evidence").to_pylist()
    )
    said = sentences(evidence)
    assert said == [
        "health score 35 (threshold < 40)",
        "no activity for 20 days",
        "health grade red (threshold = red)",
    ]
    chinese = gettext_for("zh_CN")
    assert [translate(chinese, s) for s in said] == [
        "健康分 35（阈值 < 40）",
        "20 天无活跃",
        "健康等级 红（阈值 = 红）",
    ]
