"""Whole columns read as joined text line up row by row with the tuples the same query returns, on both
backends: NULL days read as NaT, NULL texts as "", a text holding the separator keeps its row, batches of
ids and no rows at all."""

from __future__ import annotations

from datetime import date

import numpy as np
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.auth.models import Role
from lodestar.db.columns import Column, read_columns
from tests.factories import make_account, make_user

COLUMNS = [
    Column("id", Account.id, "int"),
    Column("owner", func.coalesce(Account.owner_id, -1), "int"),
    Column("name", Account.name, "text"),
    Column("tier", Account.tier, "text"),
    Column("renewal", Account.renewal_date, "day"),
]


def _accounts(stmt: Select) -> Select:  # type: ignore[type-arg]
    return stmt.select_from(Account)


def test_columns_match_the_rows_of_the_same_query(db: Session) -> None:
    csm = make_user(db, Role.CSM)
    made = []
    for i in range(7):
        account = make_account(db, csm)
        account.owner_id = csm.id if i % 2 else None
        account.name = f"A{i}\x1fx" if i == 3 else f"A{i}"
        account.tier = None if i % 3 == 0 else f"T{i}"
        account.renewal_date = None if i == 5 else date(2026, 1, 1 + i)
        made.append(account)
    db.commit()
    got = read_columns(db, COLUMNS, _accounts)
    rows = db.execute(select(Account.id, Account.owner_id, Account.name, Account.tier, Account.renewal_date))
    expected = {r[0]: r for r in rows}
    assert sorted(got["id"].tolist()) == sorted(expected)
    for at, account_id in enumerate(got["id"].tolist()):
        _, owner, name, tier, renewal = expected[account_id]
        assert got["owner"][at] == (owner if owner is not None else -1)
        assert got["name"][at] == name.replace("\x1f", " ")
        assert got["tier"][at] == (tier or "")
        if renewal is None:
            assert np.isnat(got["renewal"][at])
        else:
            assert got["renewal"][at] == np.datetime64(renewal)
    among = read_columns(db, COLUMNS, _accounts, (Account.owner_id, {csm.id}))
    assert sorted(among["id"].tolist()) == sorted(a.id for a in made if a.owner_id == csm.id)


def test_no_rows_give_empty_columns(db: Session) -> None:
    got = read_columns(db, COLUMNS, _accounts)
    assert {k: len(v) for k, v in got.items()} == {c.name: 0 for c in COLUMNS}
    assert read_columns(db, COLUMNS, _accounts, (Account.owner_id, set()))["id"].tolist() == []
