"""The ingestion status page and the write-key settings page, through the real app and a signed-in session."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from lodestar.app import create_app
from lodestar.auth import service as auth_service
from lodestar.auth.models import Role, User
from lodestar.events import service
from lodestar.events.ingest import quarantine
from lodestar.events.models import UnmatchedGroup
from lodestar.settings import load_settings
from tests.factories import PASSWORD, make_user


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2id with the lightest parameters."""
    monkeypatch.setattr(auth_service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def _signed_in(db_url: str, tmp_path: Path, user: User) -> TestClient:
    """A client of the app (no ingestion lifespan needed) with a signed-in session."""
    app = create_app(load_settings(database_url=db_url, data_dir=tmp_path))
    client = TestClient(app, follow_redirects=False)
    token = _csrf(client.get("/login").text)
    answer = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 303
    return client


def _user(db: Session, role: Role) -> User:
    user = make_user(db, role)
    db.commit()
    return user


def _quarantine_two(data_dir: Path, now: datetime) -> None:
    entries = [
        {"at": now.isoformat(), "source": "web-app", "reason": reason, "message": {}}
        for reason in ("timestamp: out of range", "name: must be a string")
    ]
    quarantine.write_range(quarantine.dead_letter_dir(data_dir), 0, 90, entries)


def test_ingestion_status_shows_hourly_counts_last_events_rejections_and_unmatched_groups(
    db: Session, db_url: str, tmp_path: Path
) -> None:
    now = service.utcnow()
    hour = now.replace(minute=0, second=0, microsecond=0)
    service.add_counts(
        db,
        {
            ("web-app", "track", hour): service.Tally(accepted=1200, stored=1200, newest=hour),
            ("web-app", "track", hour - timedelta(hours=3)): service.Tally(accepted=34, stored=34),
            ("mobile", "screen", hour - timedelta(hours=60)): service.Tally(
                accepted=5, stored=5, newest=hour
            ),
        },
    )
    service.add_rejections(
        db,
        [
            {
                "at": now - timedelta(minutes=5),
                "source": "web-app",
                "status": 400,
                "code": "invalid_message",
                "reason": "batch[0].event: is required for track messages",
                "sample": None,
            },
            {
                "at": now,
                "source": "mobile",
                "status": 413,
                "code": "too_large",
                "reason": "message: a message is over 32 KB",
                "sample": None,
            },
        ],
    )
    db.add(
        UnmatchedGroup(
            group_id="acme-42", source="web-app", name="Acme", first_seen=now, last_seen=now, messages=17
        )
    )
    _quarantine_two(tmp_path, now)
    manager = _user(db, Role.MANAGER)
    page = _signed_in(db_url, tmp_path, manager).get("/ingestion-status")
    assert page.status_code == 200
    html = page.text
    assert "/static/vendor/echarts/echarts.min.js" in html
    assert '"name":"web-app"' in html.replace(" ", "")  # the chart series, last 48 hours only
    assert '"name":"mobile"' not in html.replace(" ", "")
    sources = html.split('data-testid="sources"')[1].split("</table>")[0]
    assert re.search(r"<td>web-app</td>\s*<td class=\"text-end\">1,234</td>", sources)
    shanghai = hour.astimezone(ZoneInfo("Asia/Shanghai"))  # the company's zone (the default), stated
    assert shanghai.strftime("%Y-%m-%d %H:%M UTC+8") in sources
    rejections = html.split('data-testid="rejections"')[1].split("</table>")[0]
    assert rejections.index("32 KB") < rejections.index("batch[0].event: is required")  # newest first
    unmatched = html.split('data-testid="unmatched"')[1].split("</table>")[0]
    assert "acme-42" in unmatched and ">17<" in unmatched
    quarantined = html.split('data-testid="quarantined"')[1].split("</table>")[0]
    assert re.search(r'data-testid="quarantined-count">2<', quarantined)
    assert "name: must be a string" in quarantined


def test_ingestion_status_is_refused_to_csms_and_shown_in_chinese(
    db: Session, db_url: str, tmp_path: Path
) -> None:
    csm = _user(db, Role.CSM)
    assert _signed_in(db_url, tmp_path, csm).get("/ingestion-status").status_code == 403
    admin = _user(db, Role.ADMIN)
    client = _signed_in(db_url, tmp_path, admin)
    client.post(
        "/language", data={"locale": "zh_CN", "csrf_token": _csrf(client.get("/ingestion-status").text)}
    )
    html = client.get("/ingestion-status").text
    assert "数据接入状态" in html and "数据健康" not in html and "未匹配的 groupId" in html


def test_an_admin_creates_rotates_and_revokes_write_keys_from_the_settings_page(
    db: Session, db_url: str, tmp_path: Path
) -> None:
    admin = _user(db, Role.ADMIN)
    client = _signed_in(db_url, tmp_path, admin)
    token = _csrf(client.get("/settings/write-keys").text)
    created = client.post("/settings/write-keys", data={"name": "web-app", "csrf_token": token})
    assert created.status_code == 201
    secret = re.search(r"(lsk_[\w-]+)</code>", created.text)
    assert secret is not None
    db.expire_all()
    key = service.active_key(db, secret.group(1))
    assert key is not None and key.name == "web-app"
    listing = client.get("/settings/write-keys").text
    assert secret.group(1) not in listing and f"{secret.group(1)[:8]}…" in listing  # shown only once
    rotated = client.post(f"/settings/write-keys/{key.id}/rotate", data={"csrf_token": token})
    new_secret = re.search(r"(lsk_[\w-]+)</code>", rotated.text)
    assert new_secret is not None and new_secret.group(1) != secret.group(1)
    db.expire_all()
    assert service.active_key(db, secret.group(1)) is None
    revoked = client.post(f"/settings/write-keys/{key.id}/revoke", data={"csrf_token": token})
    assert (revoked.status_code, revoked.headers["location"]) == (303, "/settings/write-keys")
    db.expire_all()
    assert service.active_key(db, new_secret.group(1)) is None
    assert "Revoked" in client.get("/settings/write-keys").text


def test_write_key_forms_name_the_bad_field_and_need_the_csrf_token(
    db: Session, db_url: str, tmp_path: Path
) -> None:
    admin = _user(db, Role.ADMIN)
    client = _signed_in(db_url, tmp_path, admin)
    token = _csrf(client.get("/settings/write-keys").text)
    empty = client.post("/settings/write-keys", data={"name": "  ", "csrf_token": token})
    assert empty.status_code == 422 and 'data-field-error="name"' in empty.text
    client.post("/settings/write-keys", data={"name": "web-app", "csrf_token": token})
    again = client.post("/settings/write-keys", data={"name": "web-app", "csrf_token": token})
    assert again.status_code == 409 and "already exists" in again.text
    forged = client.post("/settings/write-keys", data={"name": "evil"})
    assert forged.status_code == 403
    db.expire_all()
    assert [k.name for k in service.list_keys(db)] == ["web-app"]


def test_write_keys_page_is_for_admins_only(db: Session, db_url: str, tmp_path: Path) -> None:
    manager = _user(db, Role.MANAGER)
    assert _signed_in(db_url, tmp_path, manager).get("/settings/write-keys").status_code == 403


def test_the_old_data_health_address_redirects_permanently(db: Session, db_url: str, tmp_path: Path) -> None:
    client = _signed_in(db_url, tmp_path, _user(db, Role.ADMIN))
    moved = client.get("/data-health")
    assert (moved.status_code, moved.headers["location"]) == (301, "/ingestion-status")
    html = client.get("/ingestion-status").text
    assert "<title>Ingestion status" in html or "Ingestion status</h2>" in html
    assert 'href="/ingestion-status"' in html and "Data health" not in html


def test_ingestion_status_counts_imported_events_as_stored(db: Session, db_url: str, tmp_path: Path) -> None:
    from datetime import date

    from lodestar.imports import service as imports_service

    rows = "\n".join(f"2024-05-{1 + i % 30:02d} 08:00,g-{i % 3},export" for i in range(2_345))
    spec = imports_service.load_spec("fields: {timestamp: when, group_id: g, event: e}", "events")
    imports_service.run_import(
        db, "events", f"when,g,e\n{rows}\n".encode(), "usage.csv", spec,
        events_dir=tmp_path / "events", today=date(2025, 1, 1), batch_rows=1_000,
    )  # fmt: skip
    db.commit()
    client = _signed_in(db_url, tmp_path, _user(db, Role.ADMIN))
    page = client.get("/ingestion-status")
    assert page.status_code == 200
    table = page.text.split('data-testid="sources"', 1)[1].split("</table>", 1)[0]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", table.split("<td>import</td>", 1)[1].split("</tr>", 1)[0])
    assert [c.strip() for c in cells] == ["0", "0", "0", "2,345", "2024-05-30 16:00 UTC+8"]
