"""health.service.scores_back: each account's latest score in the trend's window, whichever date it was."""

from __future__ import annotations

from datetime import date, timedelta

import pyarrow as pa
from sqlalchemy.orm import Session

from lodestar.auth.models import Role
from lodestar.health import service as health_service
from tests.factories import make_account, make_user

DAY = date(2026, 6, 30)


def _history(db: Session, day: date, scores: dict[int, float | None]) -> None:
    n = len(scores)
    rows = pa.table(
        {
            "account_id": pa.array(list(scores), pa.int64()),
            "as_of": pa.array([day] * n, pa.date32()),
            "score": pa.array(list(scores.values()), pa.float64()),
            "grade": pa.array([None] * n, pa.string()),
            "coverage": pa.array([1.0] * n),
            "model": pa.array(["general"] * n),
            "model_version": pa.array([1] * n, pa.int64()),
            "stage": pa.array([None] * n, pa.string()),
        }
    )
    health_service.write_history(db, day, rows)


def test_the_latest_score_in_the_window_whatever_date_each_account_last_had_one(db: Session) -> None:
    owner = make_user(db, Role.ADMIN)
    steady, unscored_last, late, never = (make_account(db, owner, name=n).id for n in "ABCD")
    db.flush()
    _history(db, DAY - timedelta(days=20), {steady: 50.0, unscored_last: 40.0, never: None})
    _history(db, DAY - timedelta(days=9), {steady: 55.0, unscored_last: None, late: 70.0, never: None})
    _history(db, DAY - timedelta(days=3), {steady: 99.0, late: 99.0})  # inside 7 days: not a week back
    _history(db, DAY, {steady: 60.0, unscored_last: 45.0, late: 75.0, never: 10.0})
    back = health_service.scores_back(db, DAY, 7, 60)
    found = {a: s for a, s in zip(*back.to_pydict().values(), strict=True) if s is not None}
    assert found == {steady: 55.0, unscored_last: 40.0, late: 70.0}
    one = health_service.scores_back(db, DAY, 7, 60, account_id=unscored_last)
    assert [s for s in one.column("score").to_pylist() if s is not None] == [40.0]
    assert health_service.scores_back(db, DAY, 7, 5).num_rows == 0  # nothing at least 7 days back


def test_no_history_before_the_window_gives_no_scores(db: Session) -> None:
    owner = make_user(db, Role.ADMIN)
    account = make_account(db, owner, name="New").id
    db.flush()
    _history(db, DAY, {account: 60.0})
    assert health_service.scores_back(db, DAY, 7, 60).num_rows == 0
