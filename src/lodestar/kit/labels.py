"""The words people see for keys: one registry that any package adds labels to and every page reads.

A key such as the metric `active_user_ratio_30d` is for configuration and the API; a reader sees its label
("active-user ratio" / "活跃用户占比"). A package registers its labels once, at import, as catalogue ids
(`N_`); `label_of` answers a `Text`, translated where it is shown. A label set in configuration wins, and
goes through the catalogue too, so the package's default labels read in both languages.
"""

from __future__ import annotations

from collections.abc import Mapping

from lodestar.kit.text import N_, Text

_REGISTRY: dict[str, dict[str, str]] = {}


def register(kind: str, labels: Mapping[str, str]) -> None:
    """Adds the labels (key -> catalogue id) of one kind of key, such as "metric"."""
    _REGISTRY.setdefault(kind, {}).update(labels)


def registered(kind: str) -> dict[str, str]:
    """Every label of a kind (a copy)."""
    return dict(_REGISTRY.get(kind, {}))


def label_of(kind: str, key: str | None, configured: str | None = None) -> str:
    """The label of a key: the configured one, else the registered one, else the key in words
    (`my_metric` -> "my metric"), never the raw key."""
    if configured:
        return Text(configured)
    if not key:
        return "—"
    known = _REGISTRY.get(kind, {}).get(key)
    return Text(known) if known else key.replace("_", " ")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")


def with_unit(unit: str | None, value: float | bool | None) -> str:
    """A value with its unit as people read it: shares as percentages, days, hours, yes/no."""
    if value is None:
        return "—"
    if unit == "flag":
        return Text(N_("yes")) if value else Text(N_("no"))
    number = float(value)
    if unit == "share":
        return f"{number * 100:.0f}%"
    if unit == "days":
        return Text(N_("%(n)s days"), n=_number(number))
    if unit == "hours":
        return Text(N_("%(n)s h"), n=_number(number))
    return _number(number)


def metric_value(key: str, value: float | bool | None) -> str:
    """A metric's value with the metric's registered unit."""
    return with_unit(_REGISTRY.get("metric_unit", {}).get(key), value)
