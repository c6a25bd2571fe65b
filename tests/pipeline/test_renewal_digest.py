"""On the first day of a month, managers' and admins' digests carry last month's renewals over the accounts
they may see — ARR up for renewal, renewed, lost, the rate, the top churn reasons, the report's address — in
their language, delivered over SMTP (aiosmtpd on loopback). A CSM's digest does not, nor any other day's."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from lodestar.auth.models import Role, User
from lodestar.contracts import service as contracts_service
from lodestar.kit.text import Text
from lodestar.notifications.schemas import Notice
from lodestar.notifications.worker import Worker
from lodestar.pipeline.daily import send_digest
from lodestar.renewals import config_kind as renewals_kind
from lodestar.settings import load_settings
from tests.factories import make_account, make_contract, make_user
from tests.notifications.receivers import Inbox, smtp_server

FIRST = date(2026, 3, 1)  # February's renewals are summed


def _february(db: Session) -> dict[str, User]:
    """The team's account A renews 100,000 at 120,000 and account B churns 50,000 (price); the outsider's
    account C churns 80,000 (competitor). Every contract ends in February 2026."""
    admin = make_user(db, Role.ADMIN, name="Ada Admin")
    manager = make_user(db, Role.MANAGER, name="Max Manager", locale="zh_CN")
    csm = make_user(db, Role.CSM, manager=manager, name="Cora Csm")
    outsider = make_user(db, Role.CSM, name="Otto Other")
    a, b = make_account(db, csm, admin, name="Alpha Ltd"), make_account(db, csm, admin, name="Beta Ltd")
    c = make_account(db, outsider, admin, name="Gamma Ltd")
    old = make_contract(db, a, admin, start_date=date(2025, 2, 10), end_date=date(2026, 2, 10),
                        arr=Decimal(100_000), status="renewed")  # fmt: skip
    make_contract(db, a, admin, start_date=date(2026, 2, 10), end_date=date(2027, 2, 10),
                  arr=Decimal(120_000), renews_contract_id=old.id)  # fmt: skip
    lost_b = make_contract(db, b, admin, start_date=date(2025, 2, 20), end_date=date(2026, 2, 20),
                           arr=Decimal(50_000), status="expired")  # fmt: skip
    lost_c = make_contract(db, c, admin, start_date=date(2025, 2, 15), end_date=date(2026, 2, 15),
                           arr=Decimal(80_000), status="expired")  # fmt: skip
    contracts_service.record_churn(
        db,
        [
            {"account_id": b.id, "contract_id": lost_b.id, "churned_on": date(2026, 2, 20),
             "churn_reason": "price_budget"},
            {"account_id": c.id, "contract_id": lost_c.id, "churned_on": date(2026, 2, 15),
             "churn_reason": "competitor"},
        ],
        FIRST,
        reasons=renewals_kind.reason_keys(db),
    )  # fmt: skip
    db.commit()
    return {"admin": admin, "manager": manager, "csm": csm, "outsider": outsider}


def _send(engine: Engine, db_url: str, tmp_path: Path, day: date, people: dict[str, User]) -> Inbox:
    """Sends the day's digest with an alert naming everyone (so every one of them gets a digest)."""
    alert = Notice(
        key="alert:1", severity="warning", title=Text("Health of %(account)s fell to %(grade)s",
        account="Alpha Ltd", grade="yellow"), lines=[], link="/accounts/1",
        user_ids=[u.id for u in people.values()],
    )  # fmt: skip
    with smtp_server() as (inbox, port):
        settings = load_settings(
            database_url=db_url, data_dir=tmp_path, smtp_host="127.0.0.1", smtp_port=port,
            base_url="http://cs.example.com",
        )  # fmt: skip
        assert send_digest(engine, settings, day, [alert]) == 4
        worker = Worker(engine, settings)
        assert worker.run_once().sent == 4
        worker.close()
    return inbox


def test_managers_and_admins_get_last_months_renewals_on_the_first_in_their_language(
    db: Session, engine: Engine, db_url: str, tmp_path: Path
) -> None:
    people = _february(db)
    inbox = _send(engine, db_url, tmp_path, FIRST, people)
    body = {m["To"]: m.get_content().replace("\r\n", "\n") for m in inbox.messages}
    admin = body[people["admin"].email]
    # Everything: due 100,000 + 50,000 + 80,000; renewed 100,000 (growth is expansion); lost 130,000.
    assert (
        "  - Renewals in 2026-02: 230,000 CNY up for renewal, 100,000 CNY renewed, 130,000 CNY lost, "
        "renewal rate 43.5%\n" in admin
    )
    assert admin.index("Went to a competitor: 80,000 CNY") < admin.index("Price or budget: 50,000 CNY")
    assert "  - Churn reason Went to a competitor: 80,000 CNY lost\n" in admin
    assert "Renewal analysis report: http://cs.example.com/retention/report?period=2026-02" in admin
    manager = body[people["manager"].email]
    # The manager's team only (Cora's two accounts), in Chinese: 100,000 / 150,000 renewed.
    assert (
        "  - 2026-02 续费：到期 ARR 150,000 CNY，已续 100,000 CNY，流失 50,000 CNY，续约率 66.7%\n" in manager
    )
    assert "  - 流失原因 价格或预算：流失 50,000 CNY\n" in manager
    assert "转投竞品" not in manager and "80,000" not in manager  # the outsider's churn is not the team's
    assert "续费分析报告：http://cs.example.com/retention/report?period=2026-02" in manager
    for csm in ("csm", "outsider"):
        mine = body[people[csm].email]
        assert "Health of Alpha Ltd fell to yellow" in mine  # the digest itself came
        assert "Renewals in" not in mine and "Renewal analysis report" not in mine


def test_no_digest_carries_the_renewals_on_other_days(
    db: Session, engine: Engine, db_url: str, tmp_path: Path
) -> None:
    people = _february(db)
    inbox = _send(engine, db_url, tmp_path, date(2026, 3, 2), people)
    assert len(inbox.messages) == 4
    for message in inbox.messages:
        text = message.get_content()
        assert "Health of Alpha Ltd fell to yellow" in text or "Alpha Ltd" in text
        assert "Renewals in" not in text and "续费：" not in text and "/retention/report" not in text
