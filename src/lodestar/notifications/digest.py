"""The daily digest's notices: per person, the alerts handed in that name them and their due SOP tasks, and
on the first day of a month a manager's or admin's summary of last month's renewals.

The pipeline gathers them (alerts from the alerts domain, tasks from sop's digest rows, the summaries from
the renewal analysis report) and hands them
here, so no lower package reaches up; `notify` then sends each digest by the person's preferences.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from lodestar.auth import service as auth_service
from lodestar.kit.money import format_money
from lodestar.kit.text import Text
from lodestar.notifications.channels.message_formats import SEVERITY_LABELS, severity_rank
from lodestar.notifications.schemas import DigestTask, Notice, RenewalSummary

MOST_LINES = 40  # per kind (alerts, tasks): a digest stays a summary


def _task_line(task: DigestTask, locale: str) -> Text:
    title = task.title_zh if locale == "zh_CN" and task.title_zh else task.title
    values = {"title": title, "account": task.account, "due": task.due_on.isoformat()}
    if task.section == "overdue":
        return Text("Overdue: %(title)s — %(account)s, due %(due)s", **values)
    if task.section == "today":
        return Text("Due today: %(title)s — %(account)s", **values)
    return Text("Coming up: %(title)s — %(account)s, due %(due)s", **values)


def _alert_line(alert: Notice) -> Text:
    return Text(
        "%(severity)s: %(title)s",
        severity=Text(SEVERITY_LABELS.get(alert.severity, "Info")),
        title=alert.title,
    )


def _capped(lines: list[Text]) -> list[Text]:
    if len(lines) <= MOST_LINES:
        return lines
    return [*lines[:MOST_LINES], Text("… and %(n)s more", n=len(lines) - MOST_LINES)]


def _percent(rate: Decimal | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def renewal_lines(summary: RenewalSummary) -> list[Text]:
    """Last month's renewals in a few lines: ARR up for renewal, renewed, lost, the rate, the top churn
    reasons with their lost ARR, and the report's address."""
    money = lambda amount: format_money(amount, summary.currency)  # noqa: E731
    lines = [
        Text(
            "Renewals in %(period)s: %(due)s up for renewal, %(renewed)s renewed, %(lost)s lost, "
            "renewal rate %(rate)s",
            period=summary.period, due=money(summary.due), renewed=money(summary.renewed),
            lost=money(summary.lost), rate=_percent(summary.renewal_rate),
        )
    ]  # fmt: skip
    lines += [
        Text("Churn reason %(reason)s: %(lost)s lost", reason=reason, lost=money(lost))
        for reason, lost in summary.top_reasons
    ]
    lines.append(Text("Renewal analysis report: %(url)s", url=summary.report_url))
    return lines


def digest_notices(
    session: Session,
    today: date,
    alerts: Sequence[Notice],
    tasks: Sequence[DigestTask],
    renewals: Sequence[RenewalSummary] = (),
) -> list[Notice]:
    """One digest notice per active person with alerts, due tasks or a renewal summary (the first day of a
    month, for managers and admins; key digest:<date>:u<id>, so a second run of the day writes nothing
    new)."""
    people = {u.id: u for u in auth_service.list_users(session) if u.active}
    alerts_of: dict[int, list[Notice]] = {}
    for alert in alerts:
        if alert.digest:
            continue
        for user_id in dict.fromkeys(alert.user_ids):
            alerts_of.setdefault(user_id, []).append(alert)
    tasks_of: dict[int, list[DigestTask]] = {}
    for task in tasks:
        tasks_of.setdefault(task.user_id, []).append(task)
    summary_of = {s.user_id: s for s in renewals}
    out = []
    for user_id in sorted((alerts_of.keys() | tasks_of.keys() | summary_of.keys()) & people.keys()):
        mine, todo = alerts_of.get(user_id, []), tasks_of.get(user_id, [])
        counts = {s: sum(t.section == s for t in todo) for s in ("overdue", "today", "upcoming")}
        title = Text(
            "Your day: new alerts %(alerts)s, overdue tasks %(overdue)s, due today %(today)s, "
            "coming up %(upcoming)s",
            alerts=len(mine),
            **counts,
        )
        ranked = sorted(mine, key=lambda a: -severity_rank(a.severity))
        summary = summary_of.get(user_id)
        lines = renewal_lines(summary) if summary else []
        lines += _capped([_alert_line(a) for a in ranked]) + _capped(
            [_task_line(t, people[user_id].locale) for t in sorted(todo, key=lambda t: (t.due_on, t.task_id))]
        )
        worst = ranked[0].severity if ranked else "info"
        key = f"digest:{today.isoformat()}:u{user_id}"
        out.append(Notice(key, worst, title, lines, "/cockpit", user_ids=[user_id], digest=True))
    return out
