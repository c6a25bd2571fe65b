"""Raising alerts from findings: once per rule and account, refreshed while the condition holds, resolved by
themselves when it clears, kept quiet through the cool-down; signals for every date; nothing for the past."""

from __future__ import annotations

from datetime import timedelta

import pyarrow as pa
from sqlalchemy import select

from lodestar.alerts.raising import raise_alerts
from lodestar.alerts.signal_sets import signal_rows
from lodestar.auth.models import AuditEntry
from tests.alerts.raising_fixtures import DAY, Team, alerts, findings, rules, team

__all__ = ["team"]


def test_findings_raise_one_alert_each_with_severity_evidence_and_audit_and_a_rerun_raises_nothing(
    team: Team,
) -> None:
    db, a, b = team.db, team.a.id, team.b.id
    found = findings(("usage_drop", a, 21), ("health_red", b, 5), ("no_such_rule", a, 1))
    report = raise_alerts(db, rules(), 3, DAY, found, present=True)
    raised = alerts(db)
    assert sorted((x.rule_key, x.account_id, x.severity, x.state) for x in raised) == [
        ("health_red", b, "critical", "open"),
        ("usage_drop", a, "warning", "open"),
    ]
    usage = next(x for x in raised if x.rule_key == "usage_drop")
    assert (usage.raised_on, usage.last_seen_on, usage.rules_version) == (DAY, DAY, 3)
    assert usage.evidence == [
        {"msgid": "active users %(before)s → %(now)s", "values": {"before": 42, "now": 21}}
    ]
    assert sorted(report.raised) == [x.id for x in raised] and report.signals == 2
    entries = db.scalars(select(AuditEntry).where(AuditEntry.action == "alert.raise")).all()
    assert sorted(e.entity_id for e in entries) == [x.id for x in raised]
    assert all(e.actor_id is None and e.entity == "alerts" for e in entries)

    again = raise_alerts(db, rules(), 3, DAY, found, present=True)
    assert (again.raised, again.seen, again.resolved, again.signals) == ([], 0, [], 0)
    assert len(alerts(db)) == 2


def test_a_past_date_records_its_signals_and_touches_no_alert(team: Team) -> None:
    db, a = team.db, team.a.id
    raise_alerts(db, rules(), 1, DAY, findings(("health_red", a, 1)), present=True)
    before = [(x.id, x.last_seen_on, x.state) for x in alerts(db)]
    past = DAY - timedelta(days=30)
    report = raise_alerts(db, rules(), 1, past, findings(("usage_drop", a, 1), ("health_red", a, 2)), False)
    assert report.raised == [] and report.signals == 2
    assert [(x.id, x.last_seen_on, x.state) for x in alerts(db)] == before
    signals = signal_rows(db).select(["as_of", "rule_key"]).to_pylist()
    assert sorted(tuple(s.values()) for s in signals) == [
        (past, "health_red"),
        (past, "usage_drop"),
        (DAY, "health_red"),
    ]


def test_a_dates_signals_are_replaced_by_its_latest_findings_with_the_rules_version(team: Team) -> None:
    db, a, b = team.db, team.a.id, team.b.id
    raise_alerts(db, rules(), 1, DAY, findings(("usage_drop", a, 1), ("health_red", b, 1)), False)
    raise_alerts(db, rules(), 2, DAY, findings(("usage_drop", a, 1), ("usage_drop", b, 1)), False)
    rows = signal_rows(db).select(["rule_key", "account_id", "rules_version"]).to_pylist()
    assert sorted(tuple(r.values()) for r in rows) == [("usage_drop", a, 2), ("usage_drop", b, 2)]


def test_a_live_alert_whose_condition_holds_is_seen_again_with_fresh_evidence(team: Team) -> None:
    db, a = team.db, team.a.id
    raise_alerts(db, rules(), 1, DAY, findings(("usage_drop", a, 21)), True)
    later = DAY + timedelta(days=3)
    report = raise_alerts(db, rules(), 1, later, findings(("usage_drop", a, 15)), True)
    [alert] = alerts(db)
    assert (report.raised, report.seen) == ([], 1)
    assert (alert.raised_on, alert.last_seen_on, alert.evidence[0]["values"]) == (
        DAY,
        later,
        {"before": 30, "now": 15},
    )


def test_an_alert_resolves_itself_after_its_condition_cleared_and_the_cool_down_holds_off_a_new_one(
    team: Team,
) -> None:
    db, a = team.db, team.a.id
    raise_alerts(db, rules(), 1, DAY, findings(("usage_drop", a, 21)), True)
    nothing = findings()
    six = raise_alerts(db, rules(), 1, DAY + timedelta(days=6), nothing, True)  # resolve_after_days: 7
    assert six.resolved == [] and alerts(db)[0].state == "open"
    seven = raise_alerts(db, rules(), 1, DAY + timedelta(days=7), nothing, True)
    [alert] = alerts(db)
    assert seven.resolved == [alert.id]
    assert (alert.state, alert.resolved_on, alert.resolved_by) == ("resolved", DAY + timedelta(days=7), None)
    assert alert.resolve_reason == "condition cleared for 7 days"
    assert alert.cooldown_until == DAY + timedelta(days=21)  # cooldown_days: 14
    inside = raise_alerts(db, rules(), 1, DAY + timedelta(days=20), findings(("usage_drop", a, 9)), True)
    assert inside.raised == [] and len(alerts(db)) == 1
    after = raise_alerts(db, rules(), 1, DAY + timedelta(days=21), findings(("usage_drop", a, 9)), True)
    assert len(after.raised) == 1 and [x.state for x in alerts(db)] == ["resolved", "open"]
    reasons = db.scalars(select(AuditEntry.changes).where(AuditEntry.action == "alert.resolve")).all()
    assert reasons == [
        {"rule": "usage_drop", "resolved_on": "2026-03-09", "reason": "condition cleared for 7 days"}
    ]


def test_a_rule_resolving_only_by_hand_stays_open_however_long_its_condition_is_gone(team: Team) -> None:
    db, a = team.db, team.a.id
    raise_alerts(db, rules(), 1, DAY, findings(("info_only", a, 1)), True)
    raise_alerts(db, rules(), 1, DAY + timedelta(days=300), findings(), True)
    assert [x.state for x in alerts(db)] == ["open"]


def test_a_snoozed_alert_opens_again_the_day_after_its_snooze_ends(team: Team) -> None:
    db, a = team.db, team.a.id
    raise_alerts(db, rules(), 1, DAY, findings(("health_red", a, 1)), True)
    [alert] = alerts(db)
    alert.state, alert.snoozed_until = "snoozed", DAY + timedelta(days=5)
    db.flush()
    held = findings(("health_red", a, 1))
    assert raise_alerts(db, rules(), 1, DAY + timedelta(days=5), held, True).woken == []
    assert alerts(db)[0].state == "snoozed"
    assert raise_alerts(db, rules(), 1, DAY + timedelta(days=6), held, True).woken == [alert.id]
    [alert] = alerts(db)
    assert (alert.state, alert.snoozed_until, alert.last_seen_on) == ("open", None, DAY + timedelta(days=6))


def test_a_snoozed_alert_still_resolves_by_itself_when_its_condition_clears(team: Team) -> None:
    db, a = team.db, team.a.id
    raise_alerts(db, rules(), 1, DAY, findings(("health_red", a, 1)), True)
    [alert] = alerts(db)
    alert.state, alert.snoozed_until = "snoozed", DAY + timedelta(days=60)
    db.flush()
    raise_alerts(db, rules(), 1, DAY + timedelta(days=14), findings(), True)
    assert alerts(db)[0].state == "resolved"


def test_the_live_alerts_of_a_disabled_or_removed_rule_resolve_with_that_reason(team: Team) -> None:
    db, a, b = team.db, team.a.id, team.b.id
    raise_alerts(db, rules(), 1, DAY, findings(("health_red", a, 1), ("usage_drop", b, 1)), True)
    off = rules(health_red={"enabled": False})
    report = raise_alerts(db, off, 2, DAY + timedelta(days=1), findings(("usage_drop", b, 1)), True)
    states = {x.rule_key: (x.state, x.resolve_reason, x.cooldown_until) for x in alerts(db)}
    assert states == {
        "health_red": ("resolved", "rule removed or disabled", None),
        "usage_drop": ("open", None, None),
    }
    assert len(report.resolved) == 1


def test_a_recompute_of_some_accounts_changes_only_their_alerts_and_signals(team: Team) -> None:
    db, a, b = team.db, team.a.id, team.b.id
    raise_alerts(db, rules(), 1, DAY, findings(("health_red", a, 1), ("health_red", b, 1)), True)
    later = DAY + timedelta(days=20)
    only_b = pa.array([b], pa.int64())
    report = raise_alerts(
        db, rules(), 1, later, findings(("usage_drop", b, 2)), True, accounts_evaluated=only_b
    )
    states = {(x.rule_key, x.account_id): x.state for x in alerts(db)}
    assert states == {("health_red", a): "open", ("health_red", b): "resolved", ("usage_drop", b): "open"}
    assert len(report.raised) == 1 and len(report.resolved) == 1
    rows = signal_rows(db).select(["as_of", "rule_key", "account_id"]).to_pylist()
    assert sorted(tuple(r.values()) for r in rows) == [
        (DAY, "health_red", a),
        (DAY, "health_red", b),
        (later, "usage_drop", b),
    ]
