"""Grade hysteresis: a grade changes only when the score is more than the margin past a boundary."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa
import pytest
from pydantic import ValidationError

from lodestar.health.schemas import HealthConfig, HealthModel
from lodestar.health.scoring import grades, score_all

NAMES = ["green", "yellow", "red"]


def model(margin: float) -> HealthModel:
    return HealthModel.model_validate(
        {
            "name": "t",
            "grades": {"green": 70, "yellow": 40, "margin": margin},
            "measures": [
                {
                    "metric": "active_user_ratio_30d",
                    "group": "co",
                    "weight": 1,
                    "scoring": {"poor": 0, "concerning": 0.5, "healthy": 1},  # score = ratio * 100
                }
            ],
        }
    )


def walk(previous: str | None, score: float, margin: float) -> str:
    """The rule, one account at a time: move only when the score is more than `margin` past the boundary
    on the far side of the previous grade."""
    plain = "green" if score >= 70 else "yellow" if score >= 40 else "red"
    if previous is None:
        return plain
    rank = NAMES.index(previous)
    while rank > 0 and score >= (70, 40)[rank - 1] + margin:  # better: climb past each boundary
        rank -= 1
    while rank < 2 and score < (70, 40)[rank] - margin:  # worse: fall past each boundary
        rank += 1
    return NAMES[rank]


def test_the_vectorised_margin_matches_the_rule_walked_account_by_account() -> None:
    rng = np.random.default_rng(3)
    scores = rng.uniform(20, 90, size=(40, 30))  # 40 accounts, 30 snapshots
    for margin in (0.0, 3.0, 5.0, 15.0):
        held = model(margin)
        previous = np.full(40, -1)
        expected: list[str | None] = [None] * 40
        for day in range(30):
            got = grades(scores[:, day], held, previous).to_pylist()
            expected = [walk(p, s, margin) for p, s in zip(expected, scores[:, day], strict=True)]
            assert got == expected
            previous = np.array([NAMES.index(g) for g in got])


def test_a_wobble_around_a_boundary_keeps_the_grade_and_a_real_move_changes_it() -> None:
    held = model(5)
    wobble = np.array([71.0, 67.0, 69.9, 66.0, 64.9, 75.0, 74.9])
    previous = np.array([0, 0, 1, 0, 0, 1, 1])
    assert grades(wobble, held, previous).to_pylist() == [
        "green",  # above the line
        "green",  # 3 points under green: held
        "yellow",  # just under green, was yellow: stays
        "green",  # 4 points under: held
        "yellow",  # 5.1 points under: moves
        "green",  # 5 points over: moves up
        "yellow",  # 4.9 points over: held
    ]
    assert grades(wobble, held).to_pylist()[1] == "yellow"  # no previous grade: the score alone


def test_score_all_takes_the_last_grades_by_account() -> None:
    config = HealthConfig.model_validate({"models": [model(5).model_dump()]})
    table = pa.table(
        {
            "account_id": [1, 2, 3],
            "as_of": pa.array([date(2025, 1, 6)] * 3),
            "active_user_ratio_30d": [0.68, 0.68, 0.68],
        }
    )
    last = pa.table({"account_id": [3, 1], "grade": ["yellow", "green"]})
    scored = score_all(table, config, last_grades=last)
    assert scored.column("grade").to_pylist() == ["green", "yellow", "yellow"]  # 2 is new: 68 is yellow


def test_a_margin_wider_than_half_the_yellow_band_is_refused() -> None:
    with pytest.raises(ValidationError, match="margin must be at most half"):
        model(16)
    assert model(0).grades.margin == 0
    narrow = HealthModel.model_validate(model(5).model_dump() | {"grades": {"green": 99, "yellow": 98}})
    assert narrow.grades.margin == 0.5  # the default margin yields to a band narrower than 10 points
