"""The configuration kind `success_plans`: bad templates refused by path, the defaults round-trip through
`config export` and `config apply` (SQLite and PostgreSQL)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlalchemy.orm import Session

import lodestar.configuration  # noqa: F401  (registers every kind, as the app and the CLI do)
from lodestar.config import service as config_service
from lodestar.kit.errors import InvalidInput

UNKNOWN_METRIC = {"kind": "usage_target", "title": "t", "title_zh": "t", "due_days": 9, "metric": "no_such",
                  "target_value": 1}  # fmt: skip


def _defaults() -> dict[str, Any]:
    return config_service.default("success_plans").model_dump(mode="json")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"stage": "nirvana"}, "success_plans.templates[0].stage"),
        ({"tiers": ["XL"]}, "success_plans.templates[0].tiers[0]"),
        ({"milestones": [UNKNOWN_METRIC]}, "success_plans.templates[0].milestones[0].metric"),
    ],
)  # fmt: skip
def test_a_template_naming_what_does_not_exist_is_refused_by_path(
    db: Session, change: dict, field: str
) -> None:
    body = _defaults()
    body["templates"][0] |= change
    with pytest.raises(InvalidInput) as caught:
        config_service.save(db, "success_plans", body, "tests")
    assert field in [p.field for p in caught.value.problems]


def test_a_target_without_a_metric_in_a_template_is_refused(db: Session) -> None:
    body = _defaults()
    body["templates"][0]["milestones"][0]["target_value"] = 3
    with pytest.raises(InvalidInput) as caught:
        config_service.save(db, "success_plans", body, "tests")
    assert [str(p.message) for p in caught.value.problems] == ["a target value needs a metric"]


def test_the_templates_round_trip_through_export_and_apply(db: Session) -> None:
    doc = config_service.parse_yaml(config_service.export_yaml(db))
    assert doc["success_plans"] == config_service.default("success_plans")
    changed = copy.deepcopy(config_service.document(db).model_dump(mode="json"))
    changed["success_plans"]["templates"][1]["milestones"][0]["due_days"] = 14
    report = config_service.apply(db, config_service.parse_document(changed), "tests")
    assert report.changed == {"success_plans": 1}
    now = config_service.current(db, "success_plans", type(config_service.default("success_plans")))[0]
    assert now.templates[1].milestones[0].due_days == 14
