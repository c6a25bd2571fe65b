from datetime import date
from decimal import Decimal

import pytest

from lodestar.accounts import service as accounts_service
from lodestar.accounts.schemas import AccountFilter
from lodestar.auth.models import Role
from lodestar.kit.errors import InvalidInput, NotFound
from tests.factories import make_account, make_contract, make_user


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


def test_contract_end_before_start_is_refused_and_arr_rolls_up(db):
    admin = make_user(db, Role.ADMIN)
    csm = make_user(db, Role.CSM)
    acct = make_account(db, csm, admin)
    make_contract(db, acct, admin, arr=Decimal("50000.00"))
    assert acct.arr == Decimal("50000.00")
    assert acct.renewal_date == date(2027, 1, 1)
    with pytest.raises(Exception, match="end_date must be after start_date"):
        make_contract(db, acct, admin, start_date=date(2026, 5, 1), end_date=date(2026, 4, 1))


def test_unknown_owner_is_named(db):
    admin = make_user(db, Role.ADMIN)
    from lodestar.accounts.schemas import AccountCreate

    with pytest.raises(InvalidInput, match="owner_id: no user with id 999"):
        accounts_service.create_account(db, admin, AccountCreate(name="X", owner_id=999))
