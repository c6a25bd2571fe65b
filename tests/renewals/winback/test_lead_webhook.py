"""Each new lead reaches a CRM once as a signed webhook through the notification outbox; a real HTTP
receiver on loopback checks the signature the way its documentation says."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from lodestar.config import service as config_service
from lodestar.notifications import service as notifications_service
from lodestar.notifications.schemas import ChannelCreate
from lodestar.notifications.worker import Worker
from lodestar.renewals.winback import service
from lodestar.settings import Settings, load_settings
from tests.notifications.conftest import drain
from tests.notifications.receivers import receiving
from tests.renewals.winback.conftest import WINDOW, Churned, day

SECRET = "whsec-0f5a9c2e7b1d4a8f6c3e9b2d5a7f1c4e"


def test_a_new_lead_is_posted_once_signed_with_its_facts(
    db: Session, engine: Engine, churned: Churned, settings: Settings
) -> None:
    quick = load_settings(
        database_url=settings.database_url, data_dir=settings.data_dir, base_url="http://cs.example.com",
        notify_backoff_base_s=0.02, notify_backoff_cap_s=0.1,
    )  # fmt: skip
    with receiving("webhook", SECRET) as rx:
        channel = ChannelCreate(key="crm-leads", name="CRM", kind="webhook", url=rx.url, secret=SECRET)
        notifications_service.create_channel(db, channel, None, quick.secret_key)
        body = config_service.default("renewals").model_dump(mode="json")
        body["lead_pool"] = {"webhook_channels": ["crm-leads"]}
        config_service.save(db, "renewals", body, "test")
        service.after_snapshot(db, day(1), quick)
        assert service.after_snapshot(db, day(WINDOW), quick).lead_messages == 0  # not a lead yet
        assert service.after_snapshot(db, day(WINDOW + 1), quick).lead_messages == 1
        assert service.after_snapshot(db, day(WINDOW + 2), quick).lead_messages == 0
        db.commit()
        worker = Worker(engine, quick)
        try:
            tally = drain(worker, engine)
        finally:
            worker.close()
    assert (tally.sent, rx.refused, rx.duplicates) == (1, [], 0)
    [posted] = rx.accepted
    data = posted["body"]["data"]
    assert (data["account"], data["account_id"], data["churn_reason"]) == (
        "Aurora Retail", churned.account.id, "price_budget",
    )  # fmt: skip
    assert (data["last_arr"], data["currency"], data["lead_since"]) == (
        "120000.00",
        "CNY",
        str(day(WINDOW + 1)),
    )
    assert [c["name"] for c in data["contacts"]] == ["Wang Fang"]
    assert posted["body"]["title"] == "新的销售线索：Aurora Retail"  # the channel's language (zh_CN)
    assert posted["body"]["url"] == f"http://cs.example.com/accounts/{churned.account.id}"
