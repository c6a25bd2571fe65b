from datetime import date

import pyarrow as pa

from lodestar.health.explain import diff
from lodestar.health.schemas import HealthModel
from lodestar.health.scoring import score

MODEL = HealthModel.model_validate(
    {
        "name": "default",
        "measures": [
            {
                "metric": "active_user_ratio_30d",
                "label": "active-user ratio",
                "group": "co",
                "weight": 1,
                "scoring": {"poor": 0.1, "concerning": 0.3, "healthy": 0.6},
            },
            {
                "metric": "days_since_last_touch",
                "label": "last touch",
                "group": "cx",
                "weight": 1,
                "scoring": {"direction": "lower", "poor": 60, "concerning": 30, "healthy": 7},
            },
        ],
    }
)


def snapshot(ratio, touch, version=1):
    table = pa.table(
        {
            "account_id": [1],
            "as_of": pa.array([date(2024, 1, 1)]),
            "active_user_ratio_30d": [ratio],
            "days_since_last_touch": [touch],
        }
    )
    return score(table, MODEL, version=version).to_pylist()[0]


def test_diff_names_the_measures_that_moved_the_score_biggest_first():
    before, after = snapshot(0.62, 20), snapshot(0.31, 41)
    assert round(before["score"] - after["score"]) == 47
    assert diff(before, after) == [
        "health fell 47: active-user ratio 0.62 -> 0.31 (\u221239), last touch 41 days ago (\u22128)",
        "grade green -> yellow",
    ]


def test_diff_reports_a_rise_and_a_change_of_model_version():
    assert diff(snapshot(0.3, 30, version=1), snapshot(0.6, 30, version=2)) == [
        "health rose 40: active-user ratio 0.30 -> 0.60 (+40)",
        "grade yellow -> green",
        "model default v1 -> default v2",
    ]


def test_diff_of_an_unchanged_score_says_it_held():
    assert diff(snapshot(0.5, 10), snapshot(0.5, 10)) == ["health held steady"]
