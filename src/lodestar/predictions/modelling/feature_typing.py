"""Decides what each column of a table is (a number, a number written as text, a yes/no, a date, a
category) and turns it into a model feature the way a careful analyst would.

Typing is a plan learnt once from the training table and applied unchanged to any later table (the
scoring rows), so a category unseen in training and a number that no longer parses land where the model
expects them: in "(other)" and among the missing values.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lodestar.kit.text import Text

MISSING_WORDS = frozenset(
    {"", "na", "n/a", "nan", "null", "none", "-", "--", "#n/a", "?", "无", "空", "缺失", "nat"}
)
TRUE_WORDS = frozenset({"1", "true", "t", "yes", "y", "是", "对", "有"})
FALSE_WORDS = frozenset({"0", "false", "f", "no", "n", "否", "错", "没有"})
PARSED_SHARE = 0.95  # a column is numbers (or dates) when this share of its non-missing cells parse
RARE_LEVEL = 5  # a category level seen fewer times joins "(other)": too few rows to learn from
MOST_LEVELS = 50
OTHER, MISSING = "(other)", "(missing)"
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_CURRENCY_AND_SPACES = re.compile(r"[\s¥￥$€£,，]")


@dataclass(frozen=True)
class ColumnPlan:
    """How one column becomes a feature: its kind and, for a category, the levels kept."""

    name: str
    kind: str  # number | number_text | boolean | date | category
    levels: tuple[str, ...] = ()


@dataclass(frozen=True)
class DroppedColumn:
    """A column left out of the features and why (a Text, shown in the reader's language)."""

    name: str
    reason: str


@dataclass
class TypingPlan:
    """The features a table yields and the columns it leaves out."""

    columns: list[ColumnPlan] = field(default_factory=list)
    dropped: list[DroppedColumn] = field(default_factory=list)

    def names(self) -> list[str]:
        """The feature names, in table order."""
        return [c.name for c in self.columns]

    def categories(self) -> list[str]:
        """The names of the category features."""
        return [c.name for c in self.columns if c.kind == "category"]


def _text_of(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    shown = str(value).strip()
    return None if shown.lower() in MISSING_WORDS else shown


def _texts(values: pd.Series) -> pd.Series:
    """Cells as stripped text, missing cells (and the words for missing) as None."""
    return pd.Series([_text_of(v) for v in values], index=values.index, dtype=object)


def number_from_text(value: str | None) -> float:
    """'1,234' -> 1234, '12%' -> 0.12, '¥3 000' -> 3000; NaN for anything else."""
    if value is None:
        return np.nan
    text = _CURRENCY_AND_SPACES.sub("", value)
    share = text.endswith("%")
    text = text.rstrip("%")
    if not _NUMBER.match(text):
        return np.nan
    return float(text) / 100 if share else float(text)


def _bool_kind(texts: pd.Series) -> bool:
    seen = set(texts.dropna().str.lower())
    return len(seen) == 2 and seen <= TRUE_WORDS | FALSE_WORDS and bool(seen & TRUE_WORDS)


_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})[/.-]\d{1,2}[/.-]\d{4}")


def _dates(texts: pd.Series) -> pd.Series:
    """Dates in any common form; 16/10/2024 in a column means every d/m/y date there is day first."""
    firsts = texts.dropna().str.extract(_DAY_MONTH_YEAR, expand=False).dropna()
    day_first = bool(len(firsts)) and bool((firsts.astype(int) > 12).any())
    return pd.to_datetime(texts, errors="coerce", format="mixed", dayfirst=day_first)


def _kind_of(raw: pd.Series, texts: pd.Series) -> str:
    """The kind of a column from its dtype, else from what its text cells parse as."""
    if pd.api.types.is_bool_dtype(raw):
        return "boolean"
    if pd.api.types.is_numeric_dtype(raw):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(raw):
        return "date"
    present = texts.dropna()
    if _bool_kind(texts):
        return "boolean"
    if present.map(number_from_text).notna().mean() >= PARSED_SHARE:
        plain = present.map(lambda v: bool(_NUMBER.match(v))).all()
        return "number" if plain else "number_text"
    if _dates(present).notna().mean() >= PARSED_SHARE:
        return "date"
    return "category"


def _levels(texts: pd.Series) -> tuple[str, ...]:
    counts = texts.fillna(MISSING).value_counts()
    kept = counts[counts >= RARE_LEVEL].index[:MOST_LEVELS]
    return (*sorted(str(v) for v in kept), OTHER)


def _plan_column(name: str, raw: pd.Series) -> ColumnPlan | DroppedColumn:
    texts = _texts(raw)
    present = texts.dropna()
    if present.empty:
        return DroppedColumn(name, Text("every value is missing"))
    kind = _kind_of(raw, texts)
    if kind == "category":
        distinct = present.nunique()
        if distinct > max(20, len(raw) // 2):
            return DroppedColumn(
                name, Text("looks like an identifier or free text (%(n)s distinct values)", n=distinct)
            )
    if present.nunique() < 2 and not texts.isna().any():
        return DroppedColumn(name, Text("has one value only"))
    return ColumnPlan(name, kind, _levels(texts) if kind == "category" else ())


def plan_features(frame: pd.DataFrame, exclude: Sequence[str]) -> TypingPlan:
    """The typing plan of every column of `frame` except the `exclude` ones (id, label, time)."""
    plan = TypingPlan()
    for name in frame.columns:
        if name in exclude:
            continue
        found = _plan_column(name, frame[name])
        if isinstance(found, ColumnPlan):
            plan.columns.append(found)
        else:
            plan.dropped.append(found)
    return plan


def _as_dates(raw: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(raw):
        return pd.to_datetime(raw).dt.tz_localize(None) if raw.dt.tz is not None else pd.to_datetime(raw)
    return _dates(_texts(raw))


def _feature(column: ColumnPlan, raw: pd.Series, reference: pd.Series | pd.Timestamp) -> pd.Series:
    if column.kind == "number":
        return pd.to_numeric(raw.map(_plain_number), errors="coerce").astype(float)
    if column.kind == "number_text":
        return _texts(raw).map(number_from_text).astype(float)
    if column.kind == "boolean":
        lowered = _texts(raw).str.lower()
        return lowered.map(lambda v: 1.0 if v in TRUE_WORDS else 0.0 if v in FALSE_WORDS else np.nan)
    if column.kind == "date":
        # an age in days: a date means something relative to when the row was observed
        return ((reference - _as_dates(raw)) / pd.Timedelta(days=1)).astype(float)
    texts = _texts(raw).fillna(MISSING)
    known = set(column.levels)
    return pd.Categorical(texts.where(texts.isin(known), OTHER), categories=list(column.levels))


def _plain_number(value: Any) -> float:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    return number_from_text(None if value is None else str(value).strip())


def latest_date(frame: pd.DataFrame, plan: TypingPlan) -> pd.Timestamp:
    """The latest date in any date column: the reference for ages when rows carry no time of their own."""
    found = [_as_dates(frame[c.name]).max() for c in plan.columns if c.kind == "date"]
    found = [d for d in found if pd.notna(d)]
    return max(found) if found else pd.Timestamp("1970-01-01")


def apply_plan(
    plan: TypingPlan, frame: pd.DataFrame, reference: pd.Series | pd.Timestamp | None = None
) -> pd.DataFrame:
    """The feature frame: floats (NaN for missing) and pandas categoricals with the planned levels."""
    when = latest_date(frame, plan) if reference is None else reference
    columns = {c.name: _feature(c, frame[c.name], when) for c in plan.columns}
    return pd.DataFrame(columns, index=frame.index)
