"""What alert rules read of accounts and contacts in bulk: the accounts of a scope, the contacts who left
(re-exported by `accounts.service`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from sqlalchemy import ColumnElement, exists, func, select, true, type_coerce
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account, Contact
from lodestar.db.batches import rows_among


def _tagged(session: Session, tags: Sequence[str]) -> ColumnElement[bool]:
    """The account carries at least one of these tags (a JSON list: JSONB on PostgreSQL, text on SQLite)."""
    if session.get_bind().dialect.name == "postgresql":
        return type_coerce(Account.tags, JSONB).has_any(postgresql.array(list(tags)))
    each = func.json_each(Account.tags).table_valued("value")
    return exists(select(1).select_from(each).where(each.c.value.in_(list(tags))))


def ids_in_scope(
    session: Session,
    *,
    plans: Sequence[str] = (),
    industries: Sequence[str] = (),
    regions: Sequence[str] = (),
    tags: Sequence[str] = (),
    account_ids: Collection[int] | None = None,
) -> list[int]:
    """The ids of the accounts (all, or among these) whose plan, industry and region are among the ones
    given and that carry one of the tags; an empty list sets no limit on its field."""
    conds: list[ColumnElement[bool]] = [true()]
    for column, values in ((Account.plan, plans), (Account.industry, industries), (Account.region, regions)):
        if values:
            conds.append(column.in_(list(values)))
    if tags:
        conds.append(_tagged(session, tags))
    stmt = select(Account.id).where(*conds)
    return [a for (a,) in rows_among(session, stmt, Account.id, account_ids)]


def contacts_left(
    session: Session,
    first: date,
    last: date,
    roles: Sequence[str],
    account_ids: Collection[int] | None = None,
) -> list[tuple[int, str, str, date]]:
    """(account_id, name, role, left_on) of the contacts of these roles who left in [first, last], of
    every account or these, in the order they left."""
    stmt = (
        select(Contact.account_id, Contact.name, Contact.role, Contact.left_on)
        .where(Contact.role.in_(list(roles)), Contact.left_on >= first, Contact.left_on <= last)
        .order_by(Contact.left_on, Contact.id)
    )
    return [(a, n, r, d) for a, n, r, d in rows_among(session, stmt, Contact.account_id, account_ids)]
