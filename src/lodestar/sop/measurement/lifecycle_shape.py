"""Lifecycle shape: where in the lifecycle the team's work goes, named hammer, dumbbell or balanced.

Activities are touches and completed steps (a step completed by a touch counts once, as the touch). Each
is placed in the stage its account was in on that day, from the stage transitions.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

import pandas as pd
from pydantic import BaseModel
from sqlalchemy.orm import Session

from lodestar.auth import service as auth_service
from lodestar.auth.models import User
from lodestar.engagement import service as engagement_service
from lodestar.kit.errors import InvalidInput
from lodestar.lifecycle import service as lifecycle_service
from lodestar.sop.measurement import repository
from lodestar.sop.measurement.task_facts import People, accounts, people

Shape = Literal["hammer", "dumbbell", "balanced", "uneven", "not_enough_data"]
ONBOARDING_SIDE = ("handover", "onboarding")
MIDDLE = ("growth", "maturity", "at_risk")
RENEWAL = ("renewal",)
MIN_ACTIVITIES = 20
SHAPE_RULE = (
    "Shares are of activities (touches and completed steps) placed in the stage the account was in that "
    "day. Hammer (棒槌): onboarding side (handover + onboarding) >= 50%, middle (growth + maturity + "
    "at risk) < 20% and renewal < 15%. Dumbbell (哑铃): onboarding side >= 30%, renewal >= 25% and "
    "middle < 20%. Balanced: otherwise, when the middle holds >= 20%. Uneven: none of these. "
    f"Not enough data: fewer than {MIN_ACTIVITIES} activities."
)


class ShapeRow(BaseModel):
    """One CSM's, team's or tier's spread of work over the lifecycle and its named shape."""

    key: str
    label: str
    touches: int
    steps: int
    unstaged: int  # activities on accounts with no known stage that day (left out of the shares)
    touch_shares: dict[str, float]
    step_shares: dict[str, float]
    shares: dict[str, float]  # of touches and steps together; the shape is named from these
    onboarding_side: float
    middle: float
    renewal: float
    shape: Shape


def name_shape(shares: dict[str, float], activities: int) -> Shape:
    """Names a distribution of activity shares by stage with the stated rule."""
    if activities < MIN_ACTIVITIES:
        return "not_enough_data"
    front = sum(shares.get(s, 0.0) for s in ONBOARDING_SIDE)
    middle = sum(shares.get(s, 0.0) for s in MIDDLE)
    renewal = sum(shares.get(s, 0.0) for s in RENEWAL)
    if front >= 0.5 and middle < 0.2 and renewal < 0.15:
        return "hammer"
    if front >= 0.3 and renewal >= 0.25 and middle < 0.2:
        return "dumbbell"
    if middle >= 0.2:
        return "balanced"
    return "uneven"


def _activities(session: Session, viewer: User | None, first: date, as_of: date) -> pd.DataFrame:
    """Touches and completed steps in [first, as_of]: account, person, day, kind ('touch' or 'step')."""
    start = pd.Timestamp(first, tz="UTC")
    stop = pd.Timestamp(as_of + timedelta(days=1), tz="UTC")
    touches = engagement_service.touches_between(session, start.to_pydatetime(), stop.to_pydatetime())
    steps = repository.done_steps(session, first, as_of)
    cols = ["account_id", "person", "day"]
    t = pd.DataFrame(touches, columns=cols).assign(kind="touch")
    t["day"] = pd.to_datetime(t["day"], utc=True).dt.tz_convert(None).dt.normalize()
    s = pd.DataFrame(steps, columns=cols).assign(kind="step")
    s["day"] = pd.to_datetime(s["day"])
    # Each activity with its account's owner and tier now (activities of unknown accounts are left out).
    frame = pd.concat([t, s], ignore_index=True).merge(
        accounts(session).astype({"owner_id": "object"}), on="account_id", how="inner"
    )
    frame["person"] = frame["person"].fillna(frame["owner_id"]).astype("Int64")
    if viewer is not None:
        scope = auth_service.scope_for(session, viewer)
        if scope.owner_ids is not None:
            ids = list(scope.owner_ids)
            frame = frame[frame["owner_id"].isin(ids) | frame["person"].isin(ids)]
    return frame


def _with_stage(session: Session, frame: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Adds the stage of each activity's account on its day (the last transition on or before it)."""
    rows = lifecycle_service.stage_entries_until(session, as_of)
    moves = pd.DataFrame(rows, columns=["account_id", "day", "stage"])
    moves["day"] = pd.to_datetime(moves["day"])
    moves["account_id"] = moves["account_id"].astype("int64")
    frame = frame.assign(
        account_id=frame["account_id"].astype("int64"), day=frame["day"].astype(moves["day"].dtype)
    )
    merged = pd.merge_asof(
        frame.sort_values("day"), moves.sort_values("day"), on="day", by="account_id", direction="backward"
    )
    return merged


def _key(frame: pd.DataFrame, by: str, who: People) -> pd.Series:
    if by == "csm":
        return frame["person"].map(lambda v: "none" if pd.isna(v) else str(int(v)))
    if by == "team":
        return frame["person"].map(lambda v: str(who.team_of(None if pd.isna(v) else int(v)) or "none"))
    return frame["tier"].fillna("none").astype(str)


def _shares(stages: pd.Series) -> dict[str, float]:
    counts = stages.dropna().value_counts()
    total = int(counts.sum())
    return {str(k): float(v) / total for k, v in counts.items()} if total else {}


def lifecycle_shape(
    session: Session,
    *,
    by: Literal["csm", "team", "tier"],
    as_of: date,
    days: int = 365,
    viewer: User | None = None,
) -> list[ShapeRow]:
    """Each CSM's (team's, tier's) share of touches and completed steps per stage, and the shape's name."""
    if by not in ("csm", "team", "tier"):
        raise InvalidInput.one("by", f"must be one of csm, team, tier, not {by!r}")
    if days < 1:
        raise InvalidInput.one("days", "must be at least 1")
    frame = _activities(session, viewer, as_of - timedelta(days=days - 1), as_of)
    if frame.empty:
        return []
    frame = _with_stage(session, frame, as_of)
    who = people(session)
    frame = frame.assign(key=_key(frame, by, who))
    out = []
    for key, group in frame.groupby("key", sort=True):
        shares = _shares(group["stage"])
        staged = int(group["stage"].notna().sum())
        touches, steps = group[group["kind"] == "touch"], group[group["kind"] == "step"]
        label = str(key)
        if by in ("csm", "team"):
            label = who.names.get(int(key), str(key)) if key != "none" else "Unassigned"
        out.append(
            ShapeRow(
                key=str(key),
                label=label,
                touches=len(touches),
                steps=len(steps),
                unstaged=len(group) - staged,
                touch_shares=_shares(touches["stage"]),
                step_shares=_shares(steps["stage"]),
                shares=shares,
                onboarding_side=sum(shares.get(s, 0.0) for s in ONBOARDING_SIDE),
                middle=sum(shares.get(s, 0.0) for s in MIDDLE),
                renewal=sum(shares.get(s, 0.0) for s in RENEWAL),
                shape=name_shape(shares, staged),
            )
        )
    return out
