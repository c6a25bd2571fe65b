"""Lifecycle shape: where in the lifecycle the team's work goes, named hammer, dumbbell or balanced.

Activities are touches and completed steps (a step completed by a touch counts once, as the touch). Each
is placed in the stage its account was in on that day, from the stage transitions. A portfolio spends most
of its account-days in the middle of the lifecycle, so raw shares of activity look alike for everyone; the
shape is named from intensities instead: activities per 30 account-days spent in each part of the lifecycle
(the exposure, from the same transitions), compared with the middle's.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

import numpy as np
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
PARTS = {**dict.fromkeys(ONBOARDING_SIDE, "front"), **dict.fromkeys(MIDDLE, "middle"), "renewal": "renewal"}
MIN_ACTIVITIES = 20
MIN_EXPOSURE_DAYS = 14  # account-days a part needs before its intensity is read (two weeks of one account)
HEAVY_FRONT = 4.0  # hammer: the onboarding side at least this many times as intense as the middle
HEAVY_ENDS = 2.0  # dumbbell: both ends at least this many times as intense as the middle
SHAPE_RULE = (
    "Intensity = activities (touches and completed steps) per 30 account-days the accounts spent in a part "
    "of the lifecycle: the onboarding side (handover + onboarding), the middle (growth + maturity + at "
    "risk) and renewal. Hammer: the onboarding side at least 4 times as intense as the middle, renewal less "
    "than 2 times. Dumbbell: the onboarding side and renewal both at least 2 times as intense as the middle. "
    "Uneven: renewal at least 2 times as intense as the middle, the onboarding side not. Balanced: "
    "otherwise. Not enough data: fewer than 20 activities, or fewer than 14 account-days in a part."
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
    # Activities per 30 account-days in each part (None: too little exposure to say).
    intensity: dict[str, float | None]
    shape: Shape


def name_shape(intensity: dict[str, float | None], activities: int) -> Shape:
    """Names a spread of work from the intensities of the parts of the lifecycle, with the stated rule."""
    front, middle, renewal = (intensity.get(p) for p in ("front", "middle", "renewal"))
    if activities < MIN_ACTIVITIES or front is None or middle is None or renewal is None:
        return "not_enough_data"
    base = max(middle, 1e-9)
    front_x, renewal_x = front / base, renewal / base
    if front_x >= HEAVY_ENDS and renewal_x >= HEAVY_ENDS:
        return "dumbbell"
    if front_x >= HEAVY_FRONT:
        return "hammer"
    if renewal_x >= HEAVY_ENDS:
        return "uneven"
    return "balanced"


def _exposure(session: Session, first: date, as_of: date) -> pd.DataFrame:
    """Account-days each account spent in each part of the lifecycle within [first, as_of]."""
    moves = pd.DataFrame(
        lifecycle_service.stage_entries_until(session, as_of), columns=["account_id", "day", "stage"]
    )
    moves["day"] = pd.to_datetime(moves["day"])
    moves = moves.sort_values(["account_id", "day"], kind="stable")
    stop = pd.Timestamp(as_of + timedelta(days=1))
    ends = moves.groupby("account_id")["day"].shift(-1).fillna(stop)
    days = (ends.clip(upper=stop) - moves["day"].clip(lower=pd.Timestamp(first))).dt.days.clip(lower=0)
    out = moves.assign(days=days.to_numpy(), part=moves["stage"].map(PARTS))
    return out.dropna(subset=["part"]).groupby(["account_id", "part"], as_index=False)["days"].sum()


def _intensity(activity: pd.Series, exposure: pd.Series) -> dict[str, float | None]:
    """Activities per 30 account-days per part; None where the part has too little exposure."""
    out: dict[str, float | None] = {}
    for part in ("front", "middle", "renewal"):
        days = float(exposure.get(part, 0.0))
        out[part] = 30.0 * float(activity.get(part, 0)) / days if days >= MIN_EXPOSURE_DAYS else None
    return out


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
    first = as_of - timedelta(days=days - 1)
    frame = _activities(session, viewer, first, as_of)
    if frame.empty:
        return []
    frame = _with_stage(session, frame, as_of)
    who = people(session)
    frame = frame.assign(key=_key(frame, by, who), part=frame["stage"].map(PARTS))
    # Exposure goes with the accounts' owners (or tiers): the people whose work the activities are.
    owned = accounts(session)
    exposed = _exposure(session, first, as_of).merge(owned, on="account_id", how="inner")
    exposed = exposed.assign(person=exposed["owner_id"])
    exposed = exposed.assign(key=_key(exposed, by, who)).groupby(["key", "part"])["days"].sum()
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
                intensity=(intensity := _intensity(group["part"].value_counts(), _of(exposed, key))),
                shape=name_shape(intensity, staged),
            )
        )
    return out


def _of(exposed: pd.Series, key: object) -> pd.Series:
    """One group's account-days per part (empty when it owns no staged account)."""
    if key in exposed.index.get_level_values(0):
        return exposed.xs(key, level=0)
    return pd.Series(dtype=np.float64)
