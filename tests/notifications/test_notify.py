"""notify(): notices into outbox rows by each person's preferences and each channel's floor, in bulk, in
the caller's transaction, once per idempotency key."""

from __future__ import annotations

from datetime import UTC, datetime, time

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from lodestar.notifications import service
from lodestar.notifications.schemas import ChannelCreate, PreferenceIn
from lodestar.settings import Settings
from tests.notifications.conftest import People, notice, outbox

NOON = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # 12:00 in Asia/Shanghai
NIGHT = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)  # 23:30 in Asia/Shanghai


def _mail(settings: Settings) -> Settings:
    return settings.model_copy(update={"smtp_host": "127.0.0.1"})


def _rows(engine: Engine) -> list[tuple[str, str, int | None]]:
    return [(m.idempotency_key, m.channel_key, m.user_id) for m in outbox(engine)]


def _chat(db: Session, settings: Settings, key: str = "cs-ding", **kw: object) -> None:
    data = ChannelCreate(
        key=key,
        name="CS 钉钉群",
        kind="dingtalk",
        url="https://oapi.dingtalk.com/robot/send?access_token=t",
        **kw,
    )  # type: ignore[arg-type]
    service.create_channel(db, data, None, settings.secret_key)


def test_email_reaches_people_from_warning_up_by_default(
    db: Session, engine: Engine, settings: Settings, people: People
) -> None:
    notices = [
        notice("a:1", "info", user_ids=[people.csm.id]),
        notice("a:2", "warning", user_ids=[people.csm.id]),
    ]
    assert service.notify(db, notices, _mail(settings), now=NOON) == 1
    db.commit()
    [row] = outbox(engine)
    assert (row.idempotency_key, row.recipient, row.locale, row.not_before) == (
        f"a:2:email:u{people.csm.id}",
        people.csm.email,
        "en",
        None,
    )


def test_the_floor_off_and_digest_modes_are_each_persons_own(
    db: Session, engine: Engine, settings: Settings, people: People
) -> None:
    service.set_preferences(db, people.csm, [PreferenceIn(channel="email", min_severity="info")])
    service.set_preferences(db, people.zh, [PreferenceIn(channel="email", mode="off")])
    service.set_preferences(db, people.manager, [PreferenceIn(channel="email", mode="digest")])
    everyone = [people.csm.id, people.zh.id, people.manager.id]
    service.notify(
        db,
        [notice("a:1", "info", user_ids=everyone), notice("a:2", "critical", user_ids=everyone)],
        _mail(settings),
        now=NOON,
    )
    db.commit()
    assert _rows(engine) == [
        (f"a:1:email:u{people.csm.id}", "email", people.csm.id),
        (f"a:2:email:u{people.csm.id}", "email", people.csm.id),
    ]


def test_quiet_hours_hold_a_message_until_they_end_in_the_company_zone(
    db: Session, engine: Engine, settings: Settings, people: People
) -> None:
    quiet = PreferenceIn(channel="email", quiet_from=time(22, 0), quiet_to=time(8, 0))
    service.set_preferences(db, people.csm, [quiet])
    service.notify(db, [notice("a:night", user_ids=[people.csm.id])], _mail(settings), now=NIGHT)
    service.notify(db, [notice("a:noon", user_ids=[people.csm.id])], _mail(settings), now=NOON)
    db.commit()
    night, noon = outbox(engine)
    assert night.not_before == datetime(2026, 3, 3, 0, 0, tzinfo=UTC)  # 08:00 the next morning, UTC+8
    assert noon.not_before is None


def test_a_person_opts_in_to_a_chat_channel_and_named_channels_keep_their_own_floor(
    db: Session, engine: Engine, settings: Settings, people: People
) -> None:
    _chat(db, settings, min_severity="critical")
    _chat(db, settings, key="team-feed")
    service.set_preferences(db, people.zh, [PreferenceIn(channel="cs-ding", min_severity="warning")])
    notices = [
        notice(
            "a:1", "warning", user_ids=[people.zh.id, people.csm.id], channel_keys=["cs-ding", "team-feed"]
        ),
        notice("a:2", "warning", user_ids=[people.zh.id]),
    ]
    service.notify(db, notices, settings, now=NOON)  # no SMTP: nothing by e-mail
    db.commit()
    rows = _rows(engine)
    assert rows == [
        ("a:1:team-feed", "team-feed", None),
        (f"a:2:cs-ding:u{people.zh.id}", "cs-ding", people.zh.id),
    ]
    personal = outbox(engine)[1]
    assert personal.locale == "zh_CN" and personal.body["markdown"]["text"].startswith("#### [警告]")
    assert f"@{people.zh.name}" in personal.body["markdown"]["text"]


def test_the_same_notice_twice_writes_nothing_new_and_nothing_is_committed_by_notify(
    db: Session, engine: Engine, settings: Settings, people: People
) -> None:
    notices = [notice(f"a:{i}", user_ids=[people.csm.id, people.manager.id]) for i in range(3)]
    assert service.notify(db, notices, _mail(settings)) == 6
    db.rollback()
    assert outbox(engine) == []
    assert service.notify(db, notices, _mail(settings)) == 6
    assert service.notify(db, notices, _mail(settings)) == 0
    db.commit()
    assert len(outbox(engine)) == 6


def test_many_notices_are_written_in_a_few_multi_row_statements(
    db: Session, engine: Engine, settings: Settings, people: People
) -> None:
    _chat(db, settings)
    db.commit()
    statements: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().replace('"', "").startswith("INSERT INTO NOTIFICATION_OUTBOX"):
            statements.append(statement)

    notices = [notice(f"a:{i}", user_ids=[people.csm.id], channel_keys=["cs-ding"]) for i in range(2000)]
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert service.notify(db, notices, _mail(settings)) == 4000
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert 1 <= len(statements) <= 8
    assert service.notify(db, notices, _mail(settings)) == 0  # again: every key is there already
    db.commit()
    rows = outbox(engine)
    assert [m.idempotency_key for m in rows[:4]] == [
        "a:0:cs-ding",
        f"a:0:email:u{people.csm.id}",
        "a:1:cs-ding",
        f"a:1:email:u{people.csm.id}",
    ]  # ids follow the notices' order
