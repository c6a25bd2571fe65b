"""The daily e-mail digest: each person's overdue tasks, tasks due today and the next 7 days."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.auth import service as auth_service
from lodestar.db.engine import unit_of_work
from lodestar.settings import Settings
from lodestar.sop.tasks import repository

UPCOMING_DAYS = 7
_HEADINGS = {
    "en": {"overdue": "Overdue", "today": "Due today", "upcoming": "Next 7 days"},
    "zh_CN": {"overdue": "已逾期", "today": "今日到期", "upcoming": "未来 7 天"},
}
_SUBJECT = {
    "en": "Lodestar: {overdue} overdue, {today} due today, {upcoming} upcoming",
    "zh_CN": "Lodestar 待办：逾期 {overdue}，今日 {today}，未来 7 天 {upcoming}",
}


@dataclass
class Digest:
    """One person's digest."""

    user_id: int
    email: str
    name: str
    locale: str
    sections: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {"overdue": [], "today": [], "upcoming": []}
    )

    @property
    def counts(self) -> dict[str, int]:
        """How many tasks each section holds."""
        return {k: len(v) for k, v in self.sections.items()}

    def subject(self) -> str:
        """The e-mail subject with the counts."""
        return _SUBJECT.get(self.locale, _SUBJECT["en"]).format(**self.counts)

    def body(self, base_url: str) -> str:
        """The plain-text body: one line per task, grouped by section, with a link to each."""
        zh = self.locale == "zh_CN"
        headings = _HEADINGS["zh_CN" if zh else "en"]
        lines = [f"{self.name}:", ""]
        inbox = f"{base_url.rstrip('/')}/tasks"
        for key, tasks in self.sections.items():
            if not tasks:
                continue
            lines.append(f"{headings[key]} ({len(tasks)})")
            for t in tasks:
                title = (t["title_zh"] if zh and t["title_zh"] else t["title"]) or ""
                lines.append(f"  - {t['due_on']}  {t['account']}: {title}  (#{t['id']})")
            lines.append("")
        lines.append(("打开待办：" if zh else "Open your inbox: ") + inbox)
        return "\n".join(lines)


def build_digests(session: Session, today: date) -> list[Digest]:
    """A digest for every active person with open tasks overdue, due today or due within 7 days."""
    people = {u.id: u for u in auth_service.list_users(session) if u.active}
    rows = repository.open_tasks_for_digest(session, today + timedelta(days=UPCOMING_DAYS))
    names = accounts_service.account_names(session, {r[5] for r in rows})
    out: dict[int, Digest] = {}
    for assignee, task_id, title, title_zh, due_on, account_id in rows:
        person = people.get(assignee)
        if person is None or account_id not in names:
            continue
        digest = out.setdefault(assignee, Digest(person.id, person.email, person.name, person.locale))
        key = "overdue" if due_on < today else "today" if due_on == today else "upcoming"
        digest.sections[key].append(
            {
                "id": task_id,
                "title": title,
                "title_zh": title_zh,
                "due_on": due_on,
                "account": names[account_id],
            }
        )
    return [out[k] for k in sorted(out)]


def message(digest: Digest, settings: Settings) -> EmailMessage:
    """The e-mail of one digest."""
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = digest.email
    msg["Subject"] = digest.subject()
    msg.set_content(digest.body(settings.base_url))
    return msg


def send_digests(digests: list[Digest], settings: Settings) -> int:
    """Sends each digest over one SMTP connection; how many were sent."""
    if not digests:
        return 0
    if not settings.smtp_host:
        raise RuntimeError("LODESTAR_SMTP_HOST is not set; no e-mail can be sent")
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        for digest in digests:
            smtp.send_message(message(digest, settings))
    return len(digests)


def run_digest(
    engine: Engine, settings: Settings, today: date, dry_run: bool = False
) -> tuple[list[Digest], int]:
    """Builds today's digests and sends them (unless dry_run); the digests and how many were sent."""
    with unit_of_work(engine) as session:
        digests = build_digests(session, today)
    return digests, 0 if dry_run else send_digests(digests, settings)
