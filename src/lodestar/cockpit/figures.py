"""What the cockpit shows, gathered from the domains' set-based service functions (no per-account queries).

One viewer and one set of owners (their own accounts, their team's, or the company's): summary figures,
tasks due today and overdue work that still matters, the week's health movers, renewals in the window
with ARR per currency, at-risk accounts with no touch inside their tier's check-in cadence, and per CSM the
same figures in a line, and the alerts that need attention. A slot for what a later issue brings: renewal
forecasts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from lodestar.accounts import config_kind as tiers_kind
from lodestar.accounts import service as accounts_service
from lodestar.accounts.intent_stars import star_counts
from lodestar.alerts import service as alerts_service
from lodestar.alerts.inbox_schemas import AlertCounts
from lodestar.auth import service as auth_service
from lodestar.auth.models import Role, User
from lodestar.contracts import service as contracts_service
from lodestar.engagement import service as engagement_service
from lodestar.lifecycle import config_kind as lifecycle_kind
from lodestar.portfolio.summary import Summary, summarise
from lodestar.renewals import config_kind as renewals_config
from lodestar.renewals.records import service as renewal_records
from lodestar.sop import service as sop_service

LIST_ROWS = 15  # rows per list; each list says how many there are in all


@dataclass
class Untouched:
    """An at-risk account whose last touch is older than its tier's check-in cadence (or never)."""

    account: Any  # a light account row (id, name, owner_id, tier, arr, currency, health_*, stage, ...)
    last_touch: date | None
    days_since: int | None
    cadence_days: int


@dataclass
class PersonLine:
    """One account owner's figures in the team or company view."""

    owner_id: int | None
    name: str
    summary: Summary
    due_today: int = 0
    overdue: int = 0
    at_risk: int = 0
    untouched: int = 0


@dataclass
class Cockpit:
    """Everything the cockpit page shows for one viewer and one set of owners."""

    view: str  # "mine", "team", "company" or "person" (a leader looking at one owner)
    today: date
    window_days: int
    summary: Summary
    at_risk_count: int
    renewal_totals: list[tuple[str, int, Decimal]]
    renewals: list[Any]
    work: sop_service.DueWork
    movers: list[Any]
    untouched: list[Untouched]
    untouched_count: int
    people: list[PersonLine] = field(default_factory=list)
    account_names: dict[int, str] = field(default_factory=dict)
    owner_names: dict[int, str] = field(default_factory=dict)
    # The alerts that need attention (open or acknowledged) by severity, with the newest few.
    open_alerts: AlertCounts | None = None
    # The open renewals by forecast category (renewal records); None hides the card.
    renewal_forecasts: Any = None
    intent_counts: dict[int, int] = field(default_factory=dict)  # live accounts per purchase-intent star


def _view(viewer: User, person: int | None) -> str:
    if person is not None:
        return "person"
    return {Role.CSM: "mine", Role.MANAGER: "team"}.get(Role(viewer.role), "company")


def _untouched(session: Session, risky: list[Any], today: date, zone: ZoneInfo) -> list[Untouched]:
    """The at-risk accounts with a check-in cadence whose latest touch is older than it, biggest ARR first."""
    rules, _ = tiers_kind.current(session)
    cadence = {t.key: t.cadence.check_in_every_days for t in rules.tiers if t.cadence.check_in_every_days}
    due = [a for a in risky if a.tier in cadence]
    last = engagement_service.last_touches(session, [a.id for a in due])
    out = []
    for account in due:
        at = last.get(account.id)
        day = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(zone).date() if at else None
        since = (today - day).days if day else None
        if since is None or since > cadence[account.tier]:
            out.append(Untouched(account, day, since, cadence[account.tier]))
    worth = _in_company_currency(session, today)
    out.sort(key=lambda u: (-worth(u.account), -(u.days_since or 10**6), u.account.id))
    return out


def _in_company_currency(session: Session, on: date) -> Callable[[Any], Decimal]:
    """An account's ARR in the company currency at the rates in force that day, so a USD account and a CNY
    one sort by what they are worth; a currency the renewals configuration has no rate for counts 1:1."""
    rates = renewals_config.exchange_rates(session).in_force(on)
    return lambda account: Decimal(account.arr or 0) * rates.get(account.currency, Decimal(1))


def _renewals(
    session: Session, live: Select[*tuple[Any, ...]], today: date, window_days: int
) -> tuple[list[tuple[str, int, Decimal]], list[Any]]:
    ids = select_ids(live)
    totals, first = contracts_service.renewals_due(
        session, ids, today, today + timedelta(days=window_days), LIST_ROWS
    )
    money = [(c, int(n), Decimal(str(arr or 0)).quantize(Decimal("0.01"))) for c, n, arr in totals]
    return sorted(money, key=lambda t: (-t[2], t[0])), first


def select_ids(live: Select[*tuple[Any, ...]]) -> Select[Any]:
    """Only the id column of the live-accounts statement, for IN (...) subqueries."""
    return select(live.subquery().c.id)


def _people(
    session: Session,
    groups: list[tuple[Any, ...]],
    stage_order: list[str],
    work: sop_service.DueWork,
    risky: list[Any],
    untouched: list[Untouched],
) -> list[PersonLine]:
    by_owner: dict[int | None, list[tuple[Any, ...]]] = defaultdict(list)
    for owner, *rest in groups:
        by_owner[owner].append(tuple(rest))
    names = {u.id: u.name for u in auth_service.list_users(session)}
    risk_count = defaultdict[int | None, int](int)
    for a in risky:
        risk_count[a.owner_id] += 1
    quiet = defaultdict[int | None, int](int)
    for u in untouched:
        quiet[u.account.owner_id] += 1
    lines = [
        PersonLine(
            owner,
            names.get(owner, "—") if owner is not None else "—",
            summarise(rows, stage_order),
            *work.by_owner.get(owner, (0, 0)),
            at_risk=risk_count[owner],
            untouched=quiet[owner],
        )
        for owner, rows in by_owner.items()
    ]
    return sorted(lines, key=lambda p: (-p.untouched, -p.overdue, p.name))


def build(
    session: Session,
    viewer: User,
    owner_ids: frozenset[int] | None,
    today: date,
    zone: ZoneInfo,
    window_days: int = 90,
    person: int | None = None,
) -> Cockpit:
    """The cockpit over the live accounts these owners hold (None: every account); the caller has checked
    that the viewer may see them."""
    stage_order = [key for key, _ in lifecycle_kind.stage_labels(session, chinese=False)]
    groups = accounts_service.summary_by_owner(session, owner_ids)
    summary = summarise([g[1:] for g in groups], stage_order)
    live = accounts_service.live_accounts(owner_ids)
    risky = accounts_service.at_risk_accounts(session, owner_ids, lifecycle_kind.at_risk_stages(session))
    untouched = _untouched(session, risky, today, zone)
    work = sop_service.due_work(session, live, today, LIST_ROWS)
    totals, renewals = _renewals(session, live, today, window_days)
    cockpit = Cockpit(
        view=_view(viewer, person),
        today=today,
        window_days=window_days,
        summary=summary,
        at_risk_count=len(risky),
        renewal_totals=totals,
        renewals=renewals,
        work=work,
        movers=accounts_service.health_movers(session, owner_ids, LIST_ROWS),
        untouched=untouched[:LIST_ROWS],
        untouched_count=len(untouched),
    )
    cockpit.renewal_forecasts = renewal_records.forecast_totals(session, select_ids(live))
    cockpit.intent_counts = star_counts(session, owner_ids)
    cockpit.open_alerts = alerts_service.counts(session, viewer, owner_ids if person is not None else None)
    if cockpit.view in ("team", "company"):
        cockpit.people = _people(session, groups, stage_order, work, risky, untouched)
    wanted = {r.account_id for r in [*work.today, *work.overdue, *renewals]}
    cockpit.account_names = accounts_service.account_names(session, wanted)
    cockpit.owner_names = {u.id: u.name for u in auth_service.visible_owners(session, viewer)}
    return cockpit
