"""A new alert hands one notice to notifications in the same transaction: the rule's name in the reader's
language, the evidence, a link to the account's alerts, the owner and (by severity) the owner's manager."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest

from lodestar.alerts.raising import raise_alerts
from lodestar.notifications import service as notifications_service
from lodestar.notifications.schemas import Notice
from lodestar.web.i18n import gettext_for
from tests.alerts.raising_fixtures import DAY, Team, alerts, findings, rules, team

__all__ = ["team"]


@pytest.fixture
def told(monkeypatch: pytest.MonkeyPatch) -> list[Notice]:
    """The notices raising hands to notifications.notify."""
    heard: list[Notice] = []

    def notify(session: object, notices: Sequence[Notice]) -> int:
        heard.extend(notices)
        return len(notices)

    monkeypatch.setattr(notifications_service, "notify", notify)
    return heard


def test_each_new_alert_is_one_notice_for_its_owner_and_by_severity_the_owners_manager(
    team: Team, told: list[Notice]
) -> None:
    db, a, b, c = team.db, team.a.id, team.b.id, team.c.id
    found = findings(("usage_drop", a, 21), ("health_red", b, 4), ("info_only", c, 1))
    raise_alerts(db, rules(), 1, DAY, found, True)
    ids = {x.rule_key: x.id for x in alerts(db)}
    by_key = {n.key: n for n in told}
    assert sorted(by_key) == sorted(f"alert:{i}" for i in ids.values())
    usage = by_key[f"alert:{ids['usage_drop']}"]
    assert (usage.severity, usage.link, usage.alert_id) == (
        "warning",
        f"/accounts/{a}#alerts",
        ids["usage_drop"],
    )
    assert usage.user_ids == [team.csm.id]  # a warning: the manager is told from critical up
    assert usage.channel_keys == ["cs-team"]
    assert [str(line) for line in usage.lines] == ["active users 42 → 21"]
    assert by_key[f"alert:{ids['health_red']}"].user_ids == [team.csm.id, team.manager.id]
    assert by_key[f"alert:{ids['info_only']}"].user_ids == [
        team.manager.id
    ]  # owner: false, manager from info
    told.clear()
    raise_alerts(db, rules(), 1, DAY + timedelta(days=1), found, True)
    assert told == []


def test_the_notice_title_is_the_rules_configured_name_in_each_language(
    team: Team, told: list[Notice]
) -> None:
    raise_alerts(team.db, rules(), 1, DAY, findings(("health_red", team.a.id, 1)), True)
    [notice] = told
    assert str(notice.title) == gettext_for("en")(notice.title) == "Health turned red"
    assert gettext_for("zh_CN")(notice.title) == "健康度转为红色"


def test_new_alerts_reach_the_outbox_in_the_same_transaction_once(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import select

    from lodestar.notifications.models import OutboxMessage
    from lodestar.settings import get_settings

    mail = get_settings().model_copy(update={"smtp_host": "127.0.0.1"})
    monkeypatch.setattr(notifications_service, "get_settings", lambda: mail)
    db, a, b = team.db, team.a.id, team.b.id
    found = findings(("usage_drop", a, 21), ("health_red", b, 4))
    raise_alerts(db, rules(), 1, DAY, found, True)
    ids = {x.rule_key: x.id for x in alerts(db)}
    rows = db.execute(select(OutboxMessage.alert_id, OutboxMessage.user_id, OutboxMessage.subject)).all()
    assert sorted((r.alert_id, r.user_id) for r in rows) == sorted(
        [
            (ids["usage_drop"], team.csm.id),
            (ids["health_red"], team.csm.id),
            (ids["health_red"], team.manager.id),  # critical: the manager is told too
        ]
    )
    assert all("Health turned red" in r.subject for r in rows if r.alert_id == ids["health_red"])
    raise_alerts(db, rules(), 1, DAY + timedelta(days=1), found, True)
    assert len(db.execute(select(OutboxMessage.id)).all()) == 3
    db.rollback()  # the alerts and their messages go together
    assert db.execute(select(OutboxMessage.id)).all() == [] and alerts(db) == []


def test_an_alert_that_would_reach_no_one_makes_no_notice(team: Team, told: list[Notice]) -> None:
    db, a, b = team.db, team.a.id, team.b.id
    silent = rules(info_only={"notify": {"owner": False, "manager_from": None}})
    raise_alerts(db, silent, 1, DAY, findings(("info_only", a, 1), ("health_red", b, 4)), True)
    ids = {x.rule_key: x.id for x in alerts(db)}
    assert set(ids) == {"info_only", "health_red"}  # both raised; only one tells anyone
    assert [n.key for n in told] == [f"alert:{ids['health_red']}"]


def test_with_no_active_user_only_the_channels_named_hear_of_new_alerts(
    team: Team, told: list[Notice]
) -> None:
    db, a, b = team.db, team.a.id, team.b.id
    for person in (team.admin, team.manager, team.csm):
        person.active = False
    db.flush()
    raise_alerts(db, rules(), 1, DAY, findings(("usage_drop", a, 21), ("health_red", b, 4)), True)
    ids = {x.rule_key: x.id for x in alerts(db)}
    [notice] = told  # usage_drop names the channel cs-team; health_red tells people only
    assert (notice.key, notice.user_ids, notice.channel_keys) == (
        f"alert:{ids['usage_drop']}",
        [],
        ["cs-team"],
    )
    assert [str(line) for line in notice.lines] == ["active users 42 → 21"]
