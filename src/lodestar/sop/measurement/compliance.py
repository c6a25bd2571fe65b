"""Compliance (检核): SOP attainment rate = required steps done on time / required steps due.

A task is due when its due day is on or before the period end (or the as-of date). Late, skipped and open
overdue tasks count as due and not on time; optional steps and tasks not yet due are left out. A task that
expired (its account left the stage) on or before its due day was never owed: it is counted as expired and
left out of `due`; one that expired after its due day was owed and not done, so it counts as missed.
Periods group tasks by their due day; the period holding the as-of date is partial.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel
from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.auth.models import User
from lodestar.kit.errors import InvalidInput
from lodestar.kit.time import day_number, from_day_number
from lodestar.sop.measurement.task_facts import (
    COUNT_COLUMNS,
    People,
    load_tasks,
    outcome_columns,
    people,
    required_counts,
)

Dimension = Literal["csm", "team", "playbook", "step", "tier", "period"]
Period = Literal["week", "month"]
DIMENSIONS: tuple[Dimension, ...] = ("csm", "team", "playbook", "step", "tier", "period")
NONE_KEY = "none"  # the key of tasks with no assignee / team / tier


class AttainmentRow(BaseModel):
    """Attainment of one group: how many required tasks were due, and how they ended."""

    key: str
    label: str
    due: int
    on_time: int
    late: int
    skipped: int
    missed: int  # still open after its due day (or expired after it)
    expired: int = 0  # expired on or before its due day: left out of `due` and of the rate
    rate: float | None  # on_time / due; None when nothing was due


class TrendPoint(BaseModel):
    """Attainment of one group in one period."""

    period_start: date
    key: str
    label: str
    rate: float | None
    due: int
    partial: bool = False  # the period holding the as-of date: not over yet


class MissedTask(BaseModel):
    """A required task that was not done on time, for drill-down."""

    task_id: int
    account_id: int
    account_name: str
    playbook_key: str
    step_key: str
    title: str
    assignee_id: int | None
    assignee_name: str | None
    due_on: date
    status: str
    done_on: date | None
    reason: Literal["late", "skipped", "missed"]


def _period_starts(due: np.ndarray, period: Period) -> np.ndarray:
    """The first day (day number) of the week (Monday) or month of each due day."""
    days = due.astype("datetime64[D]")
    if period == "month":
        return days.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    # 1970-01-01 was a Thursday: shift so weeks start on Monday.
    return ((due + 3) // 7) * 7 - 3


def _last_day_of_period(day: date, period: Period) -> bool:
    """Whether a day closes its week (Sunday) or month: a period ending on the as-of date is whole."""
    if period == "week":
        return day.weekday() == 6
    return (day + timedelta(days=1)).day == 1


def _keys(frame: pd.DataFrame, by: Dimension, who: People, period: Period) -> pd.Series:
    """The group key of every task for one dimension."""
    if by == "csm":
        return frame["assignee_id"].map(lambda v: NONE_KEY if pd.isna(v) else str(int(v)))
    if by == "team":
        teams = [who.team_of(None if pd.isna(v) else int(v)) for v in frame["assignee_id"]]
        return pd.Series([NONE_KEY if t is None else str(t) for t in teams], index=frame.index)
    if by == "playbook":
        return frame["playbook_key"].astype(str)
    if by == "step":
        return frame["playbook_key"].astype(str) + "/" + frame["step_key"].astype(str)
    if by == "tier":
        return frame["tier"].fillna(NONE_KEY).astype(str)
    starts = _period_starts(frame["due_day"].to_numpy(), period)
    return pd.Series([from_day_number(int(s)).isoformat() for s in starts], index=frame.index)


def _labels(frame: pd.DataFrame, keys: pd.Series, by: Dimension, who: People) -> dict[str, str]:
    """A readable label for every key."""
    if by in ("csm", "team"):
        out = {k: who.names.get(int(k), k) for k in keys.unique() if k != NONE_KEY}
        out[NONE_KEY] = "Unassigned" if by == "csm" else "No team"
        return out
    if by == "step":
        titles = frame.assign(key=keys).groupby("key")["title"].max()
        return {str(k): str(v) for k, v in titles.items()}
    if by == "tier":
        return {k: ("No tier" if k == NONE_KEY else k) for k in keys.unique()}
    return {k: k for k in keys.unique()}


def _required_due(frame: pd.DataFrame, as_of: date) -> pd.DataFrame:
    counted = outcome_columns(frame[frame["required"]], as_of)
    return counted[counted["owed"].to_numpy(dtype=bool)]


def _summarise(frame: pd.DataFrame, group: list[str]) -> pd.DataFrame:
    return frame.groupby(group, sort=False)[list(COUNT_COLUMNS)].sum().reset_index()


SQL_GROUPS: dict[str, list[str]] = {
    "csm": ["assignee_id"],
    "team": ["assignee_id"],
    "playbook": ["playbook_key"],
    "step": ["playbook_key", "step_key"],
    "tier": ["tier"],
    "period": ["due_on"],
}


def _check(by: str, allowed: tuple[str, ...], field: str = "by") -> None:
    if by not in allowed:
        raise InvalidInput.one(field, f"must be one of {', '.join(allowed)}, not {by!r}")


def attainment(
    session: Session,
    *,
    by: Dimension,
    as_of: date,
    start: date | None = None,
    end: date | None = None,
    period: Period = "month",
    viewer: User | None = None,
    playbook_key: str | None = None,
) -> list[AttainmentRow]:
    """Attainment per group of one dimension, over tasks due in [start, min(end, as_of)], worst first."""
    _check(by, DIMENSIONS)
    _check(period, ("week", "month"), "period")
    last = min(end, as_of) if end else as_of
    if start and start > last:
        raise InvalidInput.one("start", f"{start} is after the end of the range ({last})")
    frame = required_counts(
        session,
        as_of=as_of,
        group=SQL_GROUPS[by],
        viewer=viewer,
        due_by=last,
        due_from=start,
        playbook_key=playbook_key,
    )
    who = people(session)
    keys = _keys(frame, by, who, period)
    labels = _labels(frame, keys, by, who)
    table = _summarise(frame.assign(key=keys), ["key"])
    rows = [
        AttainmentRow(
            key=str(r.key),
            label=labels.get(str(r.key), str(r.key)),
            due=int(r.due),
            on_time=int(r.on_time),
            late=int(r.late),
            skipped=int(r.skipped),
            missed=int(r.missed),
            expired=int(r.expired),
            rate=float(r.on_time) / float(r.due) if r.due else None,
        )
        for r in table.itertuples()
    ]
    if by == "period":
        return sorted(rows, key=lambda r: r.key)
    return sorted(rows, key=lambda r: (r.rate if r.rate is not None else 2.0, r.label))


def attainment_trend(
    session: Session,
    *,
    as_of: date,
    by: Literal["csm", "team"] = "csm",
    period: Period = "week",
    periods: int = 12,
    viewer: User | None = None,
    playbook_key: str | None = None,
) -> list[TrendPoint]:
    """Attainment of each CSM (or team) in each of the last `periods` weeks or months up to as_of."""
    _check(by, ("csm", "team"))
    _check(period, ("week", "month"), "period")
    if periods < 1:
        raise InvalidInput.one("periods", "must be at least 1")
    frame = required_counts(
        session, as_of=as_of, group=["due_on", "assignee_id"], viewer=viewer, playbook_key=playbook_key
    )
    who = people(session)
    frame = frame.assign(
        key=_keys(frame, by, who, period), start=_period_starts(frame["due_day"].to_numpy(), period)
    )
    firsts = sorted(frame["start"].unique())[-periods:]
    frame = frame[frame["start"].isin(firsts)]
    labels = _labels(frame, frame["key"], by, who)
    table = _summarise(frame, ["start", "key"]).sort_values(["start", "key"])
    current = int(_period_starts(np.array([day_number(as_of)]), period)[0])
    return [
        TrendPoint(
            period_start=from_day_number(int(r.start)),
            key=str(r.key),
            label=labels.get(str(r.key), str(r.key)),
            rate=float(r.on_time) / float(r.due) if r.due else None,
            due=int(r.due),
            partial=int(r.start) == current and not _last_day_of_period(as_of, period),
        )
        for r in table.itertuples()
    ]


def missed_tasks(
    session: Session,
    viewer: User | None,
    *,
    as_of: date,
    by: Dimension,
    key: str,
    start: date | None = None,
    end: date | None = None,
    period: Period = "month",
    playbook_key: str | None = None,
    limit: int = 100,
) -> list[MissedTask]:
    """The required tasks of one group that were not done on time (the rows behind its rate), oldest first."""
    _check(by, DIMENSIONS)
    last = min(end, as_of) if end else as_of
    frame = _required_due(
        load_tasks(session, viewer=viewer, due_by=last, due_from=start, playbook_key=playbook_key), as_of
    )
    who = people(session)
    frame = frame.assign(due_day=frame["due"])
    frame = frame[(_keys(frame, by, who, period) == key).to_numpy() & ~frame["on_time"].to_numpy()]
    frame = frame.sort_values(["due_on", "task_id"]).head(max(limit, 0))
    wanted = [int(a) for a in frame["account_id"]]
    names = accounts_service.account_names(session, wanted)
    out = []
    for r in frame.itertuples():
        assignee = None if pd.isna(r.assignee_id) else int(r.assignee_id)
        reason: Literal["late", "skipped", "missed"] = (
            "late" if r.late else "skipped" if r.skipped else "missed"
        )
        out.append(
            MissedTask(
                task_id=int(r.task_id),
                account_id=int(r.account_id),
                account_name=names.get(int(r.account_id), ""),
                playbook_key=str(r.playbook_key),
                step_key=str(r.step_key),
                title=str(r.title),
                assignee_id=assignee,
                assignee_name=who.names.get(assignee) if assignee is not None else None,
                due_on=r.due_on,
                status=str(r.status),
                done_on=r.done_on if reason == "late" else None,
                reason=reason,
            )
        )
    return out
