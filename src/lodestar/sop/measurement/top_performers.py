"""What top performers do differently: the steps and timings that set apart the CSMs whose accounts do best.

CSMs are ranked by the mean of a snapshot measure (health score by default) over the accounts they own in
the latest snapshot on or before the as-of date. The top quartile is compared with the rest, step by step:
the share of tasks done on time, and the median days from the trigger to the work.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel
from sqlalchemy.orm import Session

from lodestar.analytics import snapshot_store as store
from lodestar.auth import service as auth_service
from lodestar.auth.models import User
from lodestar.kit.errors import InvalidInput
from lodestar.kit.time import day_number
from lodestar.sop.measurement.task_facts import accounts, load_tasks, outcome_columns, people

MIN_ACCOUNTS = 5  # a CSM with fewer measured accounts is not ranked


class RankedCsm(BaseModel):
    """A CSM, their rank (1 = best), how many of their accounts were measured, and the mean measure."""

    rank: int
    csm_id: int
    name: str
    accounts: int
    mean: float
    top: bool


class StepDifference(BaseModel):
    """How the top quartile and the rest carry out one step."""

    playbook_key: str
    step_key: str
    title: str
    top_due: int
    rest_due: int
    top_on_time_rate: float | None
    rest_on_time_rate: float | None
    gap: float | None  # top minus rest, in on-time share
    top_median_days: float | None  # trigger to done, done tasks only (work before the trigger: 0 days)
    rest_median_days: float | None
    top_done_before_trigger: int = 0  # done in the step's look-back window, before the trigger day
    rest_done_before_trigger: int = 0


class PerformersReport(BaseModel):
    """The ranking and the step differences, largest gap first."""

    as_of: date
    measure: str
    snapshot_on: date | None
    ranked: int  # CSMs ranked in all; `csms` holds only those whose accounts the viewer may see
    csms: list[RankedCsm]
    steps: list[StepDifference]


def _ranking(
    session: Session, snapshot_root: Path, as_of: date, measure: str
) -> tuple[date | None, pd.DataFrame]:
    """Mean measure per owning CSM in the latest snapshot on or before as_of."""
    on = next((d for d in reversed(store.dates(snapshot_root)) if d <= as_of), None)
    empty = pd.DataFrame({"csm": [], "accounts": [], "mean": []})
    if on is None:
        return None, empty
    table = store.read(snapshot_root, on)
    if table is None or measure not in table.column_names:
        raise InvalidInput.one("measure", f"the {on} snapshot has no column {measure!r}")
    values = pd.DataFrame(
        {
            "account_id": table.column("account_id").to_numpy(),
            "value": table.column(measure).cast("float64").fill_null(np.nan).to_numpy(),
        }
    )
    owned = accounts(session).dropna(subset=["owner_id"])
    owners = pd.DataFrame(
        {"account_id": owned["account_id"].to_numpy(), "csm": owned["owner_id"].to_numpy(dtype=np.int64)}
    )
    merged = owners.merge(values.dropna(), on="account_id")
    ranking = merged.groupby("csm").agg(accounts=("value", "size"), mean=("value", "mean")).reset_index()
    return on, ranking[ranking["accounts"] >= MIN_ACCOUNTS].sort_values("mean", ascending=False)


def _rate(group: pd.DataFrame) -> float | None:
    return float(group["on_time"].mean()) if len(group) else None


def _done_by(group: pd.DataFrame, cutoff: int) -> pd.DataFrame:
    return group[(group["status"] == "done") & (group["done"] <= cutoff)]


def _median_days(group: pd.DataFrame, cutoff: int) -> float | None:
    """Median days from the trigger to the work. The trigger is the snapshot that saw the stage entry, and a
    step's `counts_from_days` lets work done shortly before it count (a touch between the real entry and the
    snapshot): that work was done when the trigger came, so it takes 0 days rather than a negative count."""
    done = _done_by(group, cutoff)
    if not len(done):
        return None
    return float(np.median(np.maximum(done["done"] - done["triggered"], 0)))


def _done_before_trigger(group: pd.DataFrame, cutoff: int) -> int:
    done = _done_by(group, cutoff)
    return int((done["done"] < done["triggered"]).sum())


def top_performers(
    session: Session,
    snapshot_root: Path,
    *,
    as_of: date,
    measure: str = "score",
    playbook_key: str | None = None,
    viewer: User | None = None,
) -> PerformersReport:
    """The steps whose on-time share differs most between the top quartile of CSMs and the rest."""
    snapshot_on, ranking = _ranking(session, snapshot_root, as_of, measure)
    names = people(session).names
    top_count = math.ceil(len(ranking) / 4)
    top_ids = set(ranking["csm"].head(top_count).astype(int))
    # The quartiles are drawn over everyone; the rows shown, over the viewer's scope only (a CSM sees
    # their own figures and rank, a manager their team's): other people's figures are theirs.
    scope = auth_service.scope_for(session, viewer) if viewer is not None else None
    csms = [
        RankedCsm(
            rank=rank,
            csm_id=int(r.csm),
            name=names.get(int(r.csm), ""),
            accounts=int(r.accounts),
            mean=float(r.mean),
            top=int(r.csm) in top_ids,
        )
        for rank, r in enumerate(ranking.itertuples(), start=1)
        if scope is None or scope.allows_owner(int(r.csm))
    ]
    ranked = set(ranking["csm"].astype(int))
    frame = outcome_columns(
        load_tasks(session, viewer=viewer, due_by=as_of, playbook_key=playbook_key), as_of
    )
    frame = frame[frame["assignee_id"].isin(ranked).to_numpy() & frame["owed"].to_numpy(dtype=bool)]
    frame = frame.assign(top=frame["assignee_id"].isin(top_ids).to_numpy(dtype=bool))
    cutoff = day_number(as_of)
    steps = []
    for (pk, sk), group in frame.groupby(["playbook_key", "step_key"], sort=True):
        top, rest = group[group["top"]], group[~group["top"]]
        top_rate, rest_rate = _rate(top), _rate(rest)
        steps.append(
            StepDifference(
                playbook_key=str(pk),
                step_key=str(sk),
                title=str(group.sort_values("task_id")["title"].iloc[-1]),
                top_due=len(top),
                rest_due=len(rest),
                top_on_time_rate=top_rate,
                rest_on_time_rate=rest_rate,
                gap=top_rate - rest_rate if top_rate is not None and rest_rate is not None else None,
                top_median_days=_median_days(top, cutoff),
                rest_median_days=_median_days(rest, cutoff),
                top_done_before_trigger=_done_before_trigger(top, cutoff),
                rest_done_before_trigger=_done_before_trigger(rest, cutoff),
            )
        )
    steps.sort(key=lambda s: -abs(s.gap) if s.gap is not None else 1.0)
    return PerformersReport(
        as_of=as_of, measure=measure, snapshot_on=snapshot_on, ranked=len(ranking), csms=csms, steps=steps
    )
