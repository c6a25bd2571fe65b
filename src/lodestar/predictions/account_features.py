"""The churn model's features beside the snapshot's: the account's profile attributes and custom traits, and
the champion's departure, each joined to a row by account and read as of the row's date.

- **Attributes and traits** (industry, employees, region, plan, funding stage, IT maturity, and every key
  of the account's `traits`, named `trait.KEY`) are typed like any table's columns
  (`modelling/feature_typing.py`: numbers, numbers written as text, yes/no, dates read as an age at the
  row's date, categories with rare levels in "(other)"). The plan is learnt at training and kept with the
  model, so scoring types them the same way. Lodestar keeps no history of an account's profile: they are
  read as they stand, the way a CRM export would give them.
- **The champion's departure**: from the contacts whose role is champion and who have a leaving date on or
  before the row's date — the days since the latest such departure, and whether it was within a year. A
  departure dated after the row's date is not seen, so nothing after a cut-off reaches a row before it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from lodestar.kit.text import Text
from lodestar.predictions.modelling.feature_typing import (
    OTHER,
    RARE_LEVEL,
    ColumnPlan,
    DroppedColumn,
    TypingPlan,
    apply_plan,
    plan_features,
)

ATTRIBUTES = ("industry", "employees", "region", "plan", "funding_stage", "it_maturity")
TRAIT = "trait."
MOST_TRAITS = 100  # more keys than this are rarely traits; the first ones (by name) are read
CHAMPION_LEFT_DAYS = "days_since_champion_left"
CHAMPION_LEFT_YEAR = "champion_left_365d"
YEAR = 365
# A category most of whose accounts hold a value seen fewer than RARE_LEVEL times is a name more than a
# class (a Chinese name field, a contact's title): the trees would learn accounts by heart from it.
MOSTLY_RARE = 0.5


@dataclass(frozen=True)
class AccountTable:
    """The accounts' attributes and traits (one row per account) and the champions' leaving dates."""

    attributes: pd.DataFrame  # account_id, the attributes, trait.KEY columns
    departures: pd.DataFrame  # account_id, left_on (datetime64), sorted by left_on


def _scalar(value: Any) -> Any:
    """A trait value as a cell: nested lists and objects as their text (still a category)."""
    return str(value) if isinstance(value, (dict, list)) else value


def attribute_frame(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """One row per account: account_id, the profile attributes and a `trait.KEY` column per trait key."""
    rows = list(rows)
    base = pd.DataFrame(
        [{k: r.get(k) for k in ("account_id", *ATTRIBUTES)} for r in rows],
        columns=["account_id", *ATTRIBUTES],
    )
    traits: list[dict[str, Any]] = [t if isinstance(t := r.get("traits"), dict) else {} for r in rows]
    keys = sorted({str(k) for t in traits for k in t})[:MOST_TRAITS]
    if keys:
        values = {TRAIT + k: [_scalar(t.get(k)) for t in traits] for k in keys}
        base = pd.concat([base, pd.DataFrame(values, index=base.index, dtype=object)], axis=1)
    return base


def departure_frame(contacts: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """(account_id, left_on) of every champion with a leaving date, by date."""
    left = [
        (c["account_id"], c["left_on"]) for c in contacts if c.get("role") == "champion" and c.get("left_on")
    ]
    frame = pd.DataFrame(left, columns=["account_id", "left_on"])
    frame["account_id"] = frame["account_id"].astype(np.int64)
    frame["left_on"] = pd.to_datetime(frame["left_on"]).astype("datetime64[ns]")
    return frame.sort_values("left_on", kind="stable", ignore_index=True)


def account_table(attributes: Iterable[dict[str, Any]], contacts: Iterable[dict[str, Any]]) -> AccountTable:
    """The account table from the accounts domain's attribute rows and contact rows."""
    return AccountTable(attribute_frame(attributes), departure_frame(contacts))


def plan_attributes(table: AccountTable, taken: Iterable[str] = ()) -> TypingPlan:
    """The typing plan of the attributes and traits (columns the snapshot already has are left to it);
    categories whose values are mostly rare are left out too."""
    plan = plan_features(table.attributes, ["account_id", *taken])
    kept = [c for c in plan.columns if not _mostly_rare(table.attributes[c.name], c)]
    dropped = [
        DroppedColumn(c.name, Text("most values are seen fewer than %(n)s times", n=RARE_LEVEL))
        for c in plan.columns
        if c not in kept
    ]
    return TypingPlan(kept, [*plan.dropped, *dropped])


def _mostly_rare(raw: pd.Series, column: ColumnPlan) -> bool:
    if column.kind != "category":
        return False
    present = raw.dropna().astype(str).str.strip()
    return len(present) > 0 and float(present.isin(set(column.levels) - {OTHER}).mean()) < MOSTLY_RARE


def _rows_key(rows: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": rows["account_id"].to_numpy(np.int64),
            "as_of": pd.to_datetime(rows["as_of"]).astype("datetime64[ns]").to_numpy(),
            "at": np.arange(len(rows)),
        }
    )


def champion_features(rows: pd.DataFrame, departures: pd.DataFrame) -> pd.DataFrame:
    """Per row: days since the account's latest champion departure on or before the row's date (missing
    when none), and whether that was within a year (1/0)."""
    key = _rows_key(rows).sort_values("as_of", kind="stable")
    found = pd.merge_asof(
        key, departures, left_on="as_of", right_on="left_on", by="account_id", direction="backward"
    ).sort_values("at")
    days = ((found["as_of"] - found["left_on"]) / pd.Timedelta(days=1)).to_numpy(dtype=float)
    recent = np.where(np.isnan(days), 0.0, (days <= YEAR).astype(float))
    return pd.DataFrame({CHAMPION_LEFT_DAYS: days, CHAMPION_LEFT_YEAR: recent}, index=rows.index)


EPOCH = pd.Timestamp("1970-01-01")


def _typed_per_row(rows: pd.DataFrame, table: AccountTable, plan: TypingPlan) -> pd.DataFrame:
    """The planned columns typed once per account (not once per row: typing reads cells one by one) and
    taken for each row; a date's age is counted at the row's own date."""
    blank = pd.DataFrame({c: [None] for c in table.attributes.columns})
    accounts = pd.concat([table.attributes, blank], ignore_index=True)  # the last row: an unknown account
    where = pd.Index(table.attributes["account_id"]).get_indexer(rows["account_id"].to_numpy())
    # an unknown account (-1) reads the blank last row: missing numbers, the "(missing)" category
    typed = apply_plan(plan, accounts, EPOCH).iloc[where].reset_index(drop=True)
    typed.index = rows.index
    days = ((pd.to_datetime(rows["as_of"]) - EPOCH) / pd.Timedelta(days=1)).to_numpy(dtype=float)
    for column in (c.name for c in plan.columns if c.kind == "date"):
        typed[column] = typed[column].to_numpy(dtype=float) + days  # (epoch - date) + (as_of - epoch)
    return typed


def with_account_features(
    rows: pd.DataFrame, table: AccountTable, plan: TypingPlan, champion: bool = True
) -> pd.DataFrame:
    """The rows (account_id, as_of, snapshot columns) with the planned attributes and traits and, with
    `champion`, the champion's departure as of each row's date."""
    if rows.empty:
        return rows
    typed = _typed_per_row(rows, table, plan)
    departures = [champion_features(rows, table.departures)] if champion else []
    return pd.concat([rows, typed, *departures], axis=1)
