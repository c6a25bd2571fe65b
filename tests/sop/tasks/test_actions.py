"""Task actions: evidence rules per kind, touch and metric evidence, skip, reassign, visibility."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.analytics import snapshot_store as store
from lodestar.auth.models import AuditEntry
from lodestar.engagement import service as engagement_service
from lodestar.kit.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lodestar.sop.tasks import service
from lodestar.sop.tasks.schemas import EvidenceIn
from tests.sop.conftest import DAY, Crew, at, entry, tasks_of


@pytest.fixture(autouse=True)
def work_day(monkeypatch: pytest.MonkeyPatch) -> date:
    """Hand-made completions happen the day after DAY (the service takes 'today' from the clock)."""
    monkeypatch.setattr(service, "company_today", lambda: DAY + timedelta(days=1))
    return DAY + timedelta(days=1)


def _start(db: Session, crew: Crew, stage: str = "onboarding", frm: str | None = "handover") -> None:
    service.fire_stage_entries(db, [entry(crew.mine, stage, frm=frm)], lifecycle_first_stage="handover")


def _task(db: Session, crew: Crew, step: str) -> int:
    return next(t.id for t in tasks_of(db, crew.mine) if t.step_key == step)


def _refused(call: object) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInput) as caught:
        call()  # type: ignore[operator]
    return [(p.field, p.message) for p in caught.value.problems]


def test_a_note_step_needs_a_non_empty_note_and_refuses_other_evidence(db: Session, crew: Crew) -> None:
    _start(db, crew)
    task_id = _task(db, crew, "mutual_commitments")
    assert _refused(lambda: service.complete_task(db, crew.csm, task_id, EvidenceIn(note="   "))) == [
        ("evidence.note", "is required: this step needs a non-empty note")
    ]
    assert ("evidence.checkbox", "this step needs a note, not a checkbox") in _refused(
        lambda: service.complete_task(db, crew.csm, task_id, EvidenceIn(checkbox=True))
    )
    done = service.complete_task(db, crew.csm, task_id, EvidenceIn(note="Both sides signed the plan"))
    assert (done.status, done.evidence, done.on_time) == (
        "done",
        {"note": "Both sides signed the plan"},
        True,
    )
    assert done.done_on is not None
    with pytest.raises(Conflict):
        service.complete_task(db, crew.csm, task_id, EvidenceIn(note="again"))
    audit = db.scalars(select(AuditEntry).where(AuditEntry.entity == "tasks")).all()
    assert [(a.action, a.entity_id, a.actor_id) for a in audit] == [("task.complete", task_id, crew.csm.id)]


def test_a_checkbox_step_needs_a_ticked_box(db: Session, crew: Crew) -> None:
    _start(db, crew)
    task_id = _task(db, crew, "tier_sla")
    assert _refused(lambda: service.complete_task(db, crew.csm, task_id, EvidenceIn(checkbox=False))) == [
        ("evidence.checkbox", "must be ticked (true) to complete this step")
    ]
    done = service.complete_task(db, crew.csm, task_id, EvidenceIn(checkbox=True, note="SLA mailed"))
    assert done.evidence == {"checkbox": True, "note": "SLA mailed"}


def test_a_touch_step_refuses_a_note_and_takes_a_fitting_touch(db: Session, crew: Crew) -> None:
    _start(db, crew)
    task_id = _task(db, crew, "targeted_training")
    assert _refused(lambda: service.complete_task(db, crew.csm, task_id, EvidenceIn(note="did it"))) == [
        ("evidence.touch_id", "is required: this step needs a training touch; log the touch")
    ]
    call = engagement_service.import_touches(
        db,
        [
            {
                "account_id": crew.mine.id,
                "kind": "call",
                "occurred_at": at(DAY),
                "subject": "Onboarding training",
            },
            {
                "account_id": crew.theirs.id,
                "kind": "training",
                "occurred_at": at(DAY),
                "subject": "Onboarding training",
            },
        ],
    )
    assert _refused(lambda: service.complete_task(db, crew.csm, task_id, EvidenceIn(touch_id=call[0]))) == [
        ("evidence.touch_id", f"touch {call[0]} is a call touch; this step needs one of: training")
    ]
    assert _refused(lambda: service.complete_task(db, crew.csm, task_id, EvidenceIn(touch_id=call[1]))) == [
        ("evidence.touch_id", f"no touch {call[1]} on this account")
    ]


def test_a_file_step_stores_the_file_under_the_data_folder(db: Session, crew: Crew, tmp_path: Path) -> None:
    _start(db, crew)
    task = tasks_of(db, crew.mine)[1]
    task.evidence_kind, task.evidence_rule = "file", {"kind": "file", "counts_from": DAY.isoformat()}
    db.flush()
    assert _refused(
        lambda: service.complete_task(db, crew.csm, task.id, EvidenceIn(note="x"), data_dir=tmp_path)
    ) == [("evidence.file_name", "is required: this step needs an uploaded file")]
    evidence = EvidenceIn(file_name="../../plan v2.pdf", file_bytes=b"%PDF-1.7 plan")
    done = service.complete_task(db, crew.csm, task.id, evidence, data_dir=tmp_path)
    assert done.evidence == {"file": "plan_v2.pdf", "size": 13, "path": f"evidence/{task.id}/plan_v2.pdf"}
    assert (tmp_path / "evidence" / str(task.id) / "plan_v2.pdf").read_bytes() == b"%PDF-1.7 plan"


def test_matching_touches_complete_touch_steps_from_counts_from_on(
    db: Session, crew: Crew, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        service, "company_today", lambda: DAY + timedelta(days=10)
    )  # the late kickoff is past
    _start(db, crew)  # onboarding on DAY: training counts from DAY - 21, due DAY + 7
    early, fits, wrong, late = engagement_service.import_touches(
        db,
        [
            {"account_id": crew.mine.id, "kind": "training", "occurred_at": at(DAY - timedelta(days=22)),
             "subject": "Onboarding training (targeted)"},
            {"account_id": crew.mine.id, "kind": "training", "occurred_at": at(DAY - timedelta(days=5)),
             "subject": "Onboarding training (targeted)"},
            {"account_id": crew.mine.id, "kind": "training", "occurred_at": at(DAY),
             "subject": "Admin training"},
            {"account_id": crew.mine.id, "kind": "meeting", "occurred_at": at(DAY + timedelta(days=9)),
             "subject": "Kickoff meeting"},
        ],
    )  # fmt: skip
    assert service.match_touches(db) == 2
    by_step = {t.step_key: t for t in tasks_of(db, crew.mine)}
    training, kickoff = by_step["targeted_training"], by_step["kickoff_meeting"]
    assert (training.status, training.touch_id, training.done_on) == ("done", fits, DAY - timedelta(days=5))
    assert training.completed_by is None and training.evidence == {
        "touch_id": fits,
        "kind": "training",
        "subject": "Onboarding training (targeted)",
    }
    # A late kickoff still completes the step, late.
    assert (kickoff.touch_id, kickoff.done_on, kickoff.due_on) == (
        late,
        DAY + timedelta(days=9),
        DAY + timedelta(days=3),
    )
    assert service.get_task(db, crew.csm, kickoff.id).on_time is False
    assert service.match_touches(db) == 0
    # A second onboarding cannot reuse the touch the first one used.
    later = DAY + timedelta(days=10)
    service.fire_stage_entries(
        db, [entry(crew.mine, "onboarding", on=later)], lifecycle_first_stage="handover"
    )
    assert service.match_touches(db) == 0
    del early, wrong


def test_metric_evidence_completes_on_the_first_snapshot_reaching_the_value(
    db: Session, crew: Crew, tmp_path: Path
) -> None:
    _start(db, crew, "growth", frm="onboarding")
    for day, ratio in ((DAY, 0.1), (DAY + timedelta(days=7), 0.35), (DAY + timedelta(days=14), 0.5)):
        store.write(tmp_path, day, pa.table({"account_id": [crew.mine.id], "active_user_ratio_30d": [ratio]}))
    assert service.check_metric_evidence(db, tmp_path, DAY) == 0
    assert service.check_metric_evidence(db, tmp_path, DAY + timedelta(days=7)) == 1
    go_live = service.get_task(db, crew.csm, _task(db, crew, "go_live"))
    assert (go_live.status, go_live.done_on) == ("done", DAY + timedelta(days=7))
    assert go_live.evidence == {"metric": "active_user_ratio_30d", "value": 0.35, "as_of": "2026-03-09"}
    assert _refused(
        lambda: service.complete_task(db, crew.csm, _task(db, crew, "usage_review"), EvidenceIn())
    )


def test_a_metric_step_cannot_be_completed_by_hand(db: Session, crew: Crew) -> None:
    _start(db, crew, "growth", frm="onboarding")
    assert _refused(
        lambda: service.complete_task(db, crew.csm, _task(db, crew, "go_live"), EvidenceIn(checkbox=True))
    ) == [("evidence", "this step is completed by the daily snapshot when active_user_ratio_30d is >= 0.3")]


def test_skipping_needs_a_reason(db: Session, crew: Crew) -> None:
    _start(db, crew)
    task_id = _task(db, crew, "help_docs")
    assert _refused(lambda: service.skip_task(db, crew.csm, task_id, "  ")) == [
        ("reason", "is required: say why the step is skipped")
    ]
    skipped = service.skip_task(db, crew.csm, task_id, "Customer uses the partner's docs")
    assert (skipped.status, skipped.skip_reason, skipped.on_time) == (
        "skipped",
        "Customer uses the partner's docs",
        False,
    )
    with pytest.raises(Conflict):
        service.skip_task(db, crew.csm, task_id, "again")


def test_reassignment_rules_by_role(db: Session, crew: Crew) -> None:
    _start(db, crew)
    task_id = _task(db, crew, "tier_sla")
    moved = service.reassign_task(db, crew.csm, task_id, crew.outsider.id)  # a CSM: any active CSM
    assert (moved.assignee_id, moved.assignee_name) == (crew.outsider.id, "Otto Other")
    with pytest.raises(PermissionDenied):  # no longer the CSM's own task
        service.reassign_task(db, crew.csm, task_id, crew.csm.id)
    assert _refused(lambda: service.reassign_task(db, crew.manager, task_id, crew.outsider.id)) == [
        ("assignee_id", "managers can reassign only within their team")
    ]
    assert service.reassign_task(db, crew.manager, task_id, crew.mate.id).assignee_id == crew.mate.id
    assert _refused(lambda: service.reassign_task(db, crew.admin, task_id, crew.admin.id)) == [
        ("assignee_id", "Ada Admin is not an active CSM or manager")
    ]
    assert _refused(lambda: service.reassign_task(db, crew.admin, task_id, 999_999)) == [
        ("assignee_id", "no user with id 999999")
    ]
    assert service.reassign_task(db, crew.admin, task_id, crew.outsider.id).assignee_id == crew.outsider.id
    actions = db.scalars(select(AuditEntry.changes).where(AuditEntry.action == "task.reassign")).all()
    assert [a["to"] for a in actions] == [crew.outsider.id, crew.mate.id, crew.outsider.id]


def test_visibility_follows_account_scope_and_assignment(db: Session, crew: Crew) -> None:
    _start(db, crew)
    service.fire_stage_entries(db, [entry(crew.theirs, "renewal", frm="maturity")], lifecycle_first_stage="h")
    mine = _task(db, crew, "tier_sla")
    assert service.list_tasks(db, crew.csm, today=DAY)[1] == 5
    assert service.list_tasks(db, crew.manager, today=DAY)[1] == 5
    assert service.list_tasks(db, crew.admin, today=DAY)[1] == 9
    assert service.list_tasks(db, crew.outsider, today=DAY)[1] == 4
    with pytest.raises(NotFound):
        service.get_task(db, crew.outsider, mine)
    with pytest.raises(NotFound):
        service.complete_task(db, crew.outsider, mine, EvidenceIn(checkbox=True))
    service.reassign_task(db, crew.csm, mine, crew.outsider.id)
    assert service.get_task(db, crew.outsider, mine).assignee_id == crew.outsider.id  # assigned: visible


def test_buckets_and_counts_by_due_day(db: Session, crew: Crew) -> None:
    _start(db, crew)  # due DAY+3 kickoff, +5 commitments, +5 tier, +7 training, +10 docs
    today = DAY + timedelta(days=5)

    def keys(bucket: str) -> list[str]:
        return [t.step_key for t in service.list_tasks(db, crew.csm, bucket=bucket, today=today)[0]]  # type: ignore[arg-type]

    assert keys("overdue") == ["kickoff_meeting"]
    assert keys("today") == ["mutual_commitments", "tier_sla"]
    assert keys("upcoming") == ["targeted_training", "help_docs"]
    assert keys("later") == []
    assert service.task_counts(db, crew.csm, today) == {"today": 2, "overdue": 1, "upcoming": 2}
    # Seen two days after the trigger, the docs (due DAY + 10) are more than 7 days out: "later", and the
    # four tabs still add up to every open task.
    early = DAY + timedelta(days=2)
    counts = service.open_counts(db, crew.csm, today=early)
    assert counts == {"overdue": 0, "today": 0, "upcoming": 4, "later": 1}
    assert sum(counts.values()) == service.list_tasks(db, crew.csm, bucket="open", today=early)[1] == 5
    service.complete_task(db, crew.csm, _task(db, crew, "tier_sla"), EvidenceIn(checkbox=True))
    assert keys("done") == ["tier_sla"]
    assert len(keys("all")) == 5
    [row] = service.list_tasks(db, crew.csm, bucket="all", playbook_key="onboarding", stage="onboarding",
                               account_id=crew.mine.id, limit=1, today=today)[0][:1]  # fmt: skip
    assert (row.playbook_name, row.account_name, row.how_to is not None) == ("Onboarding", "Mine Ltd", True)


def test_manual_start_makes_its_own_occurrence_each_time(db: Session, crew: Crew) -> None:
    first = service.start_playbook(db, crew.csm, crew.mine.id, "at_risk", date(2026, 4, 1))
    second = service.start_playbook(db, crew.csm, crew.mine.id, "at_risk", date(2026, 4, 1))
    assert first.id != second.id and first.trigger_kind == "manual" and first.created_by == crew.csm.id
    assert first.trigger_ref.startswith("manual:") and len(tasks_of(db, crew.mine)) == 6
    assert _refused(lambda: service.start_playbook(db, crew.csm, crew.mine.id, "nope")) == [
        ("playbook_key", "unknown playbook 'nope'; known: handover, onboarding, growth, maturity, at_risk, "
         "renewal, usage_swing, win_back_no_usage, win_back_champion_left, win_back_product_gap, "
         "win_back_price_budget, win_back_competitor, win_back_business_closed, win_back_m_and_a, "
         "win_back_service, win_back_other, feature_request_answer")
    ]  # fmt: skip
    with pytest.raises(NotFound):
        service.start_playbook(db, crew.outsider, crew.mine.id, "at_risk")
