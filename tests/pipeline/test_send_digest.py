"""The daily digest through the outbox: each person's due SOP tasks merged with the alerts handed in,
delivered over SMTP (aiosmtpd on loopback) by the notification worker, once a day."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from lodestar.kit.text import Text
from lodestar.notifications.schemas import Notice
from lodestar.notifications.worker import Worker
from lodestar.pipeline.daily import send_digest
from lodestar.settings import load_settings
from lodestar.sop.tasks import service
from tests.alerts.inbox_data import make_alert
from tests.notifications.receivers import smtp_server
from tests.sop.conftest import DAY, Crew, crew, entry, quick_password_hashes

__all__ = ["crew", "quick_password_hashes"]


def test_each_person_gets_one_digest_of_their_alerts_and_due_tasks(
    db: Session, crew: Crew, engine: Engine, db_url: str, tmp_path: Path
) -> None:
    service.fire_stage_entries(db, [entry(crew.mine, "onboarding")], lifecycle_first_stage="handover")
    service.fire_stage_entries(db, [entry(crew.theirs, "renewal", frm="maturity")], lifecycle_first_stage="h")
    crew.outsider.locale = "zh_CN"
    db.commit()
    alert = Notice(
        key="alert:1",
        severity="critical",
        title=Text("Health of %(account)s fell to %(grade)s", account="Mine Ltd", grade="red"),
        lines=[],
        link="/accounts/1",
        user_ids=[crew.csm.id, crew.manager.id],
    )
    with smtp_server() as (inbox, port):
        settings = load_settings(
            database_url=db_url,
            data_dir=tmp_path,
            smtp_host="127.0.0.1",
            smtp_port=port,
            base_url="http://cs.example.com",
        )
        today = DAY + timedelta(days=5)
        assert send_digest(engine, settings, today, [alert]) == 3
        assert send_digest(engine, settings, today, [alert]) == 0  # once a day
        worker = Worker(engine, settings)
        assert worker.run_once().sent == 3
        worker.close()
    mail = {m["To"]: m for m in inbox.messages}
    mine = mail[crew.csm.email]
    subject = "[Critical] Your day: new alerts 1, overdue tasks 1, due today 2, coming up 2"
    assert mine["Subject"].strip() == subject
    body = mine.get_content()
    assert "  - Critical: Health of Mine Ltd fell to red" in body
    assert body.count("Overdue: ") == 1 and body.count("Due today: ") == 2 and body.count("Coming up: ") == 2
    assert "http://cs.example.com/cockpit" in body
    assert mail[crew.manager.email]["Subject"].endswith(
        "new alerts 1, overdue tasks 0, due today 0, coming up 0"
    )
    assert "续费评估" in mail[crew.outsider.email].get_content()


def test_the_digest_gathers_the_live_alerts_raised_today_by_itself(
    db: Session, crew: Crew, engine: Engine, db_url: str, tmp_path: Path
) -> None:
    today = DAY + timedelta(days=5)
    make_alert(db, crew.mine, "health_red", raised_on=today)
    make_alert(db, crew.mine, "usage_drop", severity="warning", raised_on=today - timedelta(days=1))
    make_alert(db, crew.mine, "no_activity", severity="warning", raised_on=today, state="resolved")
    db.commit()
    with smtp_server() as (inbox, port):
        settings = load_settings(
            database_url=db_url, data_dir=tmp_path, smtp_host="127.0.0.1", smtp_port=port
        )
        assert send_digest(engine, settings, today) == 2  # the owner and, for a critical alert, the manager
        worker = Worker(engine, settings)
        assert worker.run_once().sent == 2
        worker.close()
    mail = {m["To"]: m for m in inbox.messages}
    body = mail[crew.csm.email].get_content()
    assert "  - Critical: Health turned red" in body
    assert "Active users fell" not in body and "No activity" not in body  # yesterday's, and a resolved one
    assert mail[crew.manager.email]["Subject"].strip().startswith("[Critical] Your day: new alerts 1")
