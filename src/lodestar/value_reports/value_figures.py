"""Results and ROI: each configured value metric as `input × multiplier ÷ divisor`, and the milestones of a
period (reached, missed, next)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from lodestar.kit.labels import label_of
from lodestar.value_reports.schemas import (
    FEATURE_PREFIX,
    MilestoneFigures,
    MilestoneLine,
    ValueFigure,
    ValueMetric,
)


def input_of(
    metric: str,
    figures: Mapping[str, float],
    features: Mapping[str, int],
    snapshot: Mapping[str, float | None],
) -> float:
    """The period's value of a value metric's input: a report figure, a feature's events or a snapshot
    metric (0 when the account has none)."""
    if metric.startswith(FEATURE_PREFIX):
        return float(features.get(metric[len(FEATURE_PREFIX) :], 0))
    if metric in figures:
        return float(figures[metric])
    found = snapshot.get(metric)
    return float(found) if found is not None else 0.0


def value_figures(
    metrics: list[ValueMetric],
    figures: Mapping[str, float],
    features: Mapping[str, int],
    snapshot: Mapping[str, float | None],
    chinese: bool,
) -> list[ValueFigure]:
    """Every configured value metric's result with the parts of its formula."""
    out = []
    for m in metrics:
        given = input_of(m.metric, figures, features, snapshot)
        out.append(
            ValueFigure(
                key=m.key,
                label=m.label_zh if chinese else m.label,
                metric=m.metric,
                input_value=given,
                multiplier=m.multiplier,
                divisor=m.divisor,
                value=given * m.multiplier / m.divisor,
                unit=(m.unit_zh or m.unit) if chinese else m.unit,
                note=(m.note_zh or m.note) if chinese else m.note,
                input_label="" if m.metric.startswith(FEATURE_PREFIX) else str(label_of("metric", m.metric)),
            )
        )
    return out


def _line(m: Any) -> MilestoneLine:
    return MilestoneLine(title=m.title, target_on=m.target_on, reached_on=m.reached_on, status=m.status)


def milestone_figures(
    milestones: list[Any], start: date, through: date, next_start: date, next_end: date
) -> MilestoneFigures:
    """Reached in the period; due in it and not reached by their target date (dropped ones never count);
    still open and due in the next period."""
    live = [m for m in milestones if m.status != "dropped"]
    reached = [m for m in live if m.status == "reached" and m.reached_on and start <= m.reached_on <= through]
    missed = [
        m
        for m in live
        if start <= m.target_on <= through
        and not (m.status == "reached" and m.reached_on and m.reached_on <= m.target_on)
    ]
    upcoming = [
        m for m in live if m.status in ("planned", "in_progress") and next_start <= m.target_on <= next_end
    ]
    return MilestoneFigures(
        reached=[_line(m) for m in reached],
        missed=[_line(m) for m in missed],
        next=[_line(m) for m in upcoming],
    )
