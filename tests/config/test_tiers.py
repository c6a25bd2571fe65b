import pyarrow as pa
import pytest
from pydantic import ValidationError

from lodestar.accounts.tiers import TierRules, assign_tiers
from lodestar.config import service as config_service

RULES = config_service.default("tiers")
assert isinstance(RULES, TierRules)


def test_the_first_matching_rule_wins_and_unmatched_accounts_get_the_default_tier():
    accounts = pa.table(
        {
            "account_id": [1, 2, 3, 4, 5, 6],
            "arr": [600_000.0, 50_000.0, 150_000.0, 30_000.0, 5_000.0, None],
            "employees": [100, 8_000, 8_000, 10, 10, None],
            "industry": ["Retail"] * 6,
            "plan": ["Growth", "Enterprise", "Growth", "Starter", "Starter", None],
        }
    )
    out = assign_tiers(accounts, RULES).to_pylist()
    assert [(r["tier"], r["tier_source"]) for r in out] == [
        ("KA", "rule 1"),
        ("KA", "rule 2"),
        ("MM", "rule 3"),
        ("SMB", "rule 4"),
        ("LT", "default"),
        ("LT", "default"),
    ]
    assert (out[0]["touch_model"], out[0]["sla_first_response_hours"], out[0]["qbr_every_months"]) == (
        "high",
        4,
        3,
    )
    assert (out[4]["touch_model"], out[4]["sla_resolution_hours"], out[4]["qbr_every_months"]) == (
        "tech",
        120,
        None,
    )


def test_a_pinned_tier_overrides_the_rules():
    accounts = pa.table(
        {"account_id": [1, 2], "arr": [1_000.0, 1_000.0], "tier": ["KA", "KA"], "tier_pinned": [True, False]}
    )
    out = assign_tiers(accounts, RULES).to_pylist()
    assert [(r["tier"], r["tier_source"], r["touch_model"]) for r in out] == [
        ("KA", "pinned", "high"),
        ("LT", "default", "tech"),
    ]


def test_rules_on_industry_and_plan_match_exactly():
    rules = RULES.model_copy(
        update={
            "rules": [
                RULES.rules[0].model_copy(
                    update={"arr_at_least": None, "industries": ["Finance"], "plans": ["Enterprise"]}
                )
            ]
        }
    )
    accounts = pa.table(
        {
            "account_id": [1, 2, 3],
            "industry": ["Finance", "Finance", "Retail"],
            "plan": ["Enterprise", "Starter", "Enterprise"],
        }
    )
    assert assign_tiers(accounts, rules).column("tier").to_pylist() == ["KA", "LT", "LT"]


def test_a_rule_naming_an_unknown_tier_is_refused():
    body = RULES.model_dump() | {"rules": [{"tier": "Gold"}]}
    with pytest.raises(ValidationError, match="unknown tier Gold"):
        TierRules.model_validate(body)
