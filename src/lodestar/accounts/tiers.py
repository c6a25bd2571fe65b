"""Tiers and service levels (分层分类): rules on ARR, employees, industry and plan; pinned tiers win."""

from __future__ import annotations

from typing import Any, Literal, Self

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Sla(_Strict):
    """Service-level targets in hours."""

    first_response_hours: float = Field(gt=0)
    resolution_hours: float = Field(gt=0)


class Cadence(_Strict):
    """How often the CSM meets the account (None: never on a schedule)."""

    qbr_every_months: int | None = Field(default=None, gt=0)
    check_in_every_days: int | None = Field(default=None, gt=0)


class Tier(_Strict):
    """A tier and the service it gets."""

    key: str = Field(min_length=1, max_length=32)
    label: str = Field(min_length=1)
    label_zh: str | None = Field(default=None, description="The label in 中文 (the label when unset).")
    touch_model: Literal["high", "low", "tech"]
    sla: Sla
    cadence: Cadence = Field(default_factory=Cadence)
    csm_capacity: int | None = Field(default=None, gt=0)

    def label_in(self, locale: str) -> str:
        """The label in a language (中文 when set, else the label)."""
        return self.label_zh if locale == "zh_CN" and self.label_zh else self.label


class TierRule(_Strict):
    """Conditions (all must hold; an unset one always holds) that put an account in a tier."""

    tier: str = Field(min_length=1)
    arr_at_least: float | None = Field(default=None, ge=0)
    arr_below: float | None = Field(default=None, gt=0)
    employees_at_least: int | None = Field(default=None, ge=0)
    employees_below: int | None = Field(default=None, gt=0)
    industries: list[str] = Field(default_factory=list)
    plans: list[str] = Field(default_factory=list)


class TierRules(_Strict):
    """Tiers, the rules in order (first match wins) and the tier of accounts no rule matches."""

    tiers: list[Tier] = Field(min_length=1)
    rules: list[TierRule] = Field(default_factory=list)
    default_tier: str

    @model_validator(mode="after")
    def _known_tiers(self) -> Self:
        keys = [t.key for t in self.tiers]
        if len(set(keys)) != len(keys):
            raise ValueError("tier keys must be unique")
        unknown = sorted({r.tier for r in self.rules if r.tier not in keys} | {self.default_tier} - set(keys))
        if unknown:
            raise ValueError(f"unknown tier {', '.join(unknown)}; known: {', '.join(keys)}")
        return self

    def tier(self, key: str) -> Tier | None:
        """The tier with this key."""
        return next((t for t in self.tiers if t.key == key), None)


def _numbers(accounts: pa.Table, name: str) -> np.ndarray:
    if name not in accounts.column_names:
        return np.full(accounts.num_rows, np.nan)
    return np.asarray(
        pc.cast(accounts.column(name), pa.float64()).to_numpy(zero_copy_only=False), dtype=float
    )


def _texts(accounts: pa.Table, name: str) -> np.ndarray:
    if name not in accounts.column_names:
        return np.full(accounts.num_rows, None, dtype=object)
    return np.asarray(accounts.column(name).to_pylist(), dtype=object)


def _matches(
    rule: TierRule, arr: np.ndarray, employees: np.ndarray, industry: np.ndarray, plan: np.ndarray
) -> np.ndarray:
    """Which accounts a rule matches (a missing value fails any condition on it)."""
    ok = np.ones(len(arr), dtype=bool)
    with np.errstate(invalid="ignore"):
        if rule.arr_at_least is not None:
            ok &= arr >= rule.arr_at_least
        if rule.arr_below is not None:
            ok &= arr < rule.arr_below
        if rule.employees_at_least is not None:
            ok &= employees >= rule.employees_at_least
        if rule.employees_below is not None:
            ok &= employees < rule.employees_below
    if rule.industries:
        ok &= np.isin(industry, np.array(rule.industries, dtype=object))
    if rule.plans:
        ok &= np.isin(plan, np.array(rule.plans, dtype=object))
    return ok


def assign_tiers(accounts: pa.Table, rules: TierRules) -> pa.Table:
    """Tier per account with its service levels: a pinned tier wins, else the first matching rule."""
    arr, employees = _numbers(accounts, "arr"), _numbers(accounts, "employees")
    industry, plan = _texts(accounts, "industry"), _texts(accounts, "plan")
    chosen = np.full(accounts.num_rows, rules.default_tier, dtype=object)
    source = np.full(accounts.num_rows, "default", dtype=object)
    undecided = np.ones(accounts.num_rows, dtype=bool)
    for index, rule in enumerate(rules.rules):
        hit = undecided & _matches(rule, arr, employees, industry, plan)
        chosen[hit], source[hit] = rule.tier, f"rule {index + 1}"
        undecided &= ~hit
    # dtype=bool spelled out: an empty list would otherwise become a float array that & refuses.
    pinned = _texts(accounts, "tier_pinned").astype(bool) & np.array(
        [t is not None for t in _texts(accounts, "tier")], dtype=bool
    )
    chosen[pinned], source[pinned] = _texts(accounts, "tier")[pinned], "pinned"
    tier = pa.array(chosen.tolist(), pa.string())
    # Each tier's service levels, spread over its accounts by index (an unknown pinned key gets nulls).
    at = pc.index_in(tier, value_set=pa.array([t.key for t in rules.tiers], pa.string()))

    def per_tier(values: list[Any], kind: pa.DataType) -> pa.Array:
        return pa.array(values, kind).take(at)

    ts = rules.tiers
    return pa.table(
        {
            "account_id": accounts.column("account_id"),
            "tier": tier,
            "tier_source": pa.array(source.tolist(), pa.string()),
            "touch_model": per_tier([t.touch_model for t in ts], pa.string()),
            "sla_first_response_hours": per_tier([t.sla.first_response_hours for t in ts], pa.float64()),
            "sla_resolution_hours": per_tier([t.sla.resolution_hours for t in ts], pa.float64()),
            "qbr_every_months": per_tier([t.cadence.qbr_every_months for t in ts], pa.int32()),
            "check_in_every_days": per_tier([t.cadence.check_in_every_days for t in ts], pa.int32()),
        }
    )
