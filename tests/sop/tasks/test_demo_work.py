"""On the demo company the snapshot run starts the playbooks, the planted touches complete touch steps,
and the simulated CS team handles the rest; some work stays open for the inbox."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from lodestar.demo import generate_demo
from lodestar.demo.sop import simulate_sop_work
from lodestar.pipeline.daily import run_job
from lodestar.settings import load_settings
from lodestar.snapshots.cli import demo_dates
from lodestar.sop.tasks.models import PlaybookRun, Task
from tests.conftest import wipe

TODAY = date(2026, 1, 1)


def _by(engine: Engine, *cols: object) -> dict[tuple[object, ...], int]:
    with Session(engine) as s:
        stmt = select(*cols, func.count()).group_by(*cols)  # type: ignore[call-overload]
        return {tuple(r[:-1]): r[-1] for r in s.execute(stmt)}


def test_the_demo_has_playbook_runs_completed_touch_steps_and_an_inbox(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    wipe(engine)
    data_dir = tmp_path / "demo"
    generate_demo(engine, data_dir, accounts=600, seed=7, today=TODAY)
    run_job(engine, load_settings(data_dir=data_dir, database_url=db_url), demo_dates(TODAY), kind="demo")
    runs = _by(engine, PlaybookRun.playbook_key)
    assert {"handover", "renewal", "maturity", "at_risk"} <= {k for (k,) in runs}
    steps = _by(engine, Task.step_key, Task.status)
    # The planted welcome e-mails (subject "Welcome e-mail") complete the handover step by themselves.
    assert steps.get(("welcome_email", "done"), 0) >= 1
    with Session(engine) as s:
        training = s.scalars(
            select(Task).where(Task.step_key == "targeted_training", Task.status == "done")
        ).all()
        assert len(training) >= 1
        assert all(t.evidence and "Onboarding training" in t.evidence["subject"] for t in training)
        closed = Task.status.not_in(("open", "expired"))  # expired: stages the accounts left since
        assert s.scalar(select(func.count()).where(Task.evidence_kind == "note", closed)) == 0

    work = simulate_sop_work(engine, 7, TODAY)
    assert work["completed"] > 0 and work["skipped"] > 0 and work["left_open"] > 0
    # Steps that follow a just-closed note step (e.g. the value report after the renewal assessment) take
    # the touches made since.
    assert work["touch_completed_after"] > 0
    after = _by(engine, Task.evidence_kind, Task.status)
    assert after[("note", "done")] + after[("checkbox", "done")] == work["completed"]
    assert after[("note", "skipped")] + after[("checkbox", "skipped")] == work["skipped"]
    assert after[("touch", "open")] > 0  # overdue calls and visits wait in the inbox
    with Session(engine) as s:
        skipped = s.scalars(select(Task.skip_reason).where(Task.status == "skipped")).all()
        assert all(reason for reason in skipped)
