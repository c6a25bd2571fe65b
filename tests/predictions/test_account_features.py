"""Account features: attributes and traits typed like a table's columns, the champion's departure as of each
row's date (a departure after it changes nothing)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from lodestar.predictions.account_features import (
    CHAMPION_LEFT_DAYS,
    CHAMPION_LEFT_YEAR,
    account_table,
    plan_attributes,
    with_account_features,
)

ACCOUNTS = [
    {"account_id": i, "industry": ("retail" if i % 2 else "finance"), "employees": 10 * i, "region": "east",
     "plan": None, "funding_stage": None, "it_maturity": ("low", "high")[i % 2],
     "traits": {"seats_bought": f"{i},000", "partner": ("yes", "no")[i % 2], "crm_note": f"note {i}"}}
    for i in range(1, 25)
]  # fmt: skip


def rows_on(*days: str) -> pd.DataFrame:
    return pd.DataFrame(
        [{"account_id": a, "as_of": pd.Timestamp(d), "score": 50.0} for d in days for a in (1, 2, 3)]
    )


def test_attributes_and_traits_are_typed_numbers_and_categories() -> None:
    table = account_table(ACCOUNTS, [])
    plan = plan_attributes(table, taken=["score"])
    kinds = {c.name: c.kind for c in plan.columns}
    assert kinds == {
        "industry": "category", "employees": "number", "it_maturity": "category",
        "trait.seats_bought": "number_text", "trait.partner": "boolean",
    }  # fmt: skip
    dropped = {d.name for d in plan.dropped}
    assert dropped == {"region", "plan", "funding_stage", "trait.crm_note"}  # one value, empty, free text
    out = with_account_features(rows_on("2025-01-01"), table, plan)
    assert out["employees"].tolist() == [10.0, 20.0, 30.0]
    assert out["trait.seats_bought"].tolist() == [1000.0, 2000.0, 3000.0]
    assert out["trait.partner"].tolist() == [0.0, 1.0, 0.0]
    assert out["industry"].astype(str).tolist() == ["retail", "finance", "retail"]
    assert out["score"].tolist() == [50.0, 50.0, 50.0]  # the snapshot's columns are kept


def test_the_champion_departure_is_read_as_of_each_rows_date() -> None:
    contacts = [
        {"account_id": 1, "role": "champion", "active": False, "left_on": date(2024, 3, 1)},
        {"account_id": 1, "role": "champion", "active": False, "left_on": date(2024, 11, 1)},
        {"account_id": 2, "role": "decision_maker", "active": False, "left_on": date(2024, 3, 1)},
        {"account_id": 3, "role": "champion", "active": True, "left_on": None},
    ]
    table = account_table(ACCOUNTS, contacts)
    out = with_account_features(rows_on("2024-06-01", "2025-06-01"), table, plan_attributes(table))
    days = out[CHAMPION_LEFT_DAYS].to_numpy()
    assert days[0] == 92.0 and np.isnan(days[1]) and np.isnan(days[2])
    assert days[3] == 212.0  # the later departure, the newest on or before the date
    assert out[CHAMPION_LEFT_YEAR].tolist() == [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]


def test_a_departure_after_the_rows_date_changes_nothing() -> None:
    before = [{"account_id": 2, "role": "champion", "active": False, "left_on": date(2024, 1, 1)}]
    later = [*before, {"account_id": 1, "role": "champion", "active": False, "left_on": date(2024, 6, 2)},
             {"account_id": 2, "role": "champion", "active": False, "left_on": date(2025, 1, 1)}]  # fmt: skip
    rows = rows_on("2024-06-01")
    first = with_account_features(
        rows, account_table(ACCOUNTS, before), plan_attributes(account_table(ACCOUNTS, []))
    )
    again = with_account_features(
        rows, account_table(ACCOUNTS, later), plan_attributes(account_table(ACCOUNTS, []))
    )
    pd.testing.assert_frame_equal(first, again)
    assert first[CHAMPION_LEFT_DAYS].tolist()[1] == 152.0


def test_a_category_unseen_at_training_reads_as_other() -> None:
    table = account_table(ACCOUNTS, [])
    plan = plan_attributes(table)
    changed = [{**a, "industry": "mining"} if a["account_id"] == 1 else a for a in ACCOUNTS]
    out = with_account_features(rows_on("2025-01-01"), account_table(changed, []), plan)
    assert out["industry"].astype(str).tolist() == ["(other)", "finance", "retail"]


def test_a_date_trait_is_an_age_at_each_rows_date_and_an_unknown_account_reads_missing() -> None:
    accounts = [{**a, "traits": {"signed": f"2024-01-{a['account_id']:02d}"}} for a in ACCOUNTS]
    table = account_table(accounts, [])
    plan = plan_attributes(table)
    rows = pd.DataFrame({"account_id": [1, 2, 1, 999], "as_of": pd.to_datetime(
        ["2024-01-11", "2024-01-11", "2024-02-01", "2024-02-01"])})  # fmt: skip
    out = with_account_features(rows, table, plan)
    assert out["trait.signed"].tolist()[:3] == [10.0, 9.0, 31.0]
    assert np.isnan(out["trait.signed"].tolist()[3]) and np.isnan(out["employees"].tolist()[3])
    # no account lacked an industry at training: a missing one is a level never seen, "(other)"
    assert out["industry"].astype(str).tolist() == ["retail", "finance", "retail", "(other)"]
