"""The inputs a model cannot honestly be built from, each refused with the column it concerns."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from lodestar.kit.errors import FieldProblem, InvalidInput
from lodestar.kit.stats import auc
from lodestar.kit.text import Text

MIN_ROWS = 50
MIN_PER_CLASS = 10  # five folds, each with positives and negatives to rank and to calibrate on


def known_columns(frame: pd.DataFrame, wanted: dict[str, str | None]) -> None:
    """Refuses an option (`--id`, `--label`, `--time`) that names no column of the table."""
    shown = ", ".join(map(str, frame.columns))
    problems = [
        FieldProblem(option, Text("no column %(name)s; the table has: %(columns)s", name=name, columns=shown))
        for option, name in wanted.items()
        if name is not None and name not in frame.columns
    ]
    if problems:
        raise InvalidInput(problems)


def unique_ids(ids: pd.Series, column: str) -> None:
    """Refuses an id column with a duplicate (or missing) id: one row per customer."""
    texts = ids.astype(str).str.strip()
    if ids.isna().any() or (texts == "").any():
        raise InvalidInput.one(column, Text("an id is missing"))
    repeated = texts[texts.duplicated()]
    if not repeated.empty:
        raise InvalidInput.one(
            column,
            Text(
                "%(n)s ids appear more than once (first: %(id)s); the table needs one row per customer",
                n=repeated.nunique(),
                id=repeated.iloc[0],
            ),
        )


def enough_rows(label: np.ndarray, column: str) -> None:
    """Refuses a label with one class, and too few rows or too few of either class to evaluate."""
    positives = int(label.sum())
    negatives = len(label) - positives
    if positives == 0 or negatives == 0:
        raise InvalidInput.one(column, Text("every row has the same label: there is nothing to predict"))
    if len(label) < MIN_ROWS:
        raise InvalidInput.one(
            "table", Text("%(n)s rows are too few; at least %(min)s are needed", n=len(label), min=MIN_ROWS)
        )
    if min(positives, negatives) < MIN_PER_CLASS:
        raise InvalidInput.one(
            column,
            Text(
                "%(pos)s positive and %(neg)s negative rows: each needs at least %(min)s",
                pos=positives,
                neg=negatives,
                min=MIN_PER_CLASS,
            ),
        )


def _separates(feature: pd.Series, label: np.ndarray) -> bool:
    if isinstance(feature.dtype, pd.CategoricalDtype):
        codes = pd.Series(feature.cat.codes.to_numpy())
        purity = pd.Series(label).groupby(codes).agg(["min", "max"])
        return len(purity) > 1 and bool((purity["min"] == purity["max"]).all())
    values = feature.to_numpy(dtype=float)
    if np.isnan(values).all():
        return False
    # a missing value ranks below every present one, so "present only for churners" counts as separating
    filled = np.where(np.isnan(values), np.nanmin(values) - 1, values)
    found = auc(filled, label)
    return found in (0.0, 1.0)


def no_leaks(features: pd.DataFrame, label: np.ndarray, names: Sequence[str] | None = None) -> None:
    """Refuses a feature that separates the label perfectly: it almost surely records the outcome."""
    problems = [
        FieldProblem(
            name,
            Text(
                "separates the label perfectly, so it most likely records the outcome (a leak); "
                "leave it out of the table"
            ),
        )
        for name in names or features.columns
        if _separates(features[name], label)
    ]
    if problems:
        raise InvalidInput(problems)
