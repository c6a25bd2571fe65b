"""Explains what moved a health score between two snapshots, in plain sentences."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MINUS = "\u2212"


def _signed(delta: float) -> str:
    """An integer change with a real minus sign or a plus."""
    rounded = round(delta)
    return f"{MINUS}{abs(rounded)}" if rounded < 0 else f"+{rounded}"


def _value(value: Any) -> str:
    if value is None:
        return "no data"
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:.2f}"


def _movement(measure: str, before: Any, after: Any) -> str:
    """'last touch 41 days ago' for day counts, 'active-user ratio 0.62 -> 0.31' otherwise."""
    if after is not None and ("days" in measure or measure.startswith("last ")):
        return f"{measure} {_value(after)} days ago"
    return f"{measure} {_value(before)} -> {_value(after)}"


def _by_measure(row: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {str(item["measure"]): item for item in row.get("explanations") or []}


def diff(previous_row: Mapping[str, Any], current_row: Mapping[str, Any], top: int = 3) -> list[str]:
    """Sentences on how health moved: the headline with the biggest movers, then grade and model changes."""
    before, after = previous_row.get("score"), current_row.get("score")
    if before is None or after is None:
        return [] if before is after else [f"health {_value(before)} -> {_value(after)}"]
    change = after - before
    old, new = _by_measure(previous_row), _by_measure(current_row)
    moves = []
    for name, item in new.items():
        prior = old.get(name, {})
        delta = (item.get("contribution") or 0.0) - (prior.get("contribution") or 0.0)
        if round(delta) != 0:
            moves.append(
                (abs(delta), f"{_movement(name, prior.get('value'), item.get('value'))} ({_signed(delta)})")
            )
    moves.sort(key=lambda pair: -pair[0])
    verb = "fell" if round(change) < 0 else "rose" if round(change) > 0 else "held"
    head = f"health {verb} {abs(round(change))}" if verb != "held" else "health held steady"
    details = ", ".join(text for _, text in moves[:top])
    sentences = [f"{head}: {details}" if details else head]
    if previous_row.get("grade") != current_row.get("grade"):
        sentences.append(f"grade {previous_row.get('grade')} -> {current_row.get('grade')}")
    if (previous_row.get("model"), previous_row.get("model_version")) != (
        current_row.get("model"),
        current_row.get("model_version"),
    ):
        sentences.append(
            f"model {previous_row.get('model')} v{previous_row.get('model_version')}"
            f" -> {current_row.get('model')} v{current_row.get('model_version')}"
        )
    return sentences
