"""The e-mail digest, sent to a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from lodestar.cli import app
from lodestar.settings import load_settings
from lodestar.sop.tasks import service
from lodestar.sop.tasks.digest import build_digests, run_digest
from tests.sop.conftest import DAY, Crew, entry


class Inbox:
    """Keeps every message the server receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # the aiosmtpd hook name
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """An SMTP server on a free loopback port."""
    with socket.socket() as probe:  # aiosmtpd checks its own port after starting, so it cannot be 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _work(db: Session, crew: Crew) -> None:
    service.fire_stage_entries(db, [entry(crew.mine, "onboarding")], lifecycle_first_stage="handover")
    service.fire_stage_entries(db, [entry(crew.theirs, "renewal", frm="maturity")], lifecycle_first_stage="h")
    crew.outsider.locale = "zh_CN"
    db.commit()


def test_digests_group_each_persons_tasks_by_due_day(db: Session, crew: Crew) -> None:
    _work(db, crew)
    [mine, theirs] = build_digests(db, DAY + timedelta(days=5))
    assert (mine.email, mine.counts) == (crew.csm.email, {"overdue": 1, "today": 2, "upcoming": 2})
    assert theirs.counts == {"overdue": 0, "today": 0, "upcoming": 1}  # renewal assessment, due DAY + 7
    assert mine.subject() == "Lodestar: 1 overdue, 2 due today, 2 upcoming"
    assert theirs.subject() == "Lodestar 待办：逾期 0，今日 0，未来 7 天 1"
    assert "续费评估" in theirs.body("http://cs.example.com")


def test_digests_are_sent_over_smtp(
    db: Session, crew: Crew, engine: Engine, db_url: str, tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    _work(db, crew)
    inbox, port = smtp
    settings = load_settings(database_url=db_url, data_dir=tmp_path, smtp_host="127.0.0.1", smtp_port=port,
                             smtp_from="cs@example.com", base_url="http://cs.example.com")  # fmt: skip
    digests, sent = run_digest(engine, settings, DAY + timedelta(days=5))
    assert sent == 2 and len(inbox.messages) == 2
    first = inbox.messages[0]
    assert (first["To"], first["From"]) == (crew.csm.email, "cs@example.com")
    body = first.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "Overdue (1)" in body and "Mine Ltd: Kickoff meeting" in body
    assert "http://cs.example.com/tasks" in body
    assert [d.email for d in digests] == [crew.csm.email, crew.outsider.email]


def test_the_digest_command_dry_run_sends_nothing_and_refuses_without_smtp(
    db: Session, crew: Crew, db_url: str, tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    _work(db, crew)
    inbox, port = smtp
    env = {"LODESTAR_DATABASE_URL": db_url, "LODESTAR_DATA_DIR": str(tmp_path)}
    runner = CliRunner()
    today = (DAY + timedelta(days=5)).isoformat()
    dry = runner.invoke(app, ["sop", "digest", "--dry-run", "--today", today], env=env)
    assert dry.exit_code == 0, dry.output
    assert "would send 2 digest(s)" in dry.output and inbox.messages == []
    refused = runner.invoke(app, ["sop", "digest", "--today", today], env=env)
    assert refused.exit_code == 2 and "LODESTAR_SMTP_HOST is not set" in refused.output
    env |= {"LODESTAR_SMTP_HOST": "127.0.0.1", "LODESTAR_SMTP_PORT": str(port)}
    sent = runner.invoke(app, ["sop", "digest", "--today", today, "--json"], env=env)
    assert sent.exit_code == 0, sent.output
    assert '"sent": 2' in sent.output and len(inbox.messages) == 2
