"""Stage entries start playbooks exactly once, with due dates, evidence windows and assignees."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lodestar.config import service as config_service
from lodestar.sop import service as sop_service
from lodestar.sop.tasks import service
from lodestar.sop.tasks.models import PlaybookRun, Task
from tests.factories import make_user
from tests.sop.conftest import DAY, Crew, entry, runs_of, tasks_of


def _count(db: Session, model: type) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_stage_entry_creates_one_run_and_a_task_per_step_due_after_the_trigger(
    db: Session, crew: Crew
) -> None:
    made = service.fire_stage_entries(db, [entry(crew.mine, "onboarding")], lifecycle_first_stage="handover")
    assert made == 1
    [run] = runs_of(db, crew.mine)
    assert (run.playbook_key, run.trigger_ref, run.triggered_on) == (
        "onboarding",
        f"stage:onboarding:{DAY.isoformat()}",
        DAY,
    )
    assert (run.stage, run.tier, run.owner_id, run.playbook_version) == ("onboarding", "KA", crew.csm.id, 0)
    assert run.counts_from == DAY - timedelta(days=21)
    tasks = tasks_of(db, crew.mine)
    assert [t.step_key for t in tasks] == [
        "kickoff_meeting",
        "mutual_commitments",
        "tier_sla",
        "targeted_training",
        "help_docs",
    ]
    training = tasks[3]
    assert training.due_on == DAY + timedelta(days=7)
    assert training.assignee_id == crew.csm.id
    assert training.evidence_kind == "touch"
    assert training.evidence_rule == {
        "kind": "touch",
        "touch_kinds": ["training"],
        "keywords": {"en": ["Onboarding training"], "zh_CN": ["上手培训", "入门培训"]},
        "counts_from": (DAY - timedelta(days=21)).isoformat(),
    }
    assert training.outcome_metric == "training_completion"
    assert tasks[4].required is False
    assert tasks[2].outcome_metric == "training_completion"  # the playbook's own outcome


def test_firing_the_same_transitions_twice_creates_nothing_new(db: Session, crew: Crew) -> None:
    moves = [entry(crew.mine, "onboarding"), entry(crew.theirs, "renewal", frm="maturity")]
    assert service.fire_stage_entries(db, moves, lifecycle_first_stage="handover") == 2
    tasks = _count(db, Task)
    assert service.fire_stage_entries(db, moves + moves, lifecycle_first_stage="handover") == 0
    assert (_count(db, PlaybookRun), _count(db, Task)) == (2, tasks)
    later = entry(crew.mine, "onboarding", on=DAY + timedelta(days=90), frm="at_risk")
    assert service.fire_stage_entries(db, [later], lifecycle_first_stage="handover") == 1


def test_a_first_snapshot_fires_only_for_the_first_stage(db: Session, crew: Crew) -> None:
    moves = [entry(crew.mine, "growth", frm=None), entry(crew.theirs, "handover", frm=None)]
    assert service.fire_stage_entries(db, moves, lifecycle_first_stage="handover") == 1
    assert runs_of(db, crew.mine) == []
    assert [r.playbook_key for r in runs_of(db, crew.theirs)] == ["handover"]


def test_a_changed_playbook_affects_only_new_occurrences(db: Session, crew: Crew) -> None:
    service.fire_stage_entries(
        db, [entry(crew.mine, "at_risk", frm="growth")], lifecycle_first_stage="handover"
    )
    body = config_service.default("sop").model_dump(mode="json")
    at_risk = next(p for p in body["playbooks"] if p["key"] == "at_risk")
    at_risk["steps"][0]["title"] = "Call within a day"
    at_risk["steps"][0]["due_days"] = 1
    version = config_service.save(db, "sop", body, "test")
    assert version == 1
    later = DAY + timedelta(days=60)
    service.fire_stage_entries(
        db, [entry(crew.mine, "at_risk", on=later, frm="growth")], lifecycle_first_stage="x"
    )
    old, new = (tasks_of(db, crew.mine)[i] for i in (0, 3))
    assert (old.title, old.due_on) == ("At-risk revisit call", DAY + timedelta(days=3))
    assert (new.title, new.due_on) == ("Call within a day", later + timedelta(days=1))
    assert sorted(r.playbook_version for r in runs_of(db, crew.mine)) == [0, 1]


def test_manager_steps_go_to_the_owners_manager(db: Session, crew: Crew) -> None:
    body = config_service.default("sop").model_dump(mode="json")
    renewal = next(p for p in body["playbooks"] if p["key"] == "renewal")
    renewal["steps"][3]["owner_role"] = "manager"
    config_service.save(db, "sop", body, "test")
    service.fire_stage_entries(
        db,
        [entry(crew.mine, "renewal", frm="maturity"), entry(crew.theirs, "renewal", frm="maturity")],
        lifecycle_first_stage="handover",
    )
    assert [t.assignee_id for t in tasks_of(db, crew.mine)] == [crew.csm.id] * 3 + [crew.manager.id]
    # Without a manager, the owner keeps the step.
    assert [t.assignee_id for t in tasks_of(db, crew.theirs)] == [crew.outsider.id] * 4


def test_unowned_accounts_go_to_the_least_loaded_csm(db: Session, crew: Crew) -> None:
    service.fire_stage_entries(db, [entry(crew.mine, "renewal", frm="maturity")], lifecycle_first_stage="h")
    service.fire_stage_entries(
        db, [entry(crew.theirs, "growth", frm="onboarding")], lifecycle_first_stage="h"
    )
    # Loads now: csm 4 open tasks, outsider 3, mate 0.
    service.fire_stage_entries(
        db, [entry(crew.unowned, "growth", frm="onboarding")], lifecycle_first_stage="h"
    )
    assert {t.assignee_id for t in tasks_of(db, crew.unowned)} == {crew.mate.id}
    again = DAY + timedelta(days=30)
    service.fire_stage_entries(
        db, [entry(crew.unowned, "at_risk", on=again, frm="growth")], lifecycle_first_stage="h"
    )
    # mate now holds 3, outsider 3, csm 4: the tie goes to the lower id (mate was created first).
    assert {t.assignee_id for t in tasks_of(db, crew.unowned, "at_risk")} == {crew.mate.id}


def test_unowned_accounts_go_round_robin_when_configured(db: Session, crew: Crew) -> None:
    body = config_service.default("sop").model_dump(mode="json") | {"assignment": "round_robin"}
    config_service.save(db, "sop", body, "test")
    extra = make_user(db, name="Eve Extra")
    csms = sorted([crew.csm.id, crew.mate.id, crew.outsider.id, extra.id])
    picked = []
    for week in range(5):
        on = DAY + timedelta(days=7 * week)
        service.fire_stage_entries(
            db, [entry(crew.unowned, "at_risk", on=on, frm="growth")], lifecycle_first_stage="h"
        )
        last = max(runs_of(db, crew.unowned), key=lambda r: r.id)
        picked.append(db.scalar(select(Task.assignee_id).where(Task.run_id == last.id).limit(1)))
    assert picked == [*csms, csms[0]]


def test_an_alert_starts_its_playbook_once_per_alert(db: Session, crew: Crew) -> None:
    runs = service.fire_alert(db, crew.mine.id, "usage_drop", "A-17", date(2026, 3, 5))
    assert [(r.playbook_key, r.trigger_ref, r.trigger_kind) for r in runs] == [
        ("usage_swing", "alert:A-17", "alert")
    ]
    assert service.fire_alert(db, crew.mine.id, "usage_drop", "A-17", date(2026, 3, 5)) == []
    assert service.fire_alert(db, crew.mine.id, "no_such_alert", "A-18", date(2026, 3, 5)) == []
    [task] = tasks_of(db, crew.mine)
    assert task.due_on == date(2026, 3, 7)


def test_only_rules_naming_an_enabled_playbook_or_triggering_one_start_playbooks(db: Session) -> None:
    named = {"usage_drop": None, "health_red": "onboarding", "quiet": None, "gone": "no_such_playbook"}
    # usage_swing's trigger is the alert usage_drop; health_red names the onboarding playbook.
    assert sop_service.alert_rules_with_playbooks(db, named) == {"usage_drop", "health_red"}


def test_going_live_during_handover_still_starts_the_onboarding_playbook(db: Session, crew: Crew) -> None:
    # handover -> growth passes over onboarding, whose trigger is marked also_when_passed_over.
    made = service.fire_stage_entries(db, [entry(crew.mine, "growth")], lifecycle_first_stage="handover")
    assert made == 2
    runs = runs_of(db, crew.mine)
    assert sorted((r.playbook_key, r.trigger_ref, r.stage) for r in runs) == [
        ("growth", f"stage:growth:{DAY.isoformat()}", "growth"),
        ("onboarding", f"stage:onboarding:{DAY.isoformat()}", "onboarding"),
    ]
    # Moves out of the contract order (into at-risk, back from it) pass over nothing.
    later = DAY + timedelta(days=40)
    moves = [entry(crew.theirs, "at_risk", on=later), entry(crew.theirs, "maturity", on=later, frm="at_risk")]
    service.fire_stage_entries(db, moves, lifecycle_first_stage="handover")
    assert sorted(r.playbook_key for r in runs_of(db, crew.theirs)) == ["at_risk", "maturity"]


def test_owned_and_unowned_accounts_get_the_same_tasks_apart_from_the_assignee(
    db: Session, crew: Crew
) -> None:
    # Owned accounts' tasks are made in the database (one statement per step), the others row by row.
    moves = [entry(crew.mine, "onboarding"), entry(crew.unowned, "onboarding")]
    service.fire_stage_entries(db, moves, lifecycle_first_stage="handover")
    fields = (
        "step_key",
        "position",
        "title",
        "required",
        "evidence_kind",
        "evidence_rule",
        "due_on",
        "status",
    )
    owned = [tuple(getattr(t, f) for f in fields) for t in tasks_of(db, crew.mine)]
    unowned = [tuple(getattr(t, f) for f in fields) for t in tasks_of(db, crew.unowned)]
    assert len(owned) == 5
    assert owned == unowned
    assert {t.assignee_id for t in tasks_of(db, crew.mine)} == {crew.csm.id}
    [picked] = {t.assignee_id for t in tasks_of(db, crew.unowned)}  # one CSM takes the whole run
    assert picked is not None and picked != crew.csm.id  # the csm already holds the owned account's five
