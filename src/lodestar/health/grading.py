"""Grades from scores: the model's boundaries, and the margin that holds a grade while a score wobbles
around one (used by `health.scoring`, which re-exports `grades` and `previous_grades`)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lodestar.health.schemas import HealthModel

GRADE_NAMES = pa.array(["green", "yellow", "red"], pa.string())


def _grade_codes(score: np.ndarray, model: HealthModel) -> np.ndarray:
    """0 green, 1 yellow, 2 red by the boundaries alone."""
    return np.where(score >= model.grades.green, 0, np.where(score >= model.grades.yellow, 1, 2))


def grades(score: np.ndarray, model: HealthModel, previous: np.ndarray | None = None) -> pa.Array:
    """green / yellow / red per score (null where the score is null).

    With `previous` (each row's last grade code, -1 when unknown) the model's margin holds a grade: the
    new grade is the previous one clipped to the grades the score allows within the margin, so a grade
    changes only when the score is more than `margin` points past a boundary.
    """
    codes = _grade_codes(score, model)
    margin = model.grades.margin
    if previous is not None and margin > 0:
        lenient = _grade_codes(score + margin, model)  # the best grade within the margin
        strict = _grade_codes(score - margin, model)  # the worst grade within the margin
        codes = np.where(previous >= 0, np.clip(previous, lenient, strict), codes)
    return GRADE_NAMES.take(pa.array(codes.astype(np.int32), mask=np.isnan(score)))


def previous_grades(metrics: pa.Table, last: pa.Table | None) -> np.ndarray | None:
    """Each row's last grade code (0 green, 1 yellow, 2 red, -1 none) from an (account_id, grade) table."""
    if last is None:
        return None
    ids = np.asarray(pc.cast(last.column("account_id"), pa.int64()).to_numpy(zero_copy_only=False))
    named = pc.index_in(pc.cast(last.column("grade"), pa.string()), value_set=GRADE_NAMES)
    codes = np.asarray(pc.fill_null(named, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
    order = np.argsort(ids, kind="stable")
    ids, codes = ids[order], codes[order]
    wanted = np.asarray(pc.cast(metrics.column("account_id"), pa.int64()).to_numpy(zero_copy_only=False))
    out = np.full(len(wanted), -1, dtype=np.int64)
    if len(ids):
        pos = np.clip(np.searchsorted(ids, wanted), 0, len(ids) - 1)
        found = ids[pos] == wanted
        out[found] = codes[pos][found]
    return out
