"""The accounts service: who sees which accounts, and an unknown owner named."""

import pytest

from lodestar.accounts import service as accounts_service
from lodestar.accounts.schemas import AccountFilter
from lodestar.auth.models import Role
from lodestar.kit.errors import InvalidInput, NotFound
from tests.factories import make_account, make_user


def test_csm_sees_only_own_accounts_and_manager_sees_team(db):
    admin = make_user(db, Role.ADMIN)
    boss = make_user(db, Role.MANAGER)
    a = make_user(db, Role.CSM, manager=boss)
    b = make_user(db, Role.CSM)
    mine = make_account(db, a, admin, name="Alpha Co")
    theirs = make_account(db, b, admin, name="Beta Co")
    assert [x.name for x in accounts_service.list_accounts(db, a, AccountFilter()).items] == ["Alpha Co"]
    assert [x.name for x in accounts_service.list_accounts(db, boss, AccountFilter()).items] == ["Alpha Co"]
    assert accounts_service.list_accounts(db, admin, AccountFilter()).total == 2
    assert accounts_service.get_account(db, a, mine.id).name == "Alpha Co"
    with pytest.raises(NotFound):
        accounts_service.get_account(db, a, theirs.id)


def test_unknown_owner_is_named(db):
    admin = make_user(db, Role.ADMIN)
    from lodestar.accounts.schemas import AccountCreate

    with pytest.raises(InvalidInput, match="owner_id: no user with id 999"):
        accounts_service.create_account(db, admin, AccountCreate(name="X", owner_id=999))
