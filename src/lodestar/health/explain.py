"""Explains what moved a health score between two snapshots, in plain sentences (translatable Texts)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lodestar.kit.labels import label_of, metric_value, registered
from lodestar.kit.text import N_, Text

MINUS = "\u2212"
GRADES = {"green": N_("green"), "yellow": N_("yellow"), "red": N_("red")}


def _signed(delta: float) -> str:
    """An integer change with a real minus sign or a plus."""
    rounded = round(delta)
    return f"{MINUS}{abs(rounded)}" if rounded < 0 else f"+{rounded}"


def _value(value: Any) -> str:
    if value is None:
        return Text(N_("no data"))
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:.2f}"


def measure_label(name: str) -> str:
    """A measure's label as people read it: a metric key becomes its registered label; a configured
    label goes through the catalogue (the package defaults are there)."""
    return label_of("metric", name) if name in registered("metric") else Text(name)


def measure_key(name: str) -> str | None:
    """The metric a measure name stands for (a key, or a registered label), when known."""
    labels = registered("metric")
    if name in labels:
        return name
    return next((key for key, label in labels.items() if label == name), None)


def labelled(explanations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Explanation rows with `label` (the measure as people read it) and `shown` (the raw value with
    its unit) added."""
    out = []
    for item in explanations:
        key = measure_key(str(item.get("measure")))
        shown = metric_value(key, item.get("value")) if key else _value(item.get("value"))
        out.append({**item, "label": measure_label(str(item.get("measure"))), "shown": shown})
    return out


def _movement(measure: str, before: Any, after: Any) -> str:
    """'last touch 41 days ago' for day counts, 'active-user ratio 0.62 -> 0.31' otherwise."""
    label = measure_label(measure)
    if after is not None and ("days" in measure or measure.startswith("last ")):
        return Text(N_("%(measure)s %(days)s days ago"), measure=label, days=_value(after))
    return Text(
        N_("%(measure)s %(before)s -> %(after)s"), measure=label, before=_value(before), after=_value(after)
    )


def _by_measure(row: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {str(item["measure"]): item for item in row.get("explanations") or []}


def _grade(value: Any) -> str:
    return Text(GRADES[value]) if value in GRADES else Text(N_("no health"))


def _headline(change: float, moves: list[tuple[float, str]], top: int) -> str:
    steps = abs(round(change))
    if round(change) < 0:
        head = Text(N_("health fell %(points)s"), points=steps)
    elif round(change) > 0:
        head = Text(N_("health rose %(points)s"), points=steps)
    else:
        head = Text(N_("health held steady"))
    shown = [text for _, text in moves[:top]]
    if not shown:
        return head
    details: str = shown[0]
    for more in shown[1:]:
        details = Text(N_("%(first)s, %(next)s"), first=details, next=more)
    return Text(N_("%(headline)s: %(details)s"), headline=head, details=details)


def diff(previous_row: Mapping[str, Any], current_row: Mapping[str, Any], top: int = 3) -> list[str]:
    """Sentences on how health moved: the headline with the biggest movers, then grade and model changes."""
    before, after = previous_row.get("score"), current_row.get("score")
    if before is None or after is None:
        if before is after:
            return []
        return [Text(N_("health %(before)s -> %(after)s"), before=_value(before), after=_value(after))]
    old, new = _by_measure(previous_row), _by_measure(current_row)
    moves: list[tuple[float, str]] = []
    for name, item in new.items():
        prior = old.get(name, {})
        delta = (item.get("contribution") or 0.0) - (prior.get("contribution") or 0.0)
        if round(delta) != 0:
            moved = _movement(name, prior.get("value"), item.get("value"))
            moves.append(
                (abs(delta), Text(N_("%(movement)s (%(points)s)"), movement=moved, points=_signed(delta)))
            )
    moves.sort(key=lambda pair: -pair[0])
    sentences = [_headline(after - before, moves, top)]
    if previous_row.get("grade") != current_row.get("grade"):
        sentences.append(
            Text(
                N_("grade %(before)s -> %(after)s"),
                before=_grade(previous_row.get("grade")),
                after=_grade(current_row.get("grade")),
            )
        )
    if (previous_row.get("model"), previous_row.get("model_version")) != (
        current_row.get("model"),
        current_row.get("model_version"),
    ):
        sentences.append(
            Text(
                N_("model %(before)s -> %(after)s"),
                before=f"{previous_row.get('model')} v{previous_row.get('model_version')}",
                after=f"{current_row.get('model')} v{current_row.get('model_version')}",
            )
        )
    return sentences
