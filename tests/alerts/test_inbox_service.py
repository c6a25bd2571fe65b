"""The alert inbox's service: row-level scope, filters, the lifecycle with its refusals, the audit log, bulk
acknowledge (all or nothing), the cockpit's counts and an account's alerts."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.alerts import service
from lodestar.alerts.evidence_text import evidence_in
from lodestar.alerts.models import Alert
from lodestar.auth.models import AuditEntry
from lodestar.kit.errors import InvalidInput, NotFound, PermissionDenied
from lodestar.web.i18n import translations
from tests.alerts.inbox_data import Crew, crew, make_alert

__all__ = ["crew"]
TODAY = date(2026, 3, 5)
UNTIL = "2026-03-12"


def _ids(db: Session, viewer, **kw) -> set[int]:
    items, total = service.list_alerts(db, viewer, **kw)
    assert total == len(items)
    return {a.id for a in items}


def _audit(db: Session, alert_id: int) -> list[tuple[str, int | None, dict]]:
    stmt = select(AuditEntry).where(AuditEntry.entity == "alerts", AuditEntry.entity_id == alert_id)
    return [(e.action, e.actor_id, e.changes) for e in db.scalars(stmt.order_by(AuditEntry.id))]


def test_each_role_sees_the_live_alerts_of_the_accounts_it_may_see(db: Session, crew: Crew) -> None:
    a = crew.alerts
    assert _ids(db, crew.csm) == {a["red"], a["usage"]}
    assert _ids(db, crew.mate) == {a["mates"]}
    assert _ids(db, crew.manager) == {a["red"], a["usage"], a["mates"]}
    assert _ids(db, crew.outsider) == {a["theirs"]}
    everything = {a["red"], a["usage"], a["mates"], a["theirs"]}
    assert _ids(db, crew.admin) == _ids(db, crew.viewer) == everything
    assert _ids(db, crew.admin, state="all") == everything | {a["old"]}


def test_filters_narrow_the_inbox_and_a_bad_one_is_named(db: Session, crew: Crew) -> None:
    a = crew.alerts
    assert _ids(db, crew.admin, severity="warning") == {a["usage"], a["mates"]}
    assert _ids(db, crew.admin, rule="health_red") == {a["red"]}
    assert _ids(db, crew.admin, state="resolved") == {a["old"]}
    assert _ids(db, crew.admin, state="snoozed") == {a["theirs"]}
    assert _ids(db, crew.manager, owner_id=crew.mate.id) == {a["mates"]}
    assert _ids(db, crew.csm, owner_id=crew.outsider.id) == set()  # another team's owner: nothing leaks
    assert _ids(db, crew.admin, account_id=crew.mine.id, state="all") == {a["red"], a["usage"], a["old"]}
    with pytest.raises(InvalidInput) as bad:
        service.list_alerts(db, crew.admin, severity="urgent")
    assert [p.field for p in bad.value.problems] == ["severity"]
    with pytest.raises(InvalidInput) as bad:
        service.list_alerts(db, crew.admin, state="closed")
    assert bad.value.problems[0].field == "state"
    assert "live, open, acknowledged, snoozed, resolved, all" in bad.value.problems[0].message


def test_an_alert_reads_with_its_account_owner_arr_rule_names_and_evidence(db: Session, crew: Crew) -> None:
    items, _ = service.list_alerts(db, crew.csm)
    assert [a.id for a in items] == [crew.alerts["red"], crew.alerts["usage"]]  # critical first
    red = items[0]
    assert (red.account_name, red.owner_name, red.account_arr) == ("Mine Ltd", "Cora Csm", 120000.0)
    assert (red.rule_name, red.rule_name_zh) == ("Health turned red", "健康度转为红色")
    assert [str(s) for s in red.sentences()] == ["active-user ratio 0.42 -> 0.21"]
    chinese = evidence_in(translations("zh_CN").gettext, red.evidence)
    assert (
        chinese != ["active-user ratio 0.42 -> 0.21"] and "0.42" in chinese[0] and "active" not in chinese[0]
    )
    gone = make_alert(db, crew.mine, "retired_rule", state="resolved")
    assert service.get_alert(db, crew.csm, gone.id).rule_name == "retired_rule"


def test_acknowledge_then_snooze_then_resolve_each_leave_an_audit_entry(db: Session, crew: Crew) -> None:
    red = crew.alerts["red"]
    acked = service.acknowledge(db, crew.csm, red)
    assert (acked.state, acked.acknowledged_by) == ("acknowledged", crew.csm.id)
    snoozed = service.snooze(db, crew.manager, red, date(2026, 3, 12), today=TODAY)
    assert (snoozed.state, snoozed.snoozed_until) == ("snoozed", date(2026, 3, 12))
    resolved = service.resolve(db, crew.csm, red, "  Called the sponsor; usage is back  ", today=TODAY)
    assert (resolved.state, resolved.resolved_on, resolved.resolved_by) == ("resolved", TODAY, crew.csm.id)
    assert resolved.resolve_reason == "Called the sponsor; usage is back"
    assert resolved.snoozed_until is None
    row = db.get(Alert, red)
    assert row is not None and row.cooldown_until == date(2026, 4, 4)  # health_red cools down 30 days
    assert _audit(db, red) == [
        ("alert.acknowledge", crew.csm.id, {"state": "acknowledged"}),
        ("alert.snooze", crew.manager.id, {"from": "acknowledged", "state": "snoozed", "until": UNTIL}),
        (
            "alert.resolve",
            crew.csm.id,
            {"from": "snoozed", "state": "resolved", "reason": "Called the sponsor; usage is back",
             "cooldown_until": "2026-04-04"},
        ),
    ]  # fmt: skip


def test_snoozing_an_open_alert_counts_as_seeing_it(db: Session, crew: Crew) -> None:
    snoozed = service.snooze(db, crew.csm, crew.alerts["usage"], date(2026, 3, 6), today=TODAY)
    assert (snoozed.state, snoozed.acknowledged_by) == ("snoozed", crew.csm.id)


@pytest.mark.parametrize(
    ("name", "action", "field", "message"),
    [
        ("mates", "acknowledge", "state", "alert {id} is already acknowledged"),
        ("theirs", "acknowledge", "state",
         "alert {id} is snoozed until 2026-03-20: only an open alert can be acknowledged"),
        ("old", "acknowledge", "state", "alert {id} is already resolved"),
        ("old", "snooze", "state", "alert {id} is already resolved"),
        ("old", "resolve", "state", "alert {id} is already resolved"),
        ("red", "snooze_today", "until", "must be after today (2026-03-05), not 2026-03-05"),
        ("red", "resolve_blank", "reason", "is required: say why the alert is resolved"),
    ],
)  # fmt: skip
def test_an_impossible_change_is_refused_naming_the_field_and_nothing_changes(
    db: Session, crew: Crew, name: str, action: str, field: str, message: str
) -> None:
    alert_id = crew.alerts[name]
    before = db.get(Alert, alert_id)
    assert before is not None
    state = before.state
    calls = {
        "acknowledge": lambda: service.acknowledge(db, crew.admin, alert_id),
        "snooze": lambda: service.snooze(db, crew.admin, alert_id, date(2026, 4, 1), today=TODAY),
        "snooze_today": lambda: service.snooze(db, crew.admin, alert_id, TODAY, today=TODAY),
        "resolve": lambda: service.resolve(db, crew.admin, alert_id, "why", today=TODAY),
        "resolve_blank": lambda: service.resolve(db, crew.admin, alert_id, "   ", today=TODAY),
    }
    with pytest.raises(InvalidInput) as refused:
        calls[action]()
    assert [(p.field, p.message) for p in refused.value.problems] == [(field, message.format(id=alert_id))]
    db.rollback()
    assert db.get(Alert, alert_id).state == state  # type: ignore[union-attr]
    assert _audit(db, alert_id) == []


def test_an_alert_outside_the_scope_is_not_found_and_a_viewer_may_not_change_one(
    db: Session, crew: Crew
) -> None:
    theirs = crew.alerts["theirs"]
    for call in (
        lambda: service.get_alert(db, crew.csm, theirs),
        lambda: service.acknowledge(db, crew.csm, theirs),
        lambda: service.snooze(db, crew.manager, theirs, date(2026, 4, 1), today=TODAY),
        lambda: service.resolve(db, crew.mate, theirs, "not mine", today=TODAY),
        lambda: service.get_alert(db, crew.csm, 10**6),
    ):
        with pytest.raises(NotFound):
            call()
    assert service.get_alert(db, crew.viewer, theirs).account_name == "Theirs Ltd"
    with pytest.raises(PermissionDenied):
        service.acknowledge(db, crew.viewer, crew.alerts["red"])


def test_bulk_acknowledge_is_all_or_nothing_and_names_each_refused_alert(db: Session, crew: Crew) -> None:
    a = crew.alerts
    with pytest.raises(InvalidInput) as refused:
        service.bulk_acknowledge(db, crew.manager, [a["red"], a["mates"], a["theirs"], a["usage"]])
    assert [(p.field, p.message) for p in refused.value.problems] == [
        ("alert_ids[1]", f"alert {a['mates']} is already acknowledged"),
        ("alert_ids[2]", f"alert {a['theirs']} not found"),
    ]
    db.rollback()  # as the request's unit of work does
    assert db.get(Alert, a["red"]).state == "open"  # type: ignore[union-attr]
    assert service.bulk_acknowledge(db, crew.manager, [a["red"], a["usage"], a["red"]]) == [
        a["red"],
        a["usage"],
    ]
    db.commit()
    assert {db.get(Alert, i).state for i in (a["red"], a["usage"])} == {"acknowledged"}  # type: ignore[union-attr]
    assert [e[0] for e in _audit(db, a["red"]) + _audit(db, a["usage"])] == ["alert.acknowledge"] * 2
    with pytest.raises(InvalidInput) as empty:
        service.bulk_acknowledge(db, crew.admin, [])
    assert empty.value.problems[0].field == "alert_ids"


def test_the_cockpit_counts_what_needs_attention_by_severity(db: Session, crew: Crew) -> None:
    mine = service.counts(db, crew.csm)
    assert (mine.by_severity, mine.new, mine.total) == ({"critical": 1, "warning": 1, "info": 0}, 2, 2)
    assert [a.id for a in mine.newest] == [crew.alerts["red"], crew.alerts["usage"]]
    team = service.counts(db, crew.manager)
    assert (team.by_severity["warning"], team.new, team.total) == (2, 2, 3)  # the acknowledged one too
    one = service.counts(db, crew.manager, frozenset({crew.mate.id}))
    assert (one.total, one.new) == (1, 0)
    company = service.counts(db, crew.admin)
    assert company.total == 3  # the snoozed alert waits: it is not counted


def test_an_accounts_alerts_put_the_live_ones_first(db: Session, crew: Crew) -> None:
    alerts = service.account_alerts(db, crew.csm, crew.mine.id)
    assert [a.id for a in alerts] == [crew.alerts["red"], crew.alerts["usage"], crew.alerts["old"]]
    with pytest.raises(NotFound):
        service.account_alerts(db, crew.csm, crew.theirs.id)
