"""Alert behaviour people see and do: the inbox (scoped, filtered, set-based), acknowledge, snooze, resolve,
bulk acknowledge, the cockpit's counts and an account's alerts. Every change is in the audit log."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.alerts import backtest as alert_backtest
from lodestar.alerts import config_kind, repository
from lodestar.alerts.backtest import RuleFigures
from lodestar.alerts.inbox_schemas import (
    MAX_BULK,
    STATE_FILTERS,
    AlertCounts,
    AlertRead,
    StateFilter,
)
from lodestar.alerts.models import LIVE_STATES, Alert, AlertState
from lodestar.alerts.notices import NewAlert, build_notices
from lodestar.alerts.repository import AWAKE_STATES, AlertFilter
from lodestar.alerts.schemas import SEVERITIES, AlertRule, AlertRules, Condition
from lodestar.auth import service as auth_service
from lodestar.auth.models import User
from lodestar.kit.errors import FieldProblem, InvalidInput, NotFound, PermissionDenied
from lodestar.kit.progress import Progress, silent
from lodestar.kit.text import Text
from lodestar.kit.time import today_in, utcnow
from lodestar.notifications.schemas import Notice
from lodestar.settings import get_settings

NEWEST = 5  # alerts the cockpit lists under its counts
MAX_REASON = 2_000


def company_today() -> date:
    """Today in the company's time zone."""
    return today_in(get_settings().zone)


def rules_now(session: Session) -> AlertRules:
    """The active alert rules."""
    return config_kind.current(session)[0]


def _states(state: str) -> tuple[str, ...] | None:
    if state not in STATE_FILTERS:
        raise InvalidInput.one(
            "state",
            Text("must be one of %(choices)s, not %(value)s", choices=", ".join(STATE_FILTERS), value=state),
        )
    if state == "live":
        return LIVE_STATES
    return None if state == "all" else (state,)


def _filter(
    session: Session,
    viewer: User,
    *,
    state: str = "live",
    severity: str | None = None,
    rule: str | None = None,
    owner_id: int | None = None,
    account_id: int | None = None,
) -> AlertFilter:
    """The viewer's scope and the filters that are set, checked."""
    if severity is not None and severity not in SEVERITIES:
        raise InvalidInput.one(
            "severity",
            Text("must be one of %(choices)s, not %(value)s", choices=", ".join(SEVERITIES), value=severity),
        )
    scope = auth_service.scope_for(session, viewer).owner_ids
    return AlertFilter(
        states=_states(state),
        severity=severity,
        rule_key=rule,
        account_id=account_id,
        owned=accounts_service.ids_owned_by([owner_id]) if owner_id is not None else None,
        scope=accounts_service.ids_owned_by(scope) if scope is not None else None,
    )


def _reads(session: Session, rows: Sequence[tuple[Alert, Any]]) -> list[AlertRead]:
    """Alerts as read models with their account's name, owner and ARR and their rule's names (a few
    set-based queries for the whole page)."""
    if not rows:
        return []
    ids = {alert.account_id for alert, _ in rows}
    names = accounts_service.account_names(session, ids)
    owners = {a: facts[0] for a, facts in accounts_service.owner_tier_stage(session, ids).items()}
    people = user_names(session, set(owners.values()))
    rules = {r.key: r for r in rules_now(session).rules}
    out = []
    for alert, arr in rows:
        rule = rules.get(alert.rule_key)
        owner = owners.get(alert.account_id)
        out.append(
            AlertRead(
                **{c: getattr(alert, c) for c in _COLUMNS},
                rule_name=rule.name if rule else alert.rule_key,
                rule_name_zh=rule.name_zh if rule else alert.rule_key,
                account_name=names.get(alert.account_id, ""),
                owner_id=owner,
                owner_name=people.get(owner) if owner is not None else None,
                account_arr=float(arr) if arr is not None else None,
            )
        )
    return out


_COLUMNS = (
    "id", "rule_key", "severity", "state", "account_id", "raised_on", "raised_at", "last_seen_on", "evidence",
    "acknowledged_at", "acknowledged_by", "snoozed_until", "resolved_on", "resolved_at", "resolved_by",
    "resolve_reason", "playbook_run_id",
)  # fmt: skip


def list_alerts(
    session: Session,
    viewer: User,
    *,
    state: StateFilter | str = "live",
    severity: str | None = None,
    rule: str | None = None,
    owner_id: int | None = None,
    account_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[AlertRead], int]:
    """The alerts the viewer may see with the filters set; (page, total), new and severe first."""
    if not 1 <= limit <= 500:
        raise InvalidInput.one("limit", Text("must be between 1 and 500"))
    if offset < 0:
        raise InvalidInput.one("offset", Text("must be >= 0"))
    flt = _filter(
        session, viewer, state=state, severity=severity, rule=rule, owner_id=owner_id, account_id=account_id
    )
    stmt = repository.alert_rows(accounts_service.standing_subquery(session), flt)
    rows, total = repository.page(session, stmt, limit, offset)
    return _reads(session, rows), total


def _visible(session: Session, viewer: User, alert_id: int) -> Alert:
    """An alert on an account the viewer may see; NotFound otherwise (we do not say it exists)."""
    alert = repository.get(session, alert_id)
    owner = (
        accounts_service.owner_tier_stage(session, [alert.account_id]).get(alert.account_id)
        if alert
        else None
    )
    if alert is None or owner is None or not auth_service.scope_for(session, viewer).allows_owner(owner[0]):
        raise NotFound(Text("alert %(id)s not found", id=alert_id))
    return alert


def _read(session: Session, alert: Alert) -> AlertRead:
    flt = AlertFilter(states=None)
    stmt = repository.alert_rows(accounts_service.standing_subquery(session), flt).where(Alert.id == alert.id)
    rows, _ = repository.page(session, stmt, 1, 0)
    return _reads(session, rows)[0]


def get_alert(session: Session, viewer: User, alert_id: int) -> AlertRead:
    """One alert the viewer may see; NotFound otherwise."""
    return _read(session, _visible(session, viewer, alert_id))


def _refusal(alert: Alert) -> Text:
    """Why an alert in this state cannot take the action asked for."""
    if alert.state == AlertState.RESOLVED.value:
        return Text("alert %(id)s is already resolved", id=alert.id)
    if alert.state == AlertState.ACKNOWLEDGED.value:
        return Text("alert %(id)s is already acknowledged", id=alert.id)
    until = alert.snoozed_until.isoformat() if alert.snoozed_until else ""
    return Text(
        "alert %(id)s is snoozed until %(until)s: only an open alert can be acknowledged",
        id=alert.id,
        until=until,
    )


def _changeable(session: Session, viewer: User, alert_id: int, allowed: Sequence[str]) -> Alert:
    """The alert, if the viewer may change it and its state allows the action; `state` named otherwise."""
    auth_service.require_editor(viewer)
    alert = _visible(session, viewer, alert_id)
    if alert.state not in allowed:
        raise InvalidInput.one("state", _refusal(alert))
    return alert


def acknowledge(session: Session, viewer: User, alert_id: int) -> AlertRead:
    """Marks an open alert as seen by the viewer."""
    alert = _changeable(session, viewer, alert_id, (AlertState.OPEN.value,))
    alert.state = AlertState.ACKNOWLEDGED.value
    alert.acknowledged_at, alert.acknowledged_by = utcnow(), viewer.id
    session.flush()
    auth_service.record(session, viewer, "alert.acknowledge", "alerts", alert.id, {"state": alert.state})
    return _read(session, alert)


def snooze(
    session: Session, viewer: User, alert_id: int, until: date, today: date | None = None
) -> AlertRead:
    """Hides a live alert until a day after today (a snoozed one gets the new day)."""
    alert = _changeable(session, viewer, alert_id, LIVE_STATES)
    day = today or company_today()
    if until <= day:
        raise InvalidInput.one(
            "until",
            Text(
                "must be after today (%(today)s), not %(day)s", today=day.isoformat(), day=until.isoformat()
            ),
        )
    before = alert.state
    alert.state, alert.snoozed_until = AlertState.SNOOZED.value, until
    if alert.acknowledged_at is None:  # snoozing an alert is seeing it
        alert.acknowledged_at, alert.acknowledged_by = utcnow(), viewer.id
    session.flush()
    changes = {"from": before, "state": alert.state, "until": until.isoformat()}
    auth_service.record(session, viewer, "alert.snooze", "alerts", alert.id, changes)
    return _read(session, alert)


def resolve(
    session: Session, viewer: User, alert_id: int, reason: str, today: date | None = None
) -> AlertRead:
    """Closes a live alert by hand with a reason; its rule's cool-down starts today."""
    alert = _changeable(session, viewer, alert_id, LIVE_STATES)
    why = (reason or "").strip()
    if not why:
        raise InvalidInput.one("reason", Text("is required: say why the alert is resolved"))
    if len(why) > MAX_REASON:
        raise InvalidInput.one("reason", Text("must be at most %(n)s characters", n=MAX_REASON))
    day = today or company_today()
    rule = rules_now(session).rule(alert.rule_key)
    before = alert.state
    alert.state, alert.resolve_reason = AlertState.RESOLVED.value, why
    alert.resolved_on, alert.resolved_at, alert.resolved_by = day, utcnow(), viewer.id
    alert.snoozed_until = None
    alert.cooldown_until = day + timedelta(days=rule.cooldown_days if rule else 0)
    session.flush()
    changes = {"from": before, "state": alert.state, "reason": why, "cooldown_until": alert.cooldown_until}
    auth_service.record(session, viewer, "alert.resolve", "alerts", alert.id, changes)
    return _read(session, alert)


def bulk_acknowledge(session: Session, viewer: User, alert_ids: Sequence[int]) -> list[int]:
    """Acknowledges these open alerts, all or none: InvalidInput names each refused alert (the caller rolls
    its transaction back, so a refused batch changes nothing)."""
    auth_service.require_editor(viewer)
    ids = list(dict.fromkeys(alert_ids))
    if not ids:
        raise InvalidInput.one("alert_ids", Text("pick at least one alert"))
    if len(ids) > MAX_BULK:
        raise InvalidInput.one(
            "alert_ids", Text("at most %(max)s alerts at once, not %(n)s", max=MAX_BULK, n=len(ids))
        )
    problems: list[FieldProblem] = []
    for index, alert_id in enumerate(ids):
        try:
            acknowledge(session, viewer, alert_id)
        except InvalidInput as exc:
            problems += [FieldProblem(f"alert_ids[{index}]", p.message) for p in exc.problems]
        except (NotFound, PermissionDenied) as exc:
            problems.append(FieldProblem(f"alert_ids[{index}]", exc.message))
    if problems:
        raise InvalidInput(problems)
    return ids


def counts(session: Session, viewer: User, owner_ids: frozenset[int] | None = None) -> AlertCounts:
    """The viewer's alerts that need attention (open or acknowledged) by severity, with the newest few;
    `owner_ids` narrows them to these owners' accounts (the caller checked the viewer may see them)."""
    owned = accounts_service.ids_owned_by(sorted(owner_ids)) if owner_ids is not None else None
    flt = AlertFilter(states=AWAKE_STATES, scope=_filter(session, viewer).scope, owned=owned)
    found = repository.counts_by_severity(session, flt)
    by_severity = {s: sum(n for (sev, _), n in found.items() if sev == s) for s in reversed(SEVERITIES)}
    rows = repository.first(
        session, repository.alert_rows(accounts_service.standing_subquery(session), flt), NEWEST
    )
    return AlertCounts(
        by_severity=by_severity,
        new=sum(n for (_, state), n in found.items() if state == AlertState.OPEN.value),
        total=sum(found.values()),
        newest=_reads(session, rows),
    )


def account_alerts(session: Session, viewer: User, account_id: int, limit: int = 50) -> list[AlertRead]:
    """An account's alerts, live first then the newest (NotFound unless the viewer may see the account)."""
    accounts_service.get_account(session, viewer, account_id)
    flt = AlertFilter(states=None, account_id=account_id)
    rows, _ = repository.page(
        session, repository.alert_rows(accounts_service.standing_subquery(session), flt), limit, 0
    )
    return _reads(session, rows)


def user_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    """The names of the users who acted on alerts."""
    wanted = {i for i in ids if i is not None}
    return {u.id: u.name for u in auth_service.list_users(session) if u.id in wanted} if wanted else {}


def backtest(
    session: Session,
    root: Path,
    rules: AlertRules,
    *,
    today: date,
    horizon: int = 180,
    start: date | None = None,
    end: date | None = None,
    progress: Progress = silent,
) -> list[RuleFigures]:
    """Every enabled rule's figures over the snapshot history: recall, precision, lead time and noise."""
    if start is not None and end is not None and start > end:
        raise InvalidInput.one("start", Text("must be on or before the end (%(end)s)", end=end.isoformat()))
    return alert_backtest.backtest_rules(session, root, rules, start, end, horizon, today, progress)


def _references(condition: Condition) -> Iterator[str]:
    if condition.kind == "rule":
        yield condition.rule
    for inner in getattr(condition, "conditions", None) or []:
        yield from _references(inner)


def _with_what_it_builds_on(rules: AlertRules, key: str) -> list[AlertRule]:
    """The rule (enabled, to be measured) and the rules its conditions name, however deep."""
    wanted, queue = {key}, [key]
    while queue:
        rule = rules.rule(queue.pop())
        for ref in _references(rule.when) if rule else ():
            if ref not in wanted:
                wanted.add(ref)
                queue.append(ref)
    return [
        r.model_copy(update={"enabled": True}) if r.key == key else r for r in rules.rules if r.key in wanted
    ]


def backtest_rule(
    session: Session,
    root: Path,
    rules: AlertRules,
    key: str,
    *,
    today: date,
    days: int = 180,
    horizon: int = 180,
) -> RuleFigures:
    """How one rule of these (perhaps unsaved) rules would have warned over the last `days` days."""
    if rules.rule(key) is None:
        raise InvalidInput.one("rule", Text("no rule %(key)s in the rules given", key=key))
    subset = AlertRules(rules=_with_what_it_builds_on(rules, key))
    found = backtest(
        session, root, subset, today=today, horizon=horizon, start=today - timedelta(days=days), end=today
    )
    figures = next((f for f in found if f.rule_key == key), None)
    if figures is None:
        raise InvalidInput.one("rule", Text("rule %(key)s could not be measured", key=key))
    return figures


def digest_notices_since(session: Session, day: date) -> list[Notice]:
    """Notices of the live alerts raised on or after `day`, for the daily digest (which merges them with
    each person's due tasks; people who chose the digest get their alerts only there)."""
    rules = {r.key: r for r in rules_now(session).rules}
    rows = [a for a in repository.live_raised_since(session, day) if a.rule_key in rules]
    alerts = [NewAlert(a.id, a.rule_key, a.account_id, a.severity, a.evidence) for a in rows]
    return build_notices(session, rules, alerts)
