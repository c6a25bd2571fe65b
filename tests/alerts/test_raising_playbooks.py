"""A new alert starts its rule's playbook exactly once (and fire_alert's playbooks for its rule key)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lodestar.alerts.raising import raise_alerts
from lodestar.auth.models import AuditEntry
from lodestar.sop import service as sop_service
from lodestar.sop.tasks.models import PlaybookRun, Task
from tests.alerts.raising_fixtures import DAY, Team, alerts, findings, rules, team

__all__ = ["team"]


def _runs(team: Team) -> list[tuple[str, int, str, str]]:
    rows = team.db.execute(
        select(
            PlaybookRun.playbook_key,
            PlaybookRun.account_id,
            PlaybookRun.trigger_kind,
            PlaybookRun.trigger_ref,
        )
    )
    return sorted(tuple(r) for r in rows)  # type: ignore[misc]


def test_a_new_alert_starts_the_playbook_its_rule_names_once_across_reruns(team: Team) -> None:
    db, a = team.db, team.a.id
    found = findings(("usage_drop", a, 21))
    report = raise_alerts(db, rules(), 1, DAY, found, True)
    [alert] = alerts(db)
    assert report.playbook_runs == 1
    assert _runs(team) == [("usage_swing", a, "alert", f"alert:{alert.id}")]
    run = db.scalars(select(PlaybookRun)).one()
    assert alert.playbook_run_id == run.id and run.owner_id == team.csm.id and run.triggered_on == DAY
    assert db.scalar(select(Task.id).where(Task.run_id == run.id)) is not None
    raise_alerts(db, rules(), 1, DAY, found, True)
    raise_alerts(db, rules(), 1, DAY + timedelta(days=1), found, True)
    assert len(_runs(team)) == 1
    # The manual fire_alert path with the same alert is the same occurrence: nothing new either.
    assert sop_service.fire_alert(db, a, "usage_drop", str(alert.id), DAY) == []
    audit = db.scalars(select(AuditEntry.changes).where(AuditEntry.action == "alert.raise")).one()
    assert audit["playbook_run"] == run.id


def test_playbooks_triggered_by_the_rule_key_start_too_and_a_named_one_on_another_rule(team: Team) -> None:
    db, a, b = team.db, team.a.id, team.b.id
    chosen = rules(usage_drop={"playbook": None}, health_red={"playbook": "usage_swing"})
    raise_alerts(db, chosen, 1, DAY, findings(("usage_drop", a, 21), ("health_red", b, 1)), True)
    by_rule = {x.rule_key: x for x in alerts(db)}
    assert _runs(team) == sorted(
        [
            ("usage_swing", a, "alert", f"alert:{by_rule['usage_drop'].id}"),
            ("usage_swing", b, "alert", f"alert:{by_rule['health_red'].id}"),
        ]
    )
    assert all(x.playbook_run_id is not None for x in by_rule.values())


def test_an_alert_after_its_cool_down_is_a_new_occurrence_with_its_own_run(team: Team) -> None:
    db, a = team.db, team.a.id
    raise_alerts(db, rules(), 1, DAY, findings(("usage_drop", a, 21)), True)
    raise_alerts(db, rules(), 1, DAY + timedelta(days=7), findings(), True)  # resolves, cool-down 14 days
    raise_alerts(db, rules(), 1, DAY + timedelta(days=21), findings(("usage_drop", a, 9)), True)
    first, second = alerts(db)
    assert len(_runs(team)) == 2 and first.playbook_run_id != second.playbook_run_id


def test_a_rule_without_a_playbook_and_no_trigger_of_its_key_starts_nothing(team: Team) -> None:
    db, b = team.db, team.b.id
    raise_alerts(db, rules(), 1, DAY, findings(("health_red", b, 1)), True)
    assert _runs(team) == [] and alerts(db)[0].playbook_run_id is None
