"""Risk factors in words, in the reader's language: "active-user ratio 0.21, lowest 10% of peers: +14
points of risk". Metric names come from the metric labels; the snapshot's other columns are named here."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from lodestar.analytics.metrics import labels as _metric_labels  # noqa: F401 (registers the metric labels)
from lodestar.kit.labels import label_of, register
from lodestar.kit.text import N_
from lodestar.predictions.account_features import TRAIT

register(
    "churn_feature",
    {
        "score": N_("health score"),
        "coverage": N_("health coverage"),
        "co_score": N_("commercial score"),
        "cx_score": N_("experience score"),
        "stage": N_("stage"),
        "tier": N_("tier"),
        "grade": N_("health grade"),
        "at_risk": N_("marked at risk"),
        "risk_clear_streak": N_("days clear of risk"),
        "in_renewal_window": N_("in the renewal window"),
        "approvals_30d": N_("approvals in 30 days"),
        "industry": N_("industry"),
        "employees": N_("employees"),
        "region": N_("region"),
        "plan": N_("plan"),
        "funding_stage": N_("funding stage"),
        "it_maturity": N_("IT maturity"),
        "days_since_champion_left": N_("days since the champion left"),
        "champion_left_365d": N_("champion left in the last year"),
    },
)
STEP = 5  # a place among peers is stated in steps of 5%


def feature_label(name: str) -> str:
    """The feature's label: a trait's own key, a metric's, else one named here, else the key in words."""
    if name.startswith(TRAIT):
        return name.removeprefix(TRAIT)  # the company's own name for its field
    own = label_of("churn_feature", name)
    return own if own != name.replace("_", " ") else label_of("metric", name)


def _value(value: Any, _: Callable[[str], str]) -> str:
    if value is None:
        return _("missing")
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.2f}"
    return str(value)


def _place(percentile: float | None, _: Callable[[str], str]) -> str | None:
    if percentile is None:
        return None
    if percentile <= 50:
        return _("lowest %(n)s%% of peers") % {"n": max(STEP, math.ceil(percentile / STEP) * STEP)}
    return _("highest %(n)s%% of peers") % {"n": max(STEP, math.ceil((100 - percentile) / STEP) * STEP)}


GRADES = {"green": N_("Green"), "yellow": N_("Yellow"), "red": N_("Red")}


def factor_sentence(
    factor: dict[str, Any], _: Callable[[str], str], levels: dict[str, dict[str, str]] | None = None
) -> str:
    """One risk factor as a sentence; `levels` names a category's values (a stage key -> its label)."""
    named = {"grade": {k: _(v) for k, v in GRADES.items()}, **(levels or {})}
    value = named.get(factor["feature"], {}).get(factor["value"], factor["value"])
    what = f"{_(feature_label(factor['feature']))} {_value(value, _)}"
    place = _place(factor.get("percentile"), _)
    if place:
        what = _("%(what)s, %(place)s") % {"what": what, "place": place}
    points = factor["points"]
    sign = "+" if points >= 0 else "−"
    shown = f"{abs(points):.0f}" if abs(points) >= 1 else f"{abs(points):.1f}"
    return _("%(what)s: %(sign)s%(points)s points of risk") % {"what": what, "sign": sign, "points": shown}
