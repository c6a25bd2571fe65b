"""What top performers do differently: the top quartile of CSMs by their accounts' health vs the rest."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from lodestar.auth.models import Role
from lodestar.kit.errors import InvalidInput
from lodestar.sop.measurement.top_performers import top_performers
from tests.factories import make_user
from tests.sop.measurement import handmade as hand

START = date(2025, 10, 1)


def test_the_step_that_sets_the_best_csms_apart_comes_first(db, tmp_path) -> None:
    csms = [make_user(db, Role.CSM, name=f"CSM {i}") for i in range(8)]
    health: dict[int, float] = {}
    for i, csm in enumerate(csms):
        top = i < 2  # CSMs 0 and 1 have the healthiest accounts and always train on time, early
        ids = hand.accounts(db, [csm.id] * 6)
        for j, account in enumerate(ids):
            health[account] = (0.9 if top else 0.4) - 0.01 * j
            run = hand.run(db, account, "onboarding", START, owner_id=csm.id)
            train_done = START + timedelta(days=3 if top else 10)
            hand.task(
                db,
                run,
                account,
                "onboarding",
                "training",
                START + timedelta(days=7),
                status="done",
                done_on=train_done,
                assignee_id=csm.id,
            )
            # Everyone sends the welcome e-mail on time in 4 of 6 accounts.
            hand.task(
                db,
                run,
                account,
                "onboarding",
                "welcome",
                START + timedelta(days=2),
                status="done" if j < 4 else "open",
                done_on=START + timedelta(days=1) if j < 4 else None,
                assignee_id=csm.id,
            )
    db.commit()
    hand.snapshot(tmp_path, START + timedelta(days=60), health)
    report = top_performers(db, tmp_path, as_of=START + timedelta(days=60))
    assert [c.name for c in report.csms if c.top] == ["CSM 0", "CSM 1"]
    assert report.csms[0].mean == pytest.approx(100 * (0.9 - 0.025)) and report.csms[0].accounts == 6
    first, second = report.steps
    assert (first.step_key, first.top_on_time_rate, first.rest_on_time_rate, first.gap) == (
        "training",
        1.0,
        0.0,
        1.0,
    )
    assert (first.top_median_days, first.rest_median_days) == (3.0, 10.0)
    assert (first.top_due, first.rest_due) == (12, 36)
    assert second.step_key == "welcome" and second.gap == pytest.approx(0.0)
    assert second.top_on_time_rate == pytest.approx(4 / 6)
    with pytest.raises(InvalidInput) as err:
        top_performers(db, tmp_path, as_of=START + timedelta(days=60), measure="shoe_size")
    assert err.value.problems[0].field == "measure"


def test_without_a_snapshot_nobody_is_ranked(db, tmp_path) -> None:
    report = top_performers(db, tmp_path, as_of=START)
    assert (report.snapshot_on, report.csms, report.steps) == (None, [], [])
