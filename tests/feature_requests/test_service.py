"""Feature requests on SQLite and PostgreSQL: figures by accounts and ARR (company currency), tier mix and
ARR at stake, sorting, row-level figures, status changes that make one task per account exactly once, the
untold report, merging, refusals naming the field with nothing written."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lodestar.auth.models import Role
from lodestar.feature_requests import service
from lodestar.feature_requests.models import FeatureRequest, RequestLink, StatusChange
from lodestar.feature_requests.schemas import LinkCreate, MergeRequest, RequestCreate, StatusUpdate
from lodestar.kit.errors import InvalidInput, NotFound, PermissionDenied
from lodestar.sop.tasks.models import PlaybookRun, Task
from tests.factories import make_account, make_user

TODAY = date(2026, 6, 1)


def _world(db: Session) -> dict:
    admin, manager = make_user(db, Role.ADMIN), make_user(db, Role.MANAGER)
    csm, other = make_user(db, Role.CSM, manager=manager), make_user(db, Role.CSM)
    a = make_account(db, csm, admin, name="Alpha", tier="KA")  # 100,000 CNY, renewing
    b = make_account(db, csm, admin, name="Beta", tier="SMB")  # 10,000 USD = 71,000 CNY, at risk
    c = make_account(db, other, admin, name="Gamma", tier="KA")  # 50,000 CNY
    a.arr, a.currency, a.in_renewal_window = Decimal("100000"), "CNY", True
    b.arr, b.currency, b.stage = Decimal("10000"), "USD", "at_risk"
    c.arr, c.currency = Decimal("50000"), "CNY"
    db.flush()
    x = service.create_request(db, admin, RequestCreate(title="Export to Excel", external_id="JIRA-1"))
    y = service.create_request(db, admin, RequestCreate(title="SSO with WeCom"))
    for req, account in ((x, a), (x, b), (x, c), (y, c)):
        service.link_account(db, admin, req.id, LinkCreate(account_id=account.id), TODAY)
    return {
        "admin": admin,
        "manager": manager,
        "csm": csm,
        "other": other,
        "a": a,
        "b": b,
        "c": c,
        "x": x,
        "y": y,
    }


def _tasks(db: Session) -> list[tuple[int, int | None, str]]:
    query = select(Task.account_id, Task.assignee_id, PlaybookRun.trigger_ref).join(PlaybookRun)
    return sorted(tuple(r) for r in db.execute(query.where(PlaybookRun.trigger_kind == "feature_request")))


def test_figures_count_accounts_and_convert_arr_to_the_company_currency(db: Session) -> None:
    w = _world(db)
    page = service.list_requests(db, w["admin"], TODAY)
    assert page.currency == "CNY" and page.total == 2
    first, second = page.items
    assert (first.id, first.figures.accounts, first.figures.arr) == (w["x"].id, 3, Decimal("221000.00"))
    assert first.figures.arr_at_stake == Decimal("171000.00")  # renewing Alpha + at-risk Beta (USD at 7.10)
    assert first.figures.tiers == {"KA": 2, "SMB": 1}
    assert (second.id, second.figures.accounts, second.figures.arr) == (w["y"].id, 1, Decimal("50000.00"))


def test_each_sort_orders_by_its_figure(db: Session) -> None:
    w = _world(db)
    z = service.create_request(db, w["admin"], RequestCreate(title="Dark mode"))
    for account in (w["a"], w["b"]):
        service.link_account(db, w["admin"], z.id, LinkCreate(account_id=account.id), TODAY)
    ids = {s: [r.id for r in service.list_requests(db, w["admin"], TODAY, sort=s).items]
           for s in ("arr", "accounts", "at_stake", "newest")}  # fmt: skip
    assert ids["arr"] == [w["x"].id, z.id, w["y"].id]  # 221,000 / 171,000 / 50,000
    assert ids["accounts"] == [w["x"].id, z.id, w["y"].id]  # 3 / 2 / 1
    assert ids["at_stake"] == [w["x"].id, z.id, w["y"].id]  # 171,000 / 171,000 (more ARR first) / 0
    assert ids["newest"] == [z.id, w["y"].id, w["x"].id]


def test_a_csm_sees_every_request_but_only_their_accounts_and_arr(db: Session) -> None:
    w = _world(db)
    rows = {r.id: r.figures for r in service.list_requests(db, w["csm"], TODAY).items}
    assert (rows[w["x"].id].accounts, rows[w["x"].id].arr) == (2, Decimal("171000.00"))
    assert rows[w["y"].id].accounts == 0 and rows[w["y"].id].arr == 0
    read = service.get_request(db, w["csm"], w["x"].id, TODAY)
    assert [link.account for link in read.links] == ["Alpha", "Beta"]
    manager_rows = {r.id: r.figures.accounts for r in service.list_requests(db, w["manager"], TODAY).items}
    assert manager_rows[w["x"].id] == 2  # the team's accounts
    with pytest.raises(NotFound):
        service.link_account(db, w["csm"], w["y"].id, LinkCreate(account_id=w["c"].id), TODAY)


def test_a_status_change_gives_each_linked_accounts_csm_one_task_exactly_once(db: Session) -> None:
    w = _world(db)
    planned = StatusUpdate(status="planned", public_note="In the Q3 release")
    change = service.change_status(db, w["manager"], w["x"].id, planned, TODAY)
    assert change is not None and change.from_status == "new"
    ref = f"feature_request:{change.id}"
    expected = sorted(
        [(w["a"].id, w["csm"].id, ref), (w["b"].id, w["csm"].id, ref), (w["c"].id, w["other"].id, ref)]
    )
    assert _tasks(db) == expected
    assert service.change_status(db, w["manager"], w["x"].id, planned, TODAY) is None  # the same change again
    assert service.change_status(db, w["admin"], w["x"].id, planned, TODAY) is None
    assert _tasks(db) == expected
    shipped = service.change_status(db, w["admin"], w["x"].id, StatusUpdate(status="shipped"), TODAY)
    assert shipped is not None and len(_tasks(db)) == 6
    history = service.get_request(db, w["admin"], w["x"].id, TODAY).history
    assert [(h.from_status, h.to_status) for h in history] == [("planned", "shipped"), ("new", "planned")]


def test_the_untold_report_lists_the_accounts_whose_task_is_not_done(db: Session) -> None:
    w = _world(db)
    service.change_status(db, w["admin"], w["x"].id, StatusUpdate(status="planned"), TODAY)
    rows = service.untold(db, w["admin"])
    assert sorted(r["account"] for r in rows) == ["Alpha", "Beta", "Gamma"]
    task = db.scalars(select(Task).where(Task.account_id == w["a"].id)).one()
    task.status = "done"
    db.flush()
    assert sorted(r["account"] for r in service.untold(db, w["admin"])) == ["Beta", "Gamma"]
    assert [r["account"] for r in service.untold(db, w["csm"])] == ["Beta"]


def test_merging_moves_the_links_and_points_the_duplicate_to_the_survivor(db: Session) -> None:
    w = _world(db)
    survivor = service.merge(db, w["manager"], w["y"].id, MergeRequest(into_id=w["x"].id))
    assert survivor.id == w["x"].id and db.get(FeatureRequest, w["y"].id).merged_into_id == w["x"].id
    links = db.execute(select(RequestLink.request_id, func.count()).group_by(RequestLink.request_id)).all()
    assert dict(links) == {w["x"].id: 3}  # Gamma asked for both: one link stays
    assert [r.id for r in service.list_requests(db, w["admin"], TODAY).items] == [w["x"].id]
    with pytest.raises(InvalidInput) as refused:
        service.merge(db, w["manager"], w["x"].id, MergeRequest(into_id=w["y"].id))
    assert refused.value.problems[0].field == "into_id"
    with pytest.raises(InvalidInput):
        service.link_account(db, w["admin"], w["y"].id, LinkCreate(account_id=w["a"].id), TODAY)


def test_bad_input_names_the_field_and_writes_nothing(db: Session) -> None:
    w = _world(db)
    changes = db.scalar(select(func.count()).select_from(StatusChange))
    with pytest.raises(PermissionDenied):
        service.change_status(db, w["csm"], w["x"].id, StatusUpdate(status="planned"), TODAY)
    with pytest.raises(InvalidInput) as taken:
        service.create_request(db, w["admin"], RequestCreate(title="Again", external_id="JIRA-1"))
    assert taken.value.problems[0].field == "external_id"
    with pytest.raises(InvalidInput) as into_self:
        service.merge(db, w["admin"], w["x"].id, MergeRequest(into_id=w["x"].id))
    assert into_self.value.problems[0].field == "into_id"
    with pytest.raises(InvalidInput) as unknown:
        service.merge(db, w["admin"], w["x"].id, MergeRequest(into_id=999_999))
    assert unknown.value.problems[0].field == "into_id"
    assert db.scalar(select(func.count()).select_from(StatusChange)) == changes
    assert _tasks(db) == []
