"""Attainment (达标率) arithmetic on hand-made tasks: due / not due, late, skipped, optional, periods."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from lodestar.auth.models import Role, User
from lodestar.kit.errors import InvalidInput
from lodestar.sop.measurement.compliance import attainment, attainment_trend, missed_tasks
from tests.factories import make_user
from tests.sop.measurement import handmade as hand


@pytest.fixture
def team(db: Session) -> dict[str, User | int]:
    """CSM A (in manager M's team) with six onboarding tasks, CSM B (no team) with two handover tasks."""
    manager = make_user(db, Role.MANAGER, name="Mona Manager")
    a = make_user(db, Role.CSM, manager=manager, name="Ann CSM")
    b = make_user(db, Role.CSM, name="Bob CSM")
    acct_a, acct_b = hand.accounts(db, [a.id, b.id], ["ka", "smb"])
    r1 = hand.run(db, acct_a, "onboarding", date(2026, 1, 5), tier="ka", owner_id=a.id)
    on = {"assignee_id": a.id}
    hand.task(
        db,
        r1,
        acct_a,
        "onboarding",
        "kickoff",
        date(2026, 1, 10),
        status="done",
        done_on=date(2026, 1, 9),
        **on,
    )
    hand.task(
        db,
        r1,
        acct_a,
        "onboarding",
        "commit",
        date(2026, 1, 10),
        status="done",
        done_on=date(2026, 1, 12),
        **on,
    )
    hand.task(db, r1, acct_a, "onboarding", "tier_sla", date(2026, 1, 12), status="skipped", **on)
    hand.task(db, r1, acct_a, "onboarding", "training", date(2026, 1, 15), **on)
    hand.task(db, r1, acct_a, "onboarding", "docs", date(2026, 1, 10), required=False, **on)
    hand.task(db, r1, acct_a, "onboarding", "review", date(2026, 2, 10), **on)
    r2 = hand.run(db, acct_b, "handover", date(2026, 2, 1), stage="handover", tier="smb", owner_id=b.id)
    on = {"assignee_id": b.id}
    hand.task(
        db, r2, acct_b, "handover", "form", date(2026, 2, 3), status="done", done_on=date(2026, 2, 3), **on
    )
    hand.task(
        db, r2, acct_b, "handover", "call", date(2026, 2, 5), status="done", done_on=date(2026, 3, 1), **on
    )
    db.commit()
    return {"manager": manager, "a": a, "b": b}


def _row(rows, key):  # type: ignore[no-untyped-def]
    return next(r for r in rows if r.key == key)


def test_on_time_late_skipped_and_open_overdue_count_as_due_and_optional_or_future_tasks_do_not(
    db, team
) -> None:
    rows = attainment(db, by="csm", as_of=date(2026, 1, 31))
    assert len(rows) == 1
    ann = rows[0]
    assert (ann.key, ann.label) == (str(team["a"].id), "Ann CSM")
    assert (ann.due, ann.on_time, ann.late, ann.skipped, ann.missed) == (4, 1, 1, 1, 1)
    assert ann.rate == pytest.approx(0.25)


def test_work_done_after_the_as_of_date_does_not_count_yet(db, team) -> None:
    rows = attainment(db, by="csm", as_of=date(2026, 2, 28))
    bob = _row(rows, str(team["b"].id))
    assert (bob.due, bob.on_time, bob.missed, bob.late) == (2, 1, 1, 0)
    ann = _row(rows, str(team["a"].id))
    assert (ann.due, ann.on_time, ann.missed) == (5, 1, 2)
    assert [r.label for r in rows] == ["Ann CSM", "Bob CSM"]  # worst rate first
    later = _row(attainment(db, by="csm", as_of=date(2026, 3, 31)), str(team["b"].id))
    assert (later.on_time, later.late, later.missed) == (1, 1, 0)


def test_attainment_by_team_playbook_step_and_tier(db, team) -> None:
    as_of = date(2026, 2, 28)
    teams = attainment(db, by="team", as_of=as_of)
    assert {(r.label, r.due, r.on_time) for r in teams} == {("Mona Manager", 5, 1), ("No team", 2, 1)}
    books = attainment(db, by="playbook", as_of=as_of)
    assert {(r.key, r.due, r.rate) for r in books} == {("onboarding", 5, 0.2), ("handover", 2, 0.5)}
    steps = attainment(db, by="step", as_of=as_of)
    assert _row(steps, "onboarding/kickoff").rate == 1.0
    assert _row(steps, "onboarding/commit").late == 1
    assert _row(steps, "handover/call").missed == 1
    assert "onboarding/docs" not in {r.key for r in steps}  # optional
    tiers = attainment(db, by="tier", as_of=as_of)
    assert {(r.key, r.due) for r in tiers} == {("ka", 5), ("smb", 2)}


def test_periods_group_tasks_by_due_day(db, team) -> None:
    months = attainment(db, by="period", as_of=date(2026, 2, 28))
    assert [(r.key, r.due, r.on_time) for r in months] == [("2026-01-01", 4, 1), ("2026-02-01", 3, 1)]
    weeks = attainment(db, by="period", period="week", as_of=date(2026, 1, 31))
    # Two tasks due on Saturday 10 January fall in the week of Monday the 5th; the 12th and 15th in the next.
    assert [(r.key, r.due) for r in weeks] == [("2026-01-05", 2), ("2026-01-12", 2)]


def test_start_and_end_limit_the_due_range(db, team) -> None:
    rows = attainment(db, by="playbook", as_of=date(2026, 2, 28), start=date(2026, 2, 1))
    assert {(r.key, r.due) for r in rows} == {("onboarding", 1), ("handover", 2)}
    rows = attainment(db, by="playbook", as_of=date(2026, 2, 28), end=date(2026, 1, 12))
    assert {(r.key, r.due) for r in rows} == {("onboarding", 3)}
    with pytest.raises(InvalidInput) as err:
        attainment(db, by="playbook", as_of=date(2026, 2, 28), start=date(2026, 3, 1))
    assert err.value.problems[0].field == "start"


def test_a_csm_sees_only_their_own_tasks_and_a_manager_their_team(db, team) -> None:
    mine = attainment(db, by="csm", as_of=date(2026, 2, 28), viewer=team["b"])
    assert [r.label for r in mine] == ["Bob CSM"]
    teams = attainment(db, by="csm", as_of=date(2026, 2, 28), viewer=team["manager"])
    assert [r.label for r in teams] == ["Ann CSM"]


def test_an_unknown_dimension_is_refused_naming_the_field(db, team) -> None:
    with pytest.raises(InvalidInput) as err:
        attainment(db, by="colour", as_of=date(2026, 2, 28))  # type: ignore[arg-type]
    assert err.value.problems[0].field == "by"
    assert "csm" in err.value.problems[0].message


def test_missed_tasks_list_the_rows_behind_a_rate_with_their_reason(db, team) -> None:
    rows = missed_tasks(db, None, as_of=date(2026, 2, 28), by="csm", key=str(team["a"].id))
    assert [(r.step_key, r.reason) for r in rows] == [
        ("commit", "late"),
        ("tier_sla", "skipped"),
        ("training", "missed"),
        ("review", "missed"),
    ]
    assert rows[0].done_on == date(2026, 1, 12) and rows[0].assignee_name == "Ann CSM"
    assert rows[0].account_name == "Acct 0"
    assert missed_tasks(db, team["b"], as_of=date(2026, 2, 28), by="csm", key=str(team["a"].id)) == []


def test_trend_gives_each_csm_one_point_per_period(db, team) -> None:
    points = attainment_trend(db, as_of=date(2026, 2, 28), by="csm", period="month")
    got = [(p.period_start.isoformat(), p.label, p.due, p.rate) for p in points]
    assert got == [
        ("2026-01-01", "Ann CSM", 4, 0.25),
        ("2026-02-01", "Ann CSM", 1, 0.0),
        ("2026-02-01", "Bob CSM", 2, 0.5),
    ]
    last = attainment_trend(db, as_of=date(2026, 2, 28), by="team", period="month", periods=1)
    assert {(p.label, p.due) for p in last} == {("Mona Manager", 1), ("No team", 2)}
