"""Every metric on tiny hand-made data, on every engine, checked against values worked out by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lodestar.analytics.metrics.custom_spec import CustomMetric
from lodestar.analytics.metrics.feature_adoption import compute_feature_adoption
from lodestar.analytics.metrics.table import account_metrics, compute_metrics
from lodestar.analytics.rollups import update_rollups
from tests.analytics.world import A, B, world_inputs, write_world

ACCOUNT_1_AT_A = {
    "events_7d": 4,
    "events_30d": 5,
    "events_90d": 7,
    "events_180d": 7,
    "active_users_7d": 2,
    "active_users_30d": 3,
    "active_users_90d": 4,
    "seats": 10,
    "active_user_ratio_30d": 0.3,
    "usage_trend_30d": 4.0,
    "key_features_used_30d": 2,
    "days_since_last_activity": 0,
    "training_completion": 0.1,
    "tickets_open": 2,
    "tickets_critical_open": 1,
    "sla_breaches_90d": 2,
    "first_response_hours_90d": 25.0,
    "resolution_hours_90d": 48.0,
    "nps_latest": 3.0,
    "csat_latest": 4.0,
    "days_since_last_touch": 3,
    "trainings_180d": 1,
    # Due by 03-31: on time (02-15), late (03-10), missed (03-15), early (reached 03-05): 2 of 4 on time.
    "milestones_due": 4,
    "milestone_attainment": 0.5,
    "referrals_made": 1,  # one lead referred on 03-10
    "has_referred": 1.0,
    "arr": 120000.0,
    "days_to_end": 275,
    "term_elapsed_share": pytest.approx(89 / 364),
    "champion_present": False,
    "decision_maker_left_90d": True,
}
ACCOUNT_1_AT_B = {
    "events_7d": 0,
    "events_30d": 1,
    "events_90d": 2,
    "events_180d": 2,
    "active_users_7d": 0,
    "active_users_30d": 1,
    "active_users_90d": 2,
    "seats": 10,
    "active_user_ratio_30d": 0.1,
    "usage_trend_30d": 0.0,
    "key_features_used_30d": 0,
    "days_since_last_activity": 14,
    "training_completion": 0.0,
    "tickets_open": 1,
    "tickets_critical_open": 0,
    "sla_breaches_90d": 1,
    "first_response_hours_90d": 48.0,
    "resolution_hours_90d": None,
    "nps_latest": 8.0,
    "csat_latest": 4.0,
    "days_since_last_touch": 181,
    "trainings_180d": 0,
    # Due by 03-01: only the one reached on time (02-15); the early one is reached on 03-05, after.
    "milestones_due": 1,
    "milestone_attainment": 1.0,
    "referrals_made": 0,  # the referral comes after 03-01
    "has_referred": 0.0,
    "arr": 120000.0,
    "days_to_end": 305,
    "term_elapsed_share": pytest.approx(59 / 364),
    "champion_present": True,
    "decision_maker_left_90d": False,
}
QUIET = {
    "seats": None,
    "active_user_ratio_30d": None,
    "training_completion": None,
    "tickets_open": 0,
    "tickets_critical_open": 0,
    "sla_breaches_90d": 0,
    "first_response_hours_90d": None,
    "resolution_hours_90d": None,
    "nps_latest": None,
    "csat_latest": None,
    "days_since_last_touch": None,
    "trainings_180d": 0,
    "milestones_due": 0,
    "milestone_attainment": None,
    "referrals_made": 0,
    "has_referred": 0.0,
    "arr": 0.0,
    "days_to_end": None,
    "term_elapsed_share": None,
    "decision_maker_left_90d": False,
}
ACCOUNT_2_AT_A = {
    **QUIET,
    "events_7d": 0,
    "events_30d": 0,
    "events_90d": 3,
    "events_180d": 3,
    "active_users_7d": 0,
    "active_users_30d": 0,
    "active_users_90d": 1,
    "usage_trend_30d": -1.0,
    "key_features_used_30d": 0,
    "days_since_last_activity": 39,
    "champion_present": True,
}
ACCOUNT_2_AT_B = {
    **ACCOUNT_2_AT_A,
    "events_30d": 3,
    "active_users_30d": 1,
    "usage_trend_30d": None,
    "key_features_used_30d": 1,
    "days_since_last_activity": 9,
}
ACCOUNT_3 = {
    **QUIET,
    **{f"events_{n}d": 0 for n in (7, 30, 90, 180)},
    **{f"active_users_{n}d": 0 for n in (7, 30, 90)},
    "usage_trend_30d": None,
    "key_features_used_30d": 0,
    "days_since_last_activity": None,
    "champion_present": False,
}
ACCOUNT_3_AT_B = {**ACCOUNT_3, "champion_present": True}


@pytest.fixture
def world(tmp_path: Path, make_engine: Any) -> Any:
    """The engine over the hand-made company's roll-ups."""
    write_world(tmp_path / "events")
    update_rollups(tmp_path / "events", tmp_path / "rollups")
    return make_engine(tmp_path / "rollups")


def _rows(table: Any) -> dict[tuple[int, Any], dict[str, Any]]:
    return {(r.pop("account_id"), r.pop("as_of")): r for r in table.to_pylist()}


def test_every_metric_matches_the_hand_worked_values_at_two_dates_in_one_pass(world: Any) -> None:
    rows = _rows(compute_metrics(world, world_inputs(), [A, B]))
    assert len(rows) == 6
    assert rows[(1, A)] == ACCOUNT_1_AT_A
    assert rows[(1, B)] == ACCOUNT_1_AT_B
    assert rows[(2, A)] == ACCOUNT_2_AT_A
    assert rows[(2, B)] == ACCOUNT_2_AT_B
    assert rows[(3, A)] == ACCOUNT_3
    assert rows[(3, B)] == ACCOUNT_3_AT_B


def test_one_date_alone_gives_the_same_row_as_within_a_backfill(world: Any) -> None:
    rows = _rows(compute_metrics(world, world_inputs(), [B]))
    assert rows[(1, B)] == ACCOUNT_1_AT_B
    assert rows[(2, B)] == ACCOUNT_2_AT_B


def test_feature_adoption_counts_users_and_events_per_feature_in_30_days(world: Any) -> None:
    table = compute_feature_adoption(world, world_inputs(), [A])
    assert table.to_pylist() == [
        {"account_id": 1, "as_of": A, "feature": "Login", "users_30d": 1, "events_30d": 2},
        {"account_id": 1, "as_of": A, "feature": "Report", "users_30d": 2, "events_30d": 2},
        {"account_id": 1, "as_of": A, "feature": "Training Completed", "users_30d": 1, "events_30d": 1},
    ]


def test_custom_metrics_from_configuration_are_extra_columns(world: Any) -> None:
    custom = [
        CustomMetric(slug="logins_90d", aggregate="count_events", events=["Login"], window_days=90),
        CustomMetric(slug="reporters_7d", aggregate="distinct_users", events=["Report"], window_days=7),
    ]
    rows = _rows(compute_metrics(world, world_inputs(), [A], custom))
    assert (rows[(1, A)]["logins_90d"], rows[(1, A)]["reporters_7d"]) == (3, 2)
    assert (rows[(2, A)]["logins_90d"], rows[(2, A)]["reporters_7d"]) == (3, 0)
    assert (rows[(3, A)]["logins_90d"], rows[(3, A)]["reporters_7d"]) == (0, 0)


def test_recompute_of_one_account_gives_its_row(world: Any) -> None:
    row = account_metrics(world, world_inputs(), 1, A)
    assert {k: row[k] for k in ACCOUNT_1_AT_A} == ACCOUNT_1_AT_A
