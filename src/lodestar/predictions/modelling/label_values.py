"""Reads the label column: which rows are positive (churned), in any of the ways a CRM export writes it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lodestar.kit.errors import InvalidInput
from lodestar.kit.text import Text
from lodestar.predictions.modelling.feature_typing import FALSE_WORDS, MISSING_WORDS, TRUE_WORDS


def parse_label(values: pd.Series, column: str, positive: str | None = None) -> np.ndarray:
    """True for positive rows: `positive` names the positive value, else 1/0, true/false, yes/no, 是/否.

    A missing label or a value outside the two is refused, naming the column and the first such row.
    """
    texts = values.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
    texts = texts.str.strip()
    texts = texts.where(~texts.str.fullmatch(r"[01]\.0"), texts.str[0])  # 1.0 / 0.0 from a spreadsheet
    missing = texts.str.lower().isin(MISSING_WORDS)
    if missing.any():
        row = int(np.flatnonzero(missing.to_numpy())[0]) + 1
        raise InvalidInput.one(column, Text("the label is missing in row %(row)s", row=row))
    if positive is not None:
        found = texts == positive.strip()
        if not found.any():
            raise InvalidInput.one(
                column, Text("no row has the positive value %(value)s", value=repr(positive))
            )
        return found.to_numpy()
    lowered = texts.str.lower()
    unknown = ~lowered.isin(TRUE_WORDS | FALSE_WORDS)
    if unknown.any():
        first = texts[unknown].iloc[0]
        raise InvalidInput.one(
            column,
            Text(
                "%(value)s is not a label value: use 1/0, true/false, yes/no or 是/否, or name the "
                "positive value with --positive",
                value=repr(first),
            ),
        )
    return lowered.isin(TRUE_WORDS).to_numpy()
