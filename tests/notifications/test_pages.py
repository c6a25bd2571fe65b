"""The pages: a person's notification preferences; the channels and the outbox for admins, secrets masked."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.app import create_app
from lodestar.auth.models import Role, User
from lodestar.notifications import service
from lodestar.notifications.models import OutboxMessage, Preference
from lodestar.settings import load_settings
from tests.factories import PASSWORD, make_user
from tests.notifications.conftest import notice

HOOK = "https://open.feishu.cn/open-apis/bot/v2/hook/0b8f3c2e-91d4-4a7e-b6c5-d4e3f2a1b0c9"
SECRET = "feishu-signing-secret-7q9w"


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def _signed_in(db_url: str, tmp_path: Path, user: User) -> TestClient:
    client = TestClient(
        create_app(load_settings(database_url=db_url, data_dir=tmp_path)), follow_redirects=False
    )
    token = _csrf(client.get("/login").text)
    answer = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 303
    return client


def test_a_person_sets_their_preferences_on_the_page(db: Session, db_url: str, tmp_path: Path) -> None:
    user = make_user(db, Role.CSM, locale="zh_CN")
    db.commit()
    page = _signed_in(db_url, tmp_path, user)
    form = page.get("/me/notifications").text
    assert "免打扰开始" in form and 'name="mode.email"' in form
    data = {"csrf_token": _csrf(form), "mode.email": "digest", "min_severity.email": "critical",
            "quiet_from.email": "22:00", "quiet_to.email": "07:00"}  # fmt: skip
    saved = page.post("/me/notifications", data=data)
    assert saved.status_code == 200 and "已保存你的选择" in saved.text
    [row] = db.scalars(select(Preference)).all()
    assert (row.mode, row.min_severity, str(row.quiet_from), str(row.quiet_to)) == (
        "digest",
        "critical",
        "22:00:00",
        "07:00:00",
    )
    half = page.post("/me/notifications", data={**data, "quiet_to.email": ""})
    assert half.status_code == 422 and 'data-field-error="quiet_to.email"' in half.text
    assert "免打扰时段需要同时填写开始和结束时间" in half.text


def test_an_admin_adds_tests_and_pauses_a_channel_without_seeing_its_secret_again(
    db: Session, db_url: str, tmp_path: Path
) -> None:
    admin = make_user(db, Role.ADMIN)
    db.commit()
    page = _signed_in(db_url, tmp_path, admin)
    form = page.get("/settings/channels").text
    fields = {"csrf_token": _csrf(form), "key": "cs-feishu", "name": "CS 飞书群", "kind": "feishu",
              "locale": "zh_CN", "url": HOOK, "secret": SECRET, "min_severity": "warning",
              "rate_per_minute": ""}  # fmt: skip
    assert page.post("/settings/channels", data=fields).status_code == 303
    listed = page.get("/settings/channels").text
    assert "https://open.feishu.cn/open-apis/…(masked)…" in listed and "••••7q9w" in listed
    [channel] = service.list_channels(db)
    edit = page.get(f"/settings/channels/{channel.id}").text
    for html in (listed, edit):
        assert "0b8f3c2e" not in html and SECRET[:12] not in html
    changed = {"csrf_token": _csrf(edit), "name": "CS 飞书群 2", "locale": "en", "min_severity": "critical",
               "secret": "a-new-secret-0042", "rate_per_minute": "5", "enabled": "on"}  # fmt: skip
    assert page.post(f"/settings/channels/{channel.id}", data=changed).status_code == 303
    db.refresh(channel)
    assert (channel.name, channel.locale, channel.min_severity, channel.rate_per_minute) == (
        "CS 飞书群 2",
        "en",
        "critical",
        5,
    )
    assert "••••0042" in page.get("/settings/channels").text
    bad = page.post("/settings/channels", data={**fields, "key": "other", "url": "not a url"})
    assert bad.status_code == 422 and 'data-field-error="url"' in bad.text and "not a url" not in bad.text
    taken = page.post("/settings/channels", data=fields)
    assert taken.status_code == 409 and SECRET not in taken.text
    assert (
        page.post(f"/settings/channels/{channel.id}/toggle", data={"csrf_token": _csrf(listed)}).status_code
        == 303
    )
    db.refresh(channel)
    assert channel.enabled is False


def test_the_outbox_page_lists_dead_messages_and_retries_them(
    db: Session, db_url: str, tmp_path: Path
) -> None:
    admin = make_user(db, Role.ADMIN)
    csm = make_user(db, Role.CSM)
    service.notify(db, [notice("a:1", user_ids=[csm.id])], load_settings(smtp_host="127.0.0.1"))
    message = db.scalars(select(OutboxMessage)).one()
    message.status, message.attempts, message.last_error = "dead", 12, "SMTPRecipientsRefused: nobody"
    db.commit()
    page = _signed_in(db_url, tmp_path, admin)
    html = page.get("/settings/outbox").text
    assert 'data-count="dead"' in html and "SMTPRecipientsRefused: nobody" in html
    answer = page.post(f"/settings/outbox/{message.id}/retry", data={"csrf_token": _csrf(html)})
    assert answer.status_code == 303
    db.refresh(message)
    assert (message.status, message.attempts) == ("pending", 0)
    assert _signed_in(db_url, tmp_path, csm).get("/settings/outbox").status_code == 403
