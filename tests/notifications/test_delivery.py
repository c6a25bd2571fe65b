"""Delivery to real receivers on loopback: each platform's signature checked as its documentation says,
each format as it expects, every message carrying its idempotency key."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from lodestar.notifications import service
from lodestar.notifications.schemas import ChannelCreate
from lodestar.notifications.worker import Worker
from lodestar.settings import Settings
from tests.notifications.conftest import People, drain, notice, outbox
from tests.notifications.receivers import receiving, smtp_server

SECRET = "SECb6f0c2d1e9a84f7b93c5d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1"


def _channel(
    db: Session, settings: Settings, kind: str, url: str, secret: str | None = None, **kw: object
) -> None:
    data = ChannelCreate(key=f"team-{kind}", name=f"Team {kind}", kind=kind, url=url, secret=secret, **kw)  # type: ignore[arg-type]
    service.create_channel(db, data, None, settings.secret_key)


@pytest.mark.parametrize("kind", ["dingtalk", "feishu", "webhook"])
def test_signed_channels_pass_the_receivers_signature_check(
    db: Session, engine: Engine, settings: Settings, worker: Worker, kind: str
) -> None:
    with receiving(kind, SECRET) as rx:
        _channel(db, settings, kind, rx.url, SECRET, rate_per_minute=0)
        written = service.notify(
            db, [notice(f"alert:{i}", channel_keys=[f"team-{kind}"]) for i in range(3)], settings
        )
        db.commit()
        tally = drain(worker, engine)
    assert (written, tally.sent, rx.refused, rx.duplicates) == (3, 3, [], 0)
    assert rx.accepted_keys() == [f"alert:{i}:team-{kind}" for i in range(3)]
    assert [m.status for m in outbox(engine)] == ["sent"] * 3


def test_a_wrong_secret_is_refused_by_the_receiver_and_the_message_retried_until_dead(
    db: Session, engine: Engine, settings: Settings, worker: Worker
) -> None:
    with receiving("dingtalk", SECRET) as rx:
        _channel(db, settings, "dingtalk", rx.url, "SECnot-the-right-secret-at-all", rate_per_minute=0)
        service.notify(db, [notice("alert:1", channel_keys=["team-dingtalk"])], settings)
        db.commit()
        drain(worker, engine)
    [message] = outbox(engine)
    assert (message.status, message.attempts) == ("dead", settings.notify_max_attempts)
    assert message.last_error == "dingtalk errcode 310000: sign not match"
    assert len(rx.refused) == settings.notify_max_attempts and rx.accepted == []


def test_each_platform_gets_its_own_format_in_the_channels_language(
    db: Session, engine: Engine, settings: Settings, worker: Worker
) -> None:
    with (
        receiving("dingtalk") as ding,
        receiving("feishu") as feishu,
        receiving("wecom") as wecom,
        receiving("slack") as slack,
    ):
        for kind, rx in (("dingtalk", ding), ("feishu", feishu), ("wecom", wecom), ("slack", slack)):
            _channel(db, settings, kind, rx.url, locale="zh_CN" if kind != "slack" else "en")
        keys = ["team-dingtalk", "team-feishu", "team-wecom", "team-slack"]
        service.notify(db, [notice("alert:9", severity="critical", channel_keys=keys)], settings)
        db.commit()
        drain(worker, engine)
    link = "http://cs.example.com/accounts/7#alerts"
    [d] = ding.accepted
    assert d["body"]["msgtype"] == "markdown"
    # The channel's language: the catalogue's words (severity, link); the notice's own sentences are
    # test sentences without a translation, so they read as written.
    assert d["body"]["markdown"]["title"] == "[紧急] Health of Aurora Retail fell to red"
    assert f"[在 Lodestar 中打开]({link})" in d["body"]["markdown"]["text"]
    assert "- Active users 42 → 21" in d["body"]["markdown"]["text"]
    [f] = feishu.accepted
    assert f["body"]["msg_type"] == "interactive"
    assert f["body"]["card"]["header"]["template"] == "red"
    assert f["body"]["card"]["elements"][1]["actions"][0]["url"] == link
    [w] = wecom.accepted
    assert w["body"]["msgtype"] == "markdown" and "> No login for 14 days" in w["body"]["markdown"]["content"]
    [s] = slack.accepted
    assert s["body"]["text"] == "[Critical] Health of Aurora Retail fell to red"
    assert s["body"]["blocks"][0]["text"]["type"] == "mrkdwn"
    assert f"<{link}|Open in Lodestar>" in s["body"]["blocks"][0]["text"]["text"]


def test_email_goes_over_smtp_in_each_persons_language_with_its_key(
    db: Session, engine: Engine, settings: Settings, people: People
) -> None:
    with smtp_server() as (inbox, port):
        smtp = settings.model_copy(
            update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_from": "cs@example.com"}
        )
        worker = Worker(engine, smtp)
        service.notify(db, [notice("alert:5", user_ids=[people.csm.id, people.zh.id])], smtp)
        db.commit()
        drain(worker, engine)
        worker.close()
    by_to = {m["To"]: m for m in inbox.messages}
    en, zh = by_to[people.csm.email], by_to[people.zh.email]
    assert en["Subject"] == "[Warning] Health of Aurora Retail fell to red"
    assert en["Idempotency-Key"] == f"alert:5:email:u{people.csm.id}"
    assert "Open in Lodestar: http://cs.example.com/accounts/7#alerts" in en.get_content()
    assert str(zh["Subject"]) == "[警告] Health of Aurora Retail fell to red"
    assert inbox.duplicates == 0
