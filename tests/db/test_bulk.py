"""Bulk inserts return ids in input order and store the same values on both backends, on the small
multi-row path and on the large one (PostgreSQL draws ids from the sequence and streams rows with COPY)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from lodestar.auth.models import AuditEntry, Role
from lodestar.db.bulk import COPY_FROM_ROWS, insert_returning_ids, insert_rows
from lodestar.sop.tasks.models import PlaybookRun
from tests.factories import make_account, make_user


@pytest.mark.parametrize("count", [3, COPY_FROM_ROWS + 5])
def test_bulk_insert_returns_ids_in_input_order_with_values_and_defaults_kept(
    db: Session, count: int
) -> None:
    admin = make_user(db, Role.ADMIN)
    account = make_account(db, admin)
    db.commit()
    start = datetime(2026, 1, 1, 8, 30, tzinfo=UTC)
    rows = [
        {
            "playbook_key": f"p{i % 7}",
            "playbook_version": i,
            "account_id": account.id,
            "trigger_kind": "manual",
            "trigger_ref": f"manual:{i:06d}",
            "triggered_on": date(2026, 1, 1) + timedelta(days=i % 30),
            "counts_from": date(2025, 12, 1),
            "stage": None if i % 2 else "onboarding",
            "tier": "KA",
            "owner_id": admin.id if i % 3 else None,
            # Same keys in a different order for some rows: values must still land in their columns.
            **({"created_by": None, "created_at": start + timedelta(minutes=i)} if i % 2 else {}),
        }
        for i in range(count)
    ]
    for i in range(0, count, 2):  # the even rows leave created_by/created_at out: reorder their keys
        rows[i] = dict(reversed(list(rows[i].items())))
        rows[i]["created_by"] = admin.id
        rows[i]["created_at"] = start
    ids = insert_returning_ids(db, PlaybookRun, rows)
    db.commit()
    assert len(set(ids)) == count
    stored = {r.id: r for r in db.scalars(select(PlaybookRun))}
    for new_id, row in zip(ids, rows, strict=True):
        got = stored[new_id]
        assert got.trigger_ref == row["trigger_ref"]
        assert (got.playbook_version, got.triggered_on, got.stage) == (
            row["playbook_version"],
            row["triggered_on"],
            row["stage"],
        )
        assert got.owner_id == row["owner_id"] and got.created_by == row["created_by"]
        assert got.created_at == row["created_at"]
    # The sequence moved past the drawn ids: a plain insert afterwards gets a fresh one.
    [after] = insert_returning_ids(db, PlaybookRun, [{**rows[1], "trigger_ref": "manual:after"}])
    assert after > max(ids)


def test_a_large_bulk_insert_fills_python_side_defaults(db: Session) -> None:
    admin = make_user(db, Role.ADMIN)
    account = make_account(db, admin)
    db.commit()
    base = {
        "playbook_key": "p",
        "playbook_version": 0,
        "account_id": account.id,
        "trigger_kind": "manual",
        "triggered_on": date(2026, 1, 1),
        "counts_from": date(2026, 1, 1),
    }
    before = datetime.now(UTC)
    ids = insert_returning_ids(
        db, PlaybookRun, [{**base, "trigger_ref": f"m:{i}"} for i in range(COPY_FROM_ROWS + 1)]
    )
    db.commit()
    stamps = {r.created_at for r in db.scalars(select(PlaybookRun).where(PlaybookRun.id.in_(ids[:50])))}
    assert stamps and all(s is not None and s >= before - timedelta(seconds=1) for s in stamps)


@pytest.mark.parametrize("count", [3, COPY_FROM_ROWS + 5])
def test_plain_bulk_rows_are_stored_exactly_as_sqlalchemys_own_insert_stores_them(
    db: Session, count: int
) -> None:
    admin = make_user(db, Role.ADMIN)
    at = datetime(2026, 1, 1, 8, 30, 15, 120, tzinfo=UTC)
    rows = [
        {
            "at": at + timedelta(seconds=i),
            "actor_id": admin.id if i % 2 else None,
            "action": "test.bulk",
            "entity": "things",
            "entity_id": None if i % 3 == 0 else i,
            "changes": {
                "n": i,
                "name": f"x{i}",
                "nested": [1, {"a": None}],
                "day": "2026-01-01",
                "zh": "续约",
            },
        }
        for i in range(count)
    ]
    assert insert_rows(db, AuditEntry, rows) == count
    db.execute(insert(AuditEntry), [{**r, "action": "test.core"} for r in rows])
    columns = "at, actor_id, entity, entity_id, changes"
    # Raw values as the database holds them: the same text on SQLite (JSON and instants), the same values
    # on PostgreSQL; and the bulk rows came in input order.
    mine, core = (
        db.execute(text(f"SELECT {columns} FROM audit_log WHERE action = :a ORDER BY id"), {"a": a}).all()
        for a in ("test.bulk", "test.core")
    )
    assert [tuple(r) for r in mine] == [tuple(r) for r in core] and len(mine) == count
    assert [r.entity_id for r in mine] == [r["entity_id"] for r in rows]
