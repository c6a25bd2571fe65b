"""The notifications JSON API: channels and the outbox for admins only, secrets never shown back in full,
each person's own preferences, bad input named by field."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from lodestar.cli import app
from lodestar.db.engine import session_factory
from lodestar.notifications import service
from lodestar.notifications.models import Channel, OutboxMessage
from lodestar.settings import load_settings
from tests.api_fixtures import Team
from tests.notifications.conftest import notice
from tests.notifications.receivers import receiving

URL = "https://oapi.dingtalk.com/robot/send?access_token=6d1f0e9c3b2a41d8a7f5e4c3b2a1908f7e6d5c4b"
SECRET = "SEC4f3e2d1c0b9a8f7e6d5c4b3a291807f6e5d4c3b2a1f0e9d8c7b6a5f4e3d1a2b"


def _add(client: TestClient, team: Team, **kw: object) -> dict[str, object]:
    body = {"key": "cs-ding", "name": "CS 钉钉群", "kind": "dingtalk", "url": URL, "secret": SECRET, **kw}
    answer = client.post("/api/v1/notifications/channels", json=body, headers=team.admin.headers)
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


def test_a_channel_is_stored_encrypted_and_shown_masked_everywhere(
    client: TestClient, team: Team, engine: Engine, tmp_path: Path
) -> None:
    created = _add(client, team)
    assert created["url"] == "https://oapi.dingtalk.com/robot/…(masked)…"
    assert created["secret"] == "••••" + SECRET[-4:]
    assert created["rate_per_minute"] == 20  # DingTalk's documented limit
    listed = client.get("/api/v1/notifications/channels", headers=team.admin.headers)
    one = client.get(f"/api/v1/notifications/channels/{created['id']}", headers=team.admin.headers)
    with session_factory(engine)() as s:
        stored = s.scalar(select(Channel))
        assert stored is not None and stored.url_encrypted and stored.secret_encrypted
        raw = (stored.url_encrypted, stored.secret_encrypted)
    cli = CliRunner().invoke(
        app,
        ["notify", "channels", "list", "--json"],
        env={
            "LODESTAR_DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "LODESTAR_DATA_DIR": str(tmp_path),
        },
    )
    for text in (listed.text, one.text, cli.output, *raw):
        assert "6d1f0e9c3b2a41d8" not in text and SECRET[3:20] not in text
    assert cli.exit_code == 0 and '"url": "https://oapi.dingtalk.com/robot/…(masked)…"' in cli.output


def test_only_admins_reach_channels_and_the_outbox(client: TestClient, team: Team) -> None:
    created = _add(client, team)
    paths = [
        ("GET", "/api/v1/notifications/channels"),
        ("GET", f"/api/v1/notifications/channels/{created['id']}"),
        ("POST", f"/api/v1/notifications/channels/{created['id']}/test"),
        ("GET", "/api/v1/notifications/outbox"),
        ("POST", "/api/v1/notifications/outbox/retry-dead"),
    ]
    for member in (team.manager, team.csm, team.viewer):
        assert [client.request(m, p, headers=member.headers).status_code for m, p in paths] == [403] * 5


def test_bad_channels_are_refused_naming_the_field(client: TestClient, team: Team) -> None:
    cases = [
        ({"url": "ftp://example.com/hook"}, "url"),
        ({"kind": "slack", "url": "https://hooks.slack.com/services/T/B/x", "secret": "abc"}, "secret"),
        ({"key": "Not A Key"}, "key"),
        ({"key": "email"}, "key"),
        ({"url_env": "lower-case"}, "url_env"),
        ({"url": None, "url_env": None}, "url"),
        ({"rate_per_minute": True}, "rate_per_minute"),
    ]
    for change, field in cases:
        body = {"key": "cs-ding", "name": "x", "kind": "dingtalk", "url": URL, **change}
        answer = client.post("/api/v1/notifications/channels", json=body, headers=team.admin.headers)
        assert (answer.status_code, answer.json()["problems"][0]["field"]) == (422, field), change
    _add(client, team)
    again = client.post(
        "/api/v1/notifications/channels",
        json={"key": "cs-ding", "name": "x", "kind": "wecom", "url": URL},
        headers=team.admin.headers,
    )
    assert again.status_code == 409 and "cs-ding" in again.json()["message"]


def test_a_channel_can_be_changed_paused_and_tested(client: TestClient, team: Team) -> None:
    with receiving("feishu", "feishu-secret-for-tests") as rx:
        created = _add(
            client, team, key="feishu", kind="feishu", url=rx.url, secret="feishu-secret-for-tests"
        )
        path = f"/api/v1/notifications/channels/{created['id']}"
        ok = client.post(f"{path}/test", headers=team.admin.headers).json()
        changed = client.patch(
            path, json={"secret": "another-secret-0000", "enabled": False}, headers=team.admin.headers
        )
        failed = client.post(f"{path}/test", headers=team.admin.headers).json()
    assert ok == {"delivered": True, "error": None}
    assert changed.json()["secret"] == "••••0000" and changed.json()["enabled"] is False
    assert failed["delivered"] is False and "19021" in failed["error"]  # the receiver refused the signature
    [message] = rx.accepted
    assert message["body"]["card"]["header"]["title"]["content"] == "[提示] 来自 Lodestar 的测试消息"


def test_each_person_reads_and_sets_only_their_own_preferences(client: TestClient, team: Team) -> None:
    _add(client, team)
    mine = client.get("/api/v1/notifications/preferences", headers=team.csm.headers).json()
    assert [(p["channel"], p["mode"], p["min_severity"], p["chosen"]) for p in mine] == [
        ("email", "immediate", "warning", False),
        ("cs-ding", "off", "warning", False),
    ]
    body = [
        {
            "channel": "cs-ding",
            "mode": "digest",
            "min_severity": "critical",
            "quiet_from": "22:00",
            "quiet_to": "07:30",
        }
    ]
    saved = client.put("/api/v1/notifications/preferences", json=body, headers=team.csm.headers).json()
    assert saved[1] == {
        **saved[1],
        "mode": "digest",
        "quiet_from": "22:00:00",
        "quiet_to": "07:30:00",
        "chosen": True,
    }
    theirs = client.get("/api/v1/notifications/preferences", headers=team.other_csm.headers).json()
    assert theirs[1]["mode"] == "off"


def test_bad_preferences_are_refused_naming_the_item_and_field(client: TestClient, team: Team) -> None:
    cases = [
        ([{"channel": "nowhere"}], "0.channel"),
        ([{"channel": "email", "quiet_from": "22:00"}], "0.quiet_to"),
        ([{"channel": "email", "mode": "sometimes"}], "0.mode"),
        ([{"channel": "email", "quiet_from": "25:00", "quiet_to": "07:00"}], "0.quiet_from"),
    ]
    for body, field in cases:
        answer = client.put("/api/v1/notifications/preferences", json=body, headers=team.csm.headers)
        assert (answer.status_code, answer.json()["problems"][0]["field"]) == (422, field), body


def test_the_outbox_counts_and_dead_messages_are_retried_by_admins(
    client: TestClient, team: Team, db: Session
) -> None:
    _add(client, team)
    service.notify(
        db,
        [notice("a:1", channel_keys=["cs-ding"]), notice("a:2", channel_keys=["cs-ding"])],
        load_settings(),
    )
    first = db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).first()
    assert first is not None
    first.status, first.last_error, first.attempts = "dead", "HTTP 500: boom", 12
    db.commit()
    seen = client.get("/api/v1/notifications/outbox?status=dead", headers=team.admin.headers).json()
    assert seen["counts"] == {"pending": 1, "sent": 0, "dead": 1}
    assert [(m["id"], m["last_error"]) for m in seen["items"]] == [(first.id, "HTTP 500: boom")]
    url = "/api/v1/notifications/outbox"
    assert client.post(f"{url}/{first.id}/retry", headers=team.admin.headers).json() == {"requeued": 1}
    assert client.post(f"{url}/{first.id}/retry", headers=team.admin.headers).status_code == 409
    assert client.post(f"{url}/999999/retry", headers=team.admin.headers).status_code == 404
    assert client.get(url, headers=team.admin.headers).json()["counts"] == {
        "pending": 2,
        "sent": 0,
        "dead": 0,
    }
