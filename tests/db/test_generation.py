"""A generation cache keeps a value while its tables stay as they are and computes it again after any
insert, update (ORM object, Core statement, bulk by primary key) or delete, on both backends."""

from __future__ import annotations

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.auth.models import Role
from lodestar.db.base import table_of
from lodestar.db.generation import GenerationCache
from tests.factories import make_account, make_user


def test_the_value_is_kept_until_the_table_changes_in_any_way(db: Session) -> None:
    admin = make_user(db, Role.ADMIN)
    first = make_account(db, admin, tier="KA")
    db.commit()
    cache: GenerationCache[int] = GenerationCache([table_of(Account)], counted=[table_of(Account)])
    computed: list[int] = []

    def ka_accounts() -> int:
        found = db.scalar(select(func.count()).select_from(Account).where(Account.tier == "KA")) or 0
        computed.append(found)
        return found

    def read() -> int:
        return cache.get(db, "ka", ka_accounts)

    assert (read(), read(), computed) == (1, 1, [1])  # the second read is the kept value

    second = make_account(db, admin, tier="KA")  # an insert
    db.commit()
    assert (read(), read(), computed) == (2, 2, [1, 2])

    first.tier = "MM"  # an ORM update
    db.commit()
    assert (read(), computed[-1]) == (1, 1)

    db.execute(update(Account).where(Account.id == first.id).values(tier="KA"))  # a Core UPDATE
    db.commit()
    assert (read(), computed[-1]) == (2, 2)

    db.execute(update(Account), [{"id": second.id, "tier": "SMB"}])  # a bulk update by primary key
    db.commit()
    assert (read(), computed[-1]) == (1, 1)

    db.execute(delete(Account).where(Account.id == first.id))  # a delete, seen before the commit too
    assert (read(), computed[-1]) == (0, 0)
    db.commit()
    assert (read(), computed) == (0, [1, 2, 1, 2, 1, 0])

    second.tier = "KA"  # a change the session has not flushed yet: flushed by the read's autoflush
    assert (read(), computed[-1]) == (1, 1)
    assert cache.get(db, "other key", lambda: 42) == 42  # keys are apart


def test_an_expired_value_is_computed_again(db: Session) -> None:
    admin = make_user(db, Role.ADMIN)
    make_account(db, admin)
    db.commit()
    cache: GenerationCache[int] = GenerationCache([table_of(Account)], ttl_s=0.0)
    calls = iter(range(10))
    assert cache.get(db, "k", lambda: next(calls)) == 0
    assert cache.get(db, "k", lambda: next(calls)) == 1


def test_an_uncounted_table_is_watched_by_its_stamps(db: Session) -> None:
    admin = make_user(db, Role.ADMIN)
    account = make_account(db, admin, tier="KA")
    db.commit()
    cache: GenerationCache[int] = GenerationCache([table_of(Account)])
    calls = iter(range(10))
    assert [cache.get(db, "k", lambda: next(calls)) for _ in range(2)] == [0, 0]
    account.industry = "Retail"
    db.commit()
    assert cache.get(db, "k", lambda: next(calls)) == 1
