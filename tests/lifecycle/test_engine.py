from datetime import date

import pyarrow as pa
import pytest
from pydantic import ValidationError

from lodestar.config import service as config_service
from lodestar.lifecycle import config_kind as lifecycle_kind
from lodestar.lifecycle.engine import assign_stages, states_from
from lodestar.lifecycle.schemas import LifecycleModel

SEVEN = config_service.default("lifecycle")
assert isinstance(SEVEN, LifecycleModel)
START, END = date(2024, 1, 1), date(2024, 12, 31)


def contracts(*terms):
    rows = [{"account_id": 1, "start_date": s, "end_date": e, "status": st} for s, e, st in terms]
    return pa.Table.from_pylist(rows)


ONE_YEAR = contracts((START, END, "expired"))


def snapshots(days, score=80.0, inactive=1, **columns):
    n = len(days)
    scores = score if isinstance(score, list) else [score] * n
    table = {
        "account_id": [1] * n,
        "as_of": pa.array(days, pa.date32()),
        "score": pa.array(scores, pa.float64()),
        "grade": [
            None if s is None else "green" if s >= 70 else "yellow" if s >= 40 else "red" for s in scores
        ],
        "days_since_last_activity": inactive if isinstance(inactive, list) else [inactive] * n,
    }
    return pa.table(table | columns)


def run(days, model=SEVEN, terms=ONE_YEAR, **kw):
    stages, transitions = assign_stages(snapshots(days, **kw), terms, model)
    return stages.column("stage").to_pylist(), transitions.to_pylist()


def test_a_healthy_customer_follows_the_contract_phases_to_churn_and_the_lead_pool():
    days = [
        date(2024, 1, 1),
        date(2024, 1, 15),
        date(2024, 4, 1),
        date(2024, 5, 1),
        date(2024, 8, 30),
        date(2024, 8, 31),
        date(2025, 1, 15),
        date(2025, 3, 31),
        date(2025, 4, 1),
    ]
    stages, transitions = run(days)
    assert stages == [
        "handover",
        "onboarding",
        "growth",
        "maturity",
        "maturity",
        "renewal",
        "churned",
        "churned",
        "lead_pool",
    ]
    assert [(t["as_of"], t["from_stage"], t["to_stage"], t["reason"]) for t in transitions] == [
        (date(2024, 1, 1), None, "handover", "contract signed"),
        (date(2024, 1, 15), "handover", "onboarding", "14 days since the start"),
        (date(2024, 4, 1), "onboarding", "growth", "day 90 reached"),
        (date(2024, 5, 1), "growth", "maturity", "day 120 reached while healthy"),
        (date(2024, 8, 31), "maturity", "renewal", "renewal window opened (last third of the term)"),
        (date(2025, 1, 15), "renewal", "churned", "contract ended without renewal"),
        (date(2025, 4, 1), "churned", "lead_pool", "win-back window of 90 days passed"),
    ]


def test_a_customer_can_go_from_handover_straight_to_at_risk():
    stages, transitions = run([date(2024, 1, 1), date(2024, 1, 5)], score=[80.0, 30.0])
    assert stages == ["handover", "at_risk"]
    assert transitions[-1] | {"as_of": None} == {
        "account_id": 1,
        "as_of": None,
        "from_stage": "handover",
        "to_stage": "at_risk",
        "reason": "health 30 below 40",
    }


def test_at_risk_is_left_only_after_enough_consecutive_snapshots_above_the_higher_bar():
    days = [date(2024, 5, 1 + 3 * i) for i in range(9)]
    stages, transitions = run(days, score=[75.0, 35.0, 50.0, 60.0, 45.0, 60.0, 60.0, 75.0, 39.0])
    assert stages == [
        "maturity",
        "at_risk",
        "at_risk",
        "at_risk",
        "at_risk",
        "at_risk",
        "maturity",
        "maturity",
        "at_risk",
    ]
    assert transitions[-2]["reason"] == "risk cleared: health at or above 55 for 2 snapshots"


def test_a_customer_with_no_activity_for_the_configured_days_is_at_risk():
    stages, transitions = run([date(2024, 3, 1), date(2024, 3, 8)], inactive=[29, 30])
    assert stages == ["onboarding", "at_risk"]
    assert transitions[-1]["reason"] == "no activity for 30 days"


def test_renewal_window_opens_at_the_last_third_of_the_term_by_default():
    assert run([date(2024, 8, 30), date(2024, 8, 31)])[0] == ["maturity", "renewal"]


def test_renewal_window_can_open_a_fixed_number_of_days_before_the_end():
    timeline = SEVEN.timeline.model_copy(update={"renewal_share": None, "renewal_lead_days": 60})
    model = SEVEN.model_copy(update={"timeline": timeline})
    stages, transitions = run([date(2024, 9, 1), date(2024, 11, 1)], model=model)
    assert stages == ["maturity", "renewal"]
    assert transitions[-1]["reason"] == "renewal window opened (60 days before the contract ends)"


def test_a_renewed_customer_is_not_churned_and_keeps_its_maturity():
    terms = contracts((START, END, "renewed"), (date(2025, 1, 1), date(2025, 12, 31), "active"))
    stages, _ = run([date(2024, 6, 1), date(2024, 12, 1), date(2025, 1, 15)], terms=terms)
    assert stages == ["maturity", "renewal", "maturity"]


def test_a_churned_customer_cannot_be_at_risk_and_leaves_for_the_lead_pool():
    days = [date(2025, 1, 1), date(2025, 3, 31), date(2025, 4, 1)]
    stages, _ = run(days, score=20.0, inactive=200)
    assert stages == ["churned", "churned", "lead_pool"]


def test_going_live_on_the_activation_metric_moves_onboarding_to_growth_early():
    days = [date(2024, 1, 20), date(2024, 2, 1), date(2024, 2, 10)]
    stages, transitions = run(days, active_user_ratio_30d=[0.1, 0.35, 0.2])
    assert stages == ["onboarding", "growth", "growth"]
    assert transitions[-1]["reason"] == "went live"


def test_the_four_stage_model_keeps_at_risk_as_a_flag_under_its_stage():
    four = LifecycleModel.model_validate(
        __import__("yaml").safe_load((lifecycle_kind.DEFAULTS / "lifecycle-4-stage.yaml").read_text())
    )
    days = [
        date(2024, 1, 1),
        date(2024, 2, 1),
        date(2024, 6, 1),
        date(2024, 7, 1),
        date(2024, 11, 1),
        date(2025, 1, 2),
    ]
    stages, _ = assign_stages(snapshots(days, score=[80.0, 80.0, 80.0, 20.0, 80.0, 80.0]), ONE_YEAR, four)
    assert stages.column("stage").to_pylist() == [
        "onboarding",
        "onboarding",
        "adoption",
        "adoption",
        "renewal",
        "churned",
    ]
    assert stages.column("at_risk").to_pylist() == [False, False, False, True, True, False]


def test_carrying_state_between_runs_gives_the_same_stages_as_one_run():
    days = [date(2024, 5, 1 + 3 * i) for i in range(8)]
    table = snapshots(days, score=[75.0, 35.0, 60.0, 45.0, 60.0, 60.0, 75.0, 75.0])
    whole, _ = assign_stages(table, ONE_YEAR, SEVEN)
    first, _ = assign_stages(table.slice(0, 4), ONE_YEAR, SEVEN)
    second, moves = assign_stages(table.slice(4), ONE_YEAR, SEVEN, states_from(first))
    assert pa.concat_tables([first, second]).equals(whole)
    assert [(m["from_stage"], m["to_stage"]) for m in moves.to_pylist()] == [("at_risk", "maturity")]


def test_an_account_without_a_contract_has_no_stage():
    stages, transitions = run([date(2023, 12, 1)])
    assert stages == [None] and transitions == []


def test_a_lifecycle_model_must_cover_every_phase_once():
    body = SEVEN.model_dump()
    body["stages"] = body["stages"][:-1]
    with pytest.raises(ValidationError, match="not covered: churned"):
        LifecycleModel.model_validate(body)
