"""The contracts service: a contract ending before it starts is refused; ARR rolls up to the account."""

from datetime import date
from decimal import Decimal

import pytest

from lodestar.auth.models import Role
from tests.factories import make_account, make_contract, make_user


def test_contract_end_before_start_is_refused_and_arr_rolls_up(db):
    admin = make_user(db, Role.ADMIN)
    csm = make_user(db, Role.CSM)
    acct = make_account(db, csm, admin)
    make_contract(db, acct, admin, arr=Decimal("50000.00"))
    assert acct.arr == Decimal("50000.00")
    assert acct.renewal_date == date(2027, 1, 1)
    with pytest.raises(Exception, match="end_date must be after start_date"):
        make_contract(db, acct, admin, start_date=date(2026, 5, 1), end_date=date(2026, 4, 1))
