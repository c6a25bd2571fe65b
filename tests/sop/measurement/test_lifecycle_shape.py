"""Lifecycle shape: the stated rule on hand-made distributions, and stage placement of real activities."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from lodestar.auth.models import Role
from lodestar.db.bulk import insert_returning_ids
from lodestar.engagement.models import Touch
from lodestar.kit.errors import InvalidInput
from lodestar.lifecycle.models import StageTransition
from lodestar.sop.measurement.lifecycle_shape import SHAPE_RULE, lifecycle_shape, name_shape
from lodestar.sop.tasks.models import Task
from tests.factories import make_user
from tests.sop.measurement import handmade as hand


@pytest.mark.parametrize(
    ("intensity", "expected"),
    [
        ({"front": 4.0, "middle": 1.0, "renewal": 1.0}, "hammer"),
        ({"front": 8.0, "middle": 1.0, "renewal": 1.9}, "hammer"),
        ({"front": 3.9, "middle": 1.0, "renewal": 1.0}, "balanced"),  # heavy, not four times
        ({"front": 2.0, "middle": 1.0, "renewal": 2.0}, "dumbbell"),
        ({"front": 5.0, "middle": 1.0, "renewal": 3.0}, "dumbbell"),  # both ends: not a hammer
        ({"front": 1.0, "middle": 1.0, "renewal": 2.5}, "uneven"),
        ({"front": 1.0, "middle": 1.0, "renewal": 1.0}, "balanced"),
        ({"front": 9.0, "middle": 0.0, "renewal": 0.0}, "hammer"),  # nothing in the middle at all
        ({"front": None, "middle": 1.0, "renewal": 1.0}, "not_enough_data"),  # no exposure to read
    ],
)
def test_the_rule_names_each_spread_of_intensities(intensity: dict[str, float | None], expected: str) -> None:
    assert name_shape(intensity, 20) == expected


def test_under_twenty_activities_there_is_not_enough_data() -> None:
    assert name_shape({"front": 9.0, "middle": 1.0, "renewal": 1.0}, 19) == "not_enough_data"
    assert "20" in SHAPE_RULE and "Hammer" in SHAPE_RULE
    assert all(
        ord(c) < 0x2E80 for c in SHAPE_RULE
    )  # an English text: the names in Chinese are the catalogue's


def _at(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 10, tzinfo=UTC)


def test_touches_and_steps_fall_in_the_stage_the_account_was_in_that_day(db) -> None:
    ann = make_user(db, Role.CSM, name="Ann")
    bob = make_user(db, Role.CSM, name="Bob")
    a1, a2 = hand.accounts(db, [ann.id, bob.id], ["ka", "smb"])
    start = date(2025, 1, 1)
    moves = [(a1, start, "onboarding"), (a1, start + timedelta(days=60), "growth")]
    moves += [(a1, start + timedelta(days=300), "renewal"), (a2, start, "onboarding")]
    insert_returning_ids(
        db,
        StageTransition,
        [{"account_id": a, "on": d, "from_stage": None, "to_stage": s} for a, d, s in moves],
    )
    touches = [(a1, start + timedelta(days=d), ann.id) for d in range(0, 30)]  # 30 in onboarding
    touches += [(a1, start + timedelta(days=d), ann.id) for d in range(100, 110)]  # 10 in growth
    touches += [(a1, start + timedelta(days=d), ann.id) for d in range(310, 330)]  # 20 in renewal
    touches += [(a2, start + timedelta(days=d), bob.id) for d in range(0, 25)]  # 25, all onboarding
    touches += [(a2, start - timedelta(days=5), bob.id)]  # before any known stage
    touch_ids = insert_returning_ids(
        db,
        Touch,
        [{"account_id": a, "user_id": u, "kind": "call", "occurred_at": _at(d)} for a, d, u in touches],
    )
    run = hand.run(db, a1, "growth", start + timedelta(days=60), stage="growth", owner_id=ann.id)
    for i in range(5):  # five steps done in growth
        hand.task(
            db,
            run,
            a1,
            "growth",
            f"s{i}",
            start + timedelta(days=70),
            status="done",
            done_on=start + timedelta(days=65 + i),
            assignee_id=ann.id,
        )
    by_touch = hand.task(
        db,
        run,
        a1,
        "growth",
        "call",
        start + timedelta(days=70),
        status="done",
        done_on=start + timedelta(days=100),
        assignee_id=ann.id,
    )
    db.execute(update(Task).where(Task.id == by_touch).values(touch_id=touch_ids[30]))  # counted as the touch
    db.commit()
    as_of = start + timedelta(days=364)
    rows = {r.label: r for r in lifecycle_shape(db, by="csm", as_of=as_of, days=400)}
    a = rows["Ann"]
    assert (a.touches, a.steps, a.unstaged) == (60, 5, 0)
    assert a.touch_shares == pytest.approx({"onboarding": 0.5, "growth": 1 / 6, "renewal": 1 / 3})
    assert a.step_shares == {"growth": 1.0}
    assert a.shares == pytest.approx({"onboarding": 30 / 65, "growth": 15 / 65, "renewal": 20 / 65})
    assert a.middle == pytest.approx(15 / 65)
    # Shares say "balanced" (the middle holds 23%), but Ann's accounts spent 60 days in onboarding, 240 in
    # growth and 65 in renewal: per 30 account-days, 15 activities, 1.875 and 9.2 — both ends far busier.
    assert a.intensity == pytest.approx(
        {"front": 30 * 30 / 60, "middle": 15 * 30 / 240, "renewal": 20 * 30 / 65}
    )
    assert a.shape == "dumbbell"
    b = rows["Bob"]
    assert (b.touches, b.unstaged, b.onboarding_side) == (26, 1, 1.0)
    # Bob's account never left onboarding: no middle to compare with.
    assert (b.intensity["middle"], b.shape) == (None, "not_enough_data")
    tiers = {r.key: r.shape for r in lifecycle_shape(db, by="tier", as_of=as_of, days=400)}
    assert tiers == {"ka": "dumbbell", "smb": "not_enough_data"}
    assert [r.label for r in lifecycle_shape(db, by="csm", as_of=as_of, viewer=bob)] == ["Bob"]
    with pytest.raises(InvalidInput):
        lifecycle_shape(db, by="region", as_of=start)  # type: ignore[arg-type]
