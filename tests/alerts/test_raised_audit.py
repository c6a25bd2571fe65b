"""The audit entries of raised alerts are written by the database from the alert rows, in one statement per
run of consecutive ids: the same entries, contents and order the per-alert writes had."""

from __future__ import annotations

from sqlalchemy import delete, select

from lodestar.alerts.raised_audit import audit_raised, id_ranges
from lodestar.alerts.raising import raise_alerts
from lodestar.auth.models import AuditEntry
from tests.alerts.raising_fixtures import DAY, Team, alerts, findings, rules, team

__all__ = ["team"]


def _raised(team: Team) -> list[AuditEntry]:
    team.db.expire_all()
    query = select(AuditEntry).where(AuditEntry.action == "alert.raise").order_by(AuditEntry.id)
    return list(team.db.scalars(query))


def test_each_raised_alert_has_one_entry_with_its_rule_account_severity_day_and_playbook_run(
    team: Team,
) -> None:
    db, a, b, c = team.db, team.a.id, team.b.id, team.c.id
    found = findings(("usage_drop", a, 21), ("health_red", b, 4), ("info_only", c, 1))
    raise_alerts(db, rules(), 1, DAY, found, True)
    raised = alerts(db)
    entries = _raised(team)
    assert [e.entity_id for e in entries] == [x.id for x in raised]  # in the alerts' order
    assert [e.changes for e in entries] == [
        {
            "rule": x.rule_key,
            "account": x.account_id,
            "severity": x.severity,
            "raised_on": DAY.isoformat(),
            "playbook_run": x.playbook_run_id,
        }
        for x in raised
    ]
    assert [x.playbook_run_id is not None for x in raised] == [x.rule_key == "usage_drop" for x in raised]
    assert all((e.actor_id, e.entity) == (None, "alerts") and e.at is not None for e in entries)
    assert len({e.at for e in entries}) == 1


def test_alerts_whose_ids_are_not_consecutive_get_their_entries_and_no_other_does(team: Team) -> None:
    db, a, b, c = team.db, team.a.id, team.b.id, team.c.id
    found = findings(("usage_drop", a, 21), ("health_red", b, 4), ("info_only", c, 1))
    raise_alerts(db, rules(), 1, DAY, found, True)
    first, _, third = alerts(db)
    db.execute(delete(AuditEntry).where(AuditEntry.action == "alert.raise"))
    assert audit_raised(db, DAY, [first.id, third.id]) == 2
    assert [(e.entity_id, e.changes["rule"]) for e in _raised(team)] == [
        (first.id, first.rule_key),
        (third.id, third.rule_key),
    ]


def test_ids_fall_into_runs_of_consecutive_ids() -> None:
    assert id_ranges([]) == []
    assert id_ranges([4]) == [(4, 4)]
    assert id_ranges([1, 2, 3, 7, 8, 10]) == [(1, 3), (7, 8), (10, 10)]
