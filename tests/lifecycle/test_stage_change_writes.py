"""A run's stage changes are written set-based: a date's first changes go in whole, a rewrite of the date
keeps the changes already recorded (their ids too), replaces the changed and deletes the vanished."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.auth import service as auth_service
from lodestar.auth.models import Role
from lodestar.lifecycle import service
from lodestar.lifecycle.models import StageTransition
from tests.factories import make_account, make_user

DAY = date(2026, 3, 2)


def _moves(*rows: tuple[int, date, str | None, str, str]) -> pa.Table:
    names = ("account_id", "on", "from_stage", "to_stage", "reason")
    types = (pa.int64(), pa.date32(), pa.string(), pa.string(), pa.string())
    columns = {
        n: pa.array([r[i] for r in rows], t) for i, (n, t) in enumerate(zip(names, types, strict=True))
    }
    return pa.table(columns)


def _stored(db: Session) -> list[tuple[int, int, date, str | None, str | None, str | None]]:
    db.expire_all()
    rows = db.scalars(select(StageTransition).order_by(StageTransition.id))
    return [(t.id, t.account_id, t.on, t.from_stage, t.to_stage, t.reason) for t in rows]


@pytest.fixture
def accounts(db: Session, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    monkeypatch.setattr(auth_service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    csm = make_user(db, Role.CSM)
    return [make_account(db, csm).id for _ in range(3)]


def test_a_dates_first_changes_go_in_whole_and_a_rewrite_touches_only_what_differs(
    db: Session, accounts: list[int]
) -> None:
    a, b, c = accounts
    earlier = date(2026, 3, 1)
    once = _moves((c, earlier, None, "onboarding", "first"))
    assert service.write_stage_changes(db, [earlier], once) == (1, 0)
    first = _moves((a, DAY, None, "onboarding", "first"), (b, DAY, None, "growth", "first"))
    assert service.write_stage_changes(db, [DAY], first) == (2, 0)
    before = _stored(db)
    assert [row[1:] for row in before] == [
        (c, earlier, None, "onboarding", "first"),
        (a, DAY, None, "onboarding", "first"),
        (b, DAY, None, "growth", "first"),
    ]
    assert service.write_stage_changes(db, [DAY], first) == (0, 0)  # the same changes: nothing written
    assert _stored(db) == before
    moved = _moves((a, DAY, None, "onboarding", "first"), (b, DAY, None, "maturity", "first"))
    assert service.write_stage_changes(db, [DAY], moved) == (1, 1)
    after = _stored(db)
    assert after[:2] == before[:2]  # the other date's and the unchanged change keep their rows and ids
    assert [row[1:] for row in after[2:]] == [(b, DAY, None, "maturity", "first")]
