"""db.staging.update_changed_columns: only the changed cells reach the table, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.auth.models import Role
from lodestar.db.base import table_of
from lodestar.db.staging import update_changed_columns
from tests.factories import make_account, make_user

FIELDS = ("health_score", "health_grade", "stage", "stage_since", "in_renewal_window")


def _values(db: Session) -> dict[int, tuple[object, ...]]:
    cols = [getattr(Account, n) for n in FIELDS]
    return {r[0]: tuple(r[1:]) for r in db.execute(select(Account.id, *cols).order_by(Account.id))}


def test_only_rows_and_columns_that_differ_are_written_and_a_second_write_changes_nothing(
    db: Session,
) -> None:
    owner = make_user(db, Role.ADMIN)
    ids = [make_account(db, owner, name=f"A{i}").id for i in range(4)]
    db.flush()
    accounts = table_of(Account)
    first = pa.table(
        {
            "id": pa.array(ids, pa.int64()),
            "health_score": pa.array([10.5, None, 30.0, 40.0]),
            "health_grade": pa.array(["red", None, "green", "green"]),
            "stage": pa.array(["onboarding", "adoption", None, "renewal"]),
            "stage_since": pa.array([date(2026, 6, 1), None, None, date(2026, 5, 2)], pa.date32()),
            "in_renewal_window": pa.array([False, False, True, True]),
        }
    )
    assert update_changed_columns(db, accounts, first) == 4
    stamps = dict(db.execute(select(Account.id, Account.updated_at)).all())
    # The second write moves one score, one grade (to null) and one stage; the fourth row is as stored.
    second = first.set_column(1, "health_score", pa.array([11.0, None, 30.0, 40.0]))
    second = second.set_column(2, "health_grade", pa.array(["red", None, None, "green"]))
    second = second.set_column(3, "stage", pa.array(["onboarding", "value", None, "renewal"]))
    assert update_changed_columns(db, accounts, second) == 3
    assert _values(db) == {
        ids[0]: (11.0, "red", "onboarding", date(2026, 6, 1), False),
        ids[1]: (None, None, "value", None, False),
        ids[2]: (30.0, None, None, None, True),
        ids[3]: (40.0, "green", "renewal", date(2026, 5, 2), True),
    }
    after = dict(db.execute(select(Account.id, Account.updated_at)).all())
    assert after[ids[3]] == stamps[ids[3]]  # untouched: not even its stamp moved
    assert update_changed_columns(db, accounts, second) == 0


def test_an_id_the_table_lacks_is_left_out(db: Session) -> None:
    owner = make_user(db, Role.ADMIN)
    known = make_account(db, owner, name="Known").id
    db.flush()
    values = pa.table({"id": pa.array([known, known + 1000], pa.int64()), "stage": ["adoption", "value"]})
    assert update_changed_columns(db, table_of(Account), values) == 1
    assert db.scalar(select(Account.stage).where(Account.id == known)) == "adoption"
