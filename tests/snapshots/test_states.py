"""Carried stage state stays array-backed through a run and keeps accounts a date does not cover."""

from __future__ import annotations

from datetime import date

import pyarrow as pa

from lodestar.lifecycle.engine import STAGES_SCHEMA, StageState, StageStates, states_from
from lodestar.snapshots.health_and_stages import _stage_array, as_states, merge_states


def _states(*rows: tuple[int, str | None, bool]) -> StageStates:
    table = pa.Table.from_pylist(
        [
            {"account_id": a, "as_of": date(2026, 1, 1), "stage": s, "at_risk": r, "risk_clear_streak": 1}
            for a, s, r in rows
        ],
        schema=STAGES_SCHEMA,
    )
    return states_from(table)


def test_a_plain_mapping_becomes_array_backed_states_with_the_same_values() -> None:
    states = as_states({7: StageState("growth", True, 2, date(2025, 5, 1)), 3: StageState(None)})
    assert isinstance(states, StageStates)
    assert dict(states) == {3: StageState(None), 7: StageState("growth", True, 2, date(2025, 5, 1))}
    assert as_states(states) is states


def test_merging_keeps_old_accounts_and_lets_the_new_date_win() -> None:
    old = _states((1, "onboarding", False), (2, "growth", False), (5, "renewal", True))
    new = _states((2, "at_risk", True), (3, "growth", False))
    merged = merge_states(old, new)
    assert list(merged) == [1, 2, 3, 5]
    assert {a: (s.stage, s.at_risk) for a, s in merged.items()} == {
        1: ("onboarding", False),
        2: ("at_risk", True),
        3: ("growth", False),
        5: ("renewal", True),
    }


def test_each_accounts_carried_stage_is_looked_up_without_a_loop_and_null_when_unknown() -> None:
    states = _states((2, "growth", False), (4, None, False), (9, "renewal", False))
    ids = pa.chunked_array([pa.array([1, 2, 4, 9, 10], pa.int64())])
    assert _stage_array(ids, states).to_pylist() == [None, "growth", None, "renewal", None]
    assert _stage_array(ids, as_states({})).to_pylist() == [None] * 5
