"""The demo CS team's handling of SOP steps that no touch proves (notes and checkboxes).

The snapshot job has already started the playbooks and the planted touches have completed the touch steps.
Here CSMs who follow the SOP complete most of the other steps on time, the rest fewer and later, a few
steps are skipped with a reason, and whatever is not yet done stays open for the inbox. Seeded, so the
same demo always gets the same work.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Engine

from lodestar.accounts import service as accounts_service
from lodestar.auth import service as auth_service
from lodestar.db.engine import unit_of_work
from lodestar.demo import catalog, people
from lodestar.demo.world import build_world
from lodestar.sop import service as sop_service

# (share completed, share of those on time, share skipped) for CSMs who follow the SOP and the others.
FOLLOWER = (0.9, 0.85, 0.03)
OTHER = (0.55, 0.45, 0.06)
NOTES = [
    "Done; summary shared with the customer.",
    "Covered with the system owner; notes in the shared folder.",
    "Agreed next steps with the decision maker.",
    "Completed during the weekly call.",
]
SKIP_REASONS = [
    "Customer asked to postpone; agreed a new date.",
    "Covered by the partner's implementation team.",
    "Not relevant for this customer's plan.",
]


def _followers(engine: Engine, seed: int, today: date) -> dict[int, bool]:
    """Which CSM user ids follow the SOP, from the seeded demo world."""
    with unit_of_work(engine) as session:
        n = accounts_service.count_accounts(session)
        price = np.array([float(p) for _, p in catalog.PLANS])
        world = build_world(n, seed, today, price)
        emails = [p["email"] for p in people.team() if p["role"] == "csm"]
        out = {}
        for c, email in enumerate(emails):
            user = auth_service.find_user_by_email(session, email)
            if user is not None:
                out[user.id] = bool(world.sop_csm[c])
    return out


def simulate_sop_work(engine: Engine, seed: int, today: date) -> dict[str, int]:
    """Completes or skips the demo's open note and checkbox tasks as its CSMs would have by today."""
    follows = _followers(engine, seed, today)
    rng = np.random.default_rng([seed, 11])
    with unit_of_work(engine) as session:
        # Expired tasks too: the snapshot run closed them when their stage ended, but work done before that
        # day happened in the stage, so it is replayed here (and replaces the expiry).
        found = sop_service.open_tasks(session, ("note", "checkbox"), with_expired=True)
        rows = sorted(found, key=lambda r: r[0].id)
        values: list[dict[str, Any]] = []
        draws = rng.random((len(rows), 4))
        skipped = 0
        for (task, triggered_on), (u_done, u_time, u_day, u_pick) in zip(rows, draws, strict=True):
            done_share, on_time_share, skip_share = FOLLOWER if follows.get(task.assignee_id or 0) else OTHER
            if triggered_on >= today:
                continue  # started today: nobody has touched it yet
            ended = task.expired_on  # None while the task's stage goes on
            if u_done < skip_share:
                if ended is not None and triggered_on + timedelta(days=1) >= ended:
                    continue  # the stage ended first: it stays expired
                values.append(_skip(task.id, task.assignee_id, triggered_on, u_pick))
                skipped += 1
                continue
            if u_done >= skip_share + done_share:
                continue  # never done: it stays open (overdue or still to come)
            span = (task.due_on - triggered_on).days
            late = u_time >= on_time_share
            offset = span + 1 + int(u_day * 30) if late else int(u_day * (span + 1))
            done_on = triggered_on + timedelta(days=offset)
            if done_on > today or (ended is not None and done_on >= ended):
                continue  # not done yet: still in the inbox (or expired with its stage)
            values.append(_done(task.id, task.assignee_id, task.evidence_kind, done_on, u_pick))
        still_open = {t.id for t, _ in rows if t.status == "open"} - {v["id"] for v in values}
        sop_service.close_many(session, values)
    with unit_of_work(engine) as session:
        # Steps that follow the ones just closed (`after`) can now take the touches made since.
        matched = sop_service.match_touches(session)
    return {
        "completed": len(values) - skipped,
        "skipped": skipped,
        "left_open": len(still_open),
        "touch_completed_after": matched,
    }


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, tzinfo=UTC)  # 10:00 in Asia/Shanghai


def _done(task_id: int, user: int | None, kind: str, day: date, pick: float) -> dict[str, Any]:
    evidence = {"note": NOTES[int(pick * len(NOTES))]} if kind == "note" else {"checkbox": True}
    return {
        "id": task_id,
        "status": "done",
        "done_on": day,
        "completed_at": _at(day),
        "completed_by": user,
        "evidence": evidence,
        "expired_on": None,
    }


def _skip(task_id: int, user: int | None, triggered_on: date, pick: float) -> dict[str, Any]:
    return {
        "id": task_id,
        "status": "skipped",
        "skip_reason": SKIP_REASONS[int(pick * len(SKIP_REASONS))],
        "completed_at": _at(triggered_on + timedelta(days=1)),
        "completed_by": user,
        "expired_on": None,
    }
