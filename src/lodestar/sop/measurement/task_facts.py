"""Tasks, their runs and the people behind them as columnar frames: the facts every SOP measure reads.

Each frame comes from one set-based query (measurement/repository.py); account owners come from the accounts
service and people from the auth service. Days are integers (days since 1970-01-01) so comparisons are
vectorised; a task not done carries NO_DAY as its done day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.auth import service as auth_service
from lodestar.auth.models import Role, User
from lodestar.kit.time import day_number
from lodestar.sop.measurement import repository
from lodestar.sop.tasks import repository as tasks_repository
from lodestar.sop.tasks.people import display_names

NO_DAY = 2**40  # "never": later than any due day, so a task not done is never on time
COUNT_COLUMNS = ("on_time", "late", "skipped", "missed", "expired", "due")


def _days(values: pd.Series) -> np.ndarray:
    """Day numbers of a column of dates or ISO date texts (None becomes NO_DAY)."""
    out = np.full(len(values), NO_DAY, dtype=np.int64)
    present = values.notna().to_numpy()
    if present.any():
        stamps = np.array(values[present].tolist(), dtype="datetime64[D]")
        out[present] = stamps.astype(np.int64)
    return out


@dataclass(frozen=True)
class People:
    """Names (with the e-mail where two people share a name), managers and roles of every user, by id."""

    names: dict[int, str]
    managers: dict[int, int | None]
    roles: dict[int, str]

    def team_of(self, user_id: int | None) -> int | None:
        """The manager whose team the user is in (a manager leads their own team)."""
        if user_id is None:
            return None
        if self.roles.get(user_id) == Role.MANAGER.value:
            return user_id
        return self.managers.get(user_id)


def people(session: Session) -> People:
    """Every user's name, manager and role."""
    users = auth_service.list_users(session)
    return People(
        names=display_names(users),
        managers={u.id: u.manager_id for u in users},
        roles={u.id: u.role for u in users},
    )


def accounts(session: Session) -> pd.DataFrame:
    """Every account's owner and tier: `account_id`, `owner_id` (Int64), `tier`."""
    frame = pd.DataFrame(
        accounts_service.owners_and_tiers(session), columns=["account_id", "owner_id", "tier"]
    )
    return frame.assign(
        account_id=frame["account_id"].astype(np.int64), owner_id=frame["owner_id"].astype("Int64")
    )


def visible(session: Session, viewer: User | None) -> ColumnElement[bool] | None:
    """Tasks of accounts the viewer may see, and tasks assigned to people in the viewer's scope."""
    if viewer is None:
        return None
    scope = auth_service.scope_for(session, viewer)
    if scope.owner_ids is None:
        return None
    ids = sorted(scope.owner_ids)
    return tasks_repository.in_scope(accounts_service.ids_owned_by(ids), ids)


def _owners(session: Session, account_ids: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Which of these accounts exist, and each one's owner now (Int64, <NA> for none or unknown)."""
    owners = accounts(session).set_index("account_id")["owner_id"]
    ids = account_ids.to_numpy(dtype=np.int64)
    return np.isin(ids, owners.index.to_numpy()), pd.Series(
        owners.reindex(ids).to_numpy(), index=account_ids.index, dtype="Int64"
    )


def load_tasks(
    session: Session,
    *,
    viewer: User | None = None,
    due_by: date | None = None,
    due_from: date | None = None,
    playbook_key: str | None = None,
    triggered_by: date | None = None,
) -> pd.DataFrame:
    """Tasks with their run's trigger day, stage and tier; day columns `due`, `done`, `triggered`."""
    frame = repository.task_rows(
        session,
        visible=visible(session, viewer),
        due_by=due_by,
        due_from=due_from,
        playbook_key=playbook_key,
        triggered_by=triggered_by,
    )
    known, owner = _owners(session, frame["account_id"])
    frame = frame.assign(owner_id=owner)[known]
    # The CSM the run belongs to: its owner at the trigger, else the account's owner now.
    frame["run_owner_id"] = frame["run_owner_id"].astype("Int64").fillna(frame["owner_id"])
    frame["due"] = _days(frame["due_on"])
    frame["done"] = _days(frame["done_on"])
    frame["expired_day"] = _days(frame["expired_on"])
    frame["triggered"] = _days(frame["triggered_on"])
    frame["required"] = frame["required"].astype(bool)
    for column in ("assignee_id", "owner_id", "touch_id", "run_owner_id"):
        frame[column] = frame[column].astype("Int64")
    return frame


def outcome_columns(frame: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Adds on_time / late / skipped / missed / expired as they stood on `as_of` (work after it does not
    count yet); `owed` is False for a task that expired on or before its due day (left out of every count)."""
    cutoff = day_number(as_of)
    done = (frame["status"] == "done").to_numpy() & (frame["done"].to_numpy() <= cutoff)
    skipped = (frame["status"] == "skipped").to_numpy()
    on_time = done & (frame["done"].to_numpy() <= frame["due"].to_numpy())
    expired = (frame["status"] == "expired").to_numpy() & (
        frame["expired_day"].to_numpy() <= frame["due"].to_numpy()
    )
    return frame.assign(
        on_time=on_time,
        late=done & ~on_time,
        skipped=skipped & ~done,
        missed=~done & ~skipped & ~expired,
        expired=expired,
        owed=~expired,
    )


def required_counts(
    session: Session,
    *,
    as_of: date,
    group: Sequence[str],
    viewer: User | None = None,
    due_by: date | None = None,
    due_from: date | None = None,
    playbook_key: str | None = None,
) -> pd.DataFrame:
    """Required tasks due by `due_by` (default as_of) counted in SQL per group: how each stood on as_of."""
    frame = repository.required_counts(
        session,
        as_of=as_of,
        group=group,
        visible=visible(session, viewer),
        due_by=due_by,
        due_from=due_from,
        playbook_key=playbook_key,
    )
    for column in COUNT_COLUMNS:
        frame[column] = frame[column].fillna(0).astype(np.int64)
    if "due_on" in frame:
        frame["due_day"] = _days(frame["due_on"])
    return frame


def run_frame(session: Session, *, as_of: date, viewer: User | None = None) -> pd.DataFrame:
    """One row per run triggered by as_of: context, required-step attainment, and whether all are due."""
    frame = repository.run_rows(session, as_of=as_of, visible=visible(session, viewer))
    known, owner = _owners(session, frame["account_id"])
    # The CSM the run belongs to: its owner at the trigger, else the account's owner now.
    csm = frame["owner_id"].astype("Int64").fillna(owner)
    frame = frame.drop(columns=["owner_id"]).assign(csm=csm)[known].reset_index(drop=True)
    counts = {c: frame[c].to_numpy(dtype=np.int64) for c in ("on_time", "required", "not_due")}
    with np.errstate(invalid="ignore", divide="ignore"):
        attained = np.where(
            counts["required"] > 0, counts["on_time"] / np.maximum(counts["required"], 1), np.nan
        )
    return frame.assign(
        run_id=frame["run_id"].to_numpy(dtype=np.int64),
        account_id=frame["account_id"].to_numpy(dtype=np.int64),
        triggered=_days(frame["triggered_on"]),
        csm=frame["csm"].astype("Int64"),
        attainment=attained,
        all_due=(counts["not_due"] == 0) & (counts["required"] > 0),
    )


def step_units(
    session: Session, runs: pd.DataFrame, *, as_of: date, playbooks: Sequence[str], viewer: User | None = None
) -> pd.DataFrame:
    """Tasks of these playbooks due by as_of, each with its run's context and whether it was on time."""
    tasks = repository.step_rows(session, as_of=as_of, playbooks=playbooks, visible=visible(session, viewer))
    tasks = tasks.assign(
        run_id=tasks["run_id"].to_numpy(dtype=np.int64),
        on_time=tasks["on_time"].to_numpy(dtype=np.int64) == 1,
    )
    return tasks.merge(runs.drop(columns=["on_time"]), on="run_id", how="inner")
