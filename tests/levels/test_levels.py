"""Maturity levels on hand-made data: the level is limited by the lowest dimension, the next-level gap
names the dimensions short and the metric values that close them, bad configuration is refused by path,
and the API gives a CSM only their own accounts (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from lodestar.analytics import snapshot_store as store
from lodestar.app import create_app
from lodestar.config import service as config_service
from lodestar.kit.errors import InvalidInput
from lodestar.levels import computation
from lodestar.levels.schemas import LevelsConfig
from lodestar.settings import load_settings
from tests.api_fixtures import Team, bearer, team  # noqa: F401
from tests.factories import make_account

CONFIG = LevelsConfig.model_validate(
    {
        "levels": [{"name": f"L{k}", "name_zh": f"级{k}"} for k in range(5)],
        "dimensions": [
            {
                "key": "use",
                "name": "Use",
                "name_zh": "使用",
                "minimums": [20, 40, 60, 80],
                "metrics": [
                    {"metric": "active_user_ratio_30d", "weight": 3,
                     "scoring": {"poor": 0.0, "concerning": 0.5, "healthy": 1.0}},
                    {"metric": "key_features_used_30d", "weight": 1,
                     "scoring": {"poor": 0, "concerning": 4, "healthy": 8}},
                ],
            },
            {
                "key": "people",
                "name": "People",
                "name_zh": "人",
                "minimums": [10, 30, 50, 70],
                "metrics": [{"metric": "nps_latest", "weight": 1,
                             "scoring": {"poor": 0, "concerning": 5, "healthy": 10}}],
            },
        ],
    }
)  # fmt: skip


def _table(rows: list[tuple[int, float | None, float | None, float | None]]) -> pa.Table:
    ids, ratio, features, nps = zip(*rows, strict=True)
    return pa.table(
        {
            "account_id": pa.array(ids, pa.int64()),
            "active_user_ratio_30d": pa.array(ratio, pa.float64()),
            "key_features_used_30d": pa.array(features, pa.float64()),
            "nps_latest": pa.array(nps, pa.float64()),
        }
    )


def test_the_level_is_the_highest_whose_minimum_every_dimension_reaches() -> None:
    table = _table([(1, 0.9, 8, 9), (2, 0.9, 8, 2), (3, 0.3, 2, 9), (4, None, None, 9), (5, 0.5, None, 5)])
    got = computation.compute(table, CONFIG)
    # use = (3*ratio*100 + features*12.5) / 4 over present metrics; people = nps*10
    use = [(3 * 90 + 100) / 4, (3 * 90 + 100) / 4, (3 * 30 + 25) / 4, np.nan, 50.0]
    people = [90, 20, 90, 90, 50]
    np.testing.assert_allclose(got.scores[0], use)
    np.testing.assert_allclose(got.scores[1], people)
    # 1: use 92.5 (L4), people 90 (L4) -> 4; 2: people 20 reaches only L1 -> 1 (the lowest limits);
    # 3: use 28.75 -> 1; 4: use without data -> 0; 5: use 50 (L2), people 50 (L3) -> 2
    assert got.levels.tolist() == [4, 1, 1, 0, 2]
    np.testing.assert_allclose(got.coverage[0], [1, 1, 1, 0, 0.75])


def test_the_next_level_gap_names_the_values_that_close_it() -> None:
    row = _table([(1, 0.3, 2, 9)])  # use 28.75 -> level 1; level 2 needs use >= 40
    got = computation.compute(row, CONFIG)
    assert int(got.levels[0]) == 1
    dim = CONFIG.dimensions[0]
    levers = {t.metric.metric: t for t in computation.targets(row, dim, 40)}
    # ratio alone: (3*s + 25)/4 >= 40 -> s >= 45 -> ratio 0.45; features alone: (90 + s)/4 >= 40 -> 70 -> 5.6
    assert levers["active_user_ratio_30d"].target == pytest.approx(0.45)
    assert levers["key_features_used_30d"].target == pytest.approx(5.6)
    assert all(t.alone for t in levers.values())
    for metric, t in levers.items():
        moved = row.set_column(row.column_names.index(metric), metric, pa.array([t.target]))
        assert computation.compute(moved, CONFIG).scores[0, 0] == pytest.approx(40)
    far = computation.targets(row, dim, 80)  # features alone cannot: 90 + 100 < 320
    assert {t.metric.metric: t.alone for t in far} == {
        "active_user_ratio_30d": True,
        "key_features_used_30d": False,
    }


def _with(change: dict, path: tuple) -> dict:
    doc = CONFIG.model_dump(mode="json")
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = change
    return doc


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("dimensions", 0, "minimums"), [20, 50, 40, 80], "levels.dimensions[0].minimums"),
        (("dimensions", 0, "metrics", 1, "weight"), 0, "levels.dimensions[0].metrics[1].weight"),
        (
            ("dimensions", 1, "metrics", 0, "metric"),
            "no_such_metric",
            "levels.dimensions[1].metrics[0].metric",
        ),
        (("dimensions", 1, "minimums"), [10, 30, 50], "levels.dimensions[1].minimums"),
        (("dimensions", 1, "key"), "use", "levels"),
    ],
)
def test_bad_configuration_is_refused_naming_the_path(
    db: Session, path: tuple, value: object, field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        config_service.save(db, "levels", _with(value, path), "tests")
    assert field in [p.field for p in caught.value.problems]


def test_the_defaults_round_trip_through_export_and_apply(db: Session) -> None:
    text = config_service.export_yaml(db)
    doc = config_service.parse_yaml(text)
    assert doc["levels"] == config_service.default("levels")
    changed = config_service.document(db).model_dump(mode="json")
    changed["levels"]["dimensions"][0]["minimums"] = [10, 30, 50, 70]
    report = config_service.apply(db, config_service.parse_document(changed), "tests")
    assert report.changed == {"levels": 1}


@pytest.fixture
def client(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(load_settings(database_url=db_url, data_dir=tmp_path))
    with TestClient(app) as test_client:
        yield test_client


def _snapshot(root: Path, day: date, rows: list[tuple[int, float, float, float]], tiers: list[str]) -> None:
    table = _table(rows).append_column("tier", pa.array(tiers))
    store.write(root, day, table)


def test_the_api_gives_levels_and_moves_over_the_callers_accounts_only(
    client: TestClient,
    db: Session,
    team: Team,  # noqa: F811
    tmp_path: Path,
) -> None:
    config_service.save(db, "levels", CONFIG.model_dump(mode="json"), "tests")
    mine = make_account(db, team.csm.user, team.admin.user, name="Mine Ltd", tier="KA")
    theirs = make_account(db, team.other_csm.user, team.admin.user, name="Theirs Ltd", tier="SMB")
    db.commit()
    root = store.root_of(client.app.state.settings)  # type: ignore[attr-defined]
    _snapshot(root, date(2026, 1, 1), [(mine.id, 0.3, 2, 9), (theirs.id, 0.9, 8, 9)], ["KA", "SMB"])
    _snapshot(root, date(2026, 4, 1), [(mine.id, 0.9, 8, 9), (theirs.id, 0.9, 8, 2)], ["KA", "SMB"])
    admin = client.get("/api/v1/levels", headers=team.admin.headers).json()
    assert (admin["as_of"], admin["since"], admin["totals"]) == ("2026-04-01", "2026-01-01", [0, 1, 0, 0, 1])
    assert {g["key"]: g["counts"] for g in admin["by_tier"]} == {
        "KA": [0, 0, 0, 0, 1],
        "SMB": [0, 1, 0, 0, 0],
    }
    assert admin["moves"][1][4] == 1 and admin["moves"][4][1] == 1
    csm = client.get("/api/v1/levels", headers=team.csm.headers).json()
    assert csm["totals"] == [0, 0, 0, 0, 1] and [g["label"] for g in csm["by_csm"]] == ["Cora Csm"]
    assert csm["moves"][1][4] == 1 and sum(map(sum, csm["moves"])) == 1
    level = client.get(f"/api/v1/accounts/{theirs.id}/level", headers=team.admin.headers).json()
    assert (level["level"], level["next_level"], [g["key"] for g in level["gaps"]]) == (1, 2, ["people"])
    assert level["gaps"][0]["short_by"] == 10 and level["gaps"][0]["metrics"][0]["target"] == pytest.approx(3)
    assert level["history"] == [["2026-01-01", 4], ["2026-04-01", 1]]
    assert client.get(f"/api/v1/accounts/{theirs.id}/level", headers=team.csm.headers).status_code == 404
    bad = client.get("/api/v1/levels?since=2026-04-01", headers=team.admin.headers)
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "since"
