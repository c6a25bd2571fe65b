"""Evidence as people read it: labels, numbers rounded for reading, and the JSON text of each finding.

A finding's evidence is JSON text: `[{"msgid": sentence, "values": {name: value}}]`. A value is a number,
a plain string (dates as YYYY-MM-DD, codes, people's names) or a nested catalogue entry
`{"msgid": words}` (a metric's label, a grade, a role) that the reader's catalogue translates too.
`sentences(evidence)` reads it back as Texts: `kit.text.translate(gettext, text)` shows each in the
reader's language (nested entries included).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from lodestar.alerts.conditions.outcome import Sentences
from lodestar.analytics.metrics import labels as _metric_labels  # noqa: F401  (registers the metrics' labels)
from lodestar.kit.labels import label_of, register, registered
from lodestar.kit.text import N_, Text

MINUS = "\u2212"  # a typographic minus, as "−50%" reads

# The snapshot fields a condition may name besides the metrics, in words (registered as metric labels, so
# the rule editor shows them the same way).
FIELD_LABELS = {
    "health_score": N_("health score"),
    "health_grade": N_("health grade"),
    "co_score": N_("customer outcome score"),
    "cx_score": N_("customer experience score"),
    "health_coverage": N_("health coverage"),
    "stage": N_("stage"),
    "tier": N_("tier"),
}
register("metric", FIELD_LABELS)
register("metric_unit", {"health_coverage": "share"})
# Values of string fields that the catalogue knows: grades and contact roles.
WORDS = {
    "red": N_("red"),
    "yellow": N_("yellow"),
    "green": N_("green"),
    "champion": N_("Champion"),
    "decision_maker": N_("Decision maker"),
    "system_owner": N_("System owner"),
    "user": N_("User"),
}


def label(metric: str) -> dict[str, str]:
    """A metric's (or snapshot field's) label as a nested catalogue entry."""
    words = label_of("metric", metric)
    return {"msgid": words.msgid if isinstance(words, Text) else str(words)}


def word(value: str | None) -> dict[str, str] | str | None:
    """A grade or role as a nested catalogue entry (other codes as they are)."""
    return {"msgid": WORDS[value]} if value in WORDS else value


def is_share(metric: str) -> bool:
    """Whether the metric's values are shares, read as percentages."""
    return registered("metric_unit").get(metric) == "share"


def rounded(value: float) -> float | int:
    """A number rounded for reading: whole from 100 up, one decimal from 10, two below; integers as int."""
    digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    out = round(value, digits)
    return int(out) if float(out).is_integer() else out


def shown(metric: str, values: np.ndarray) -> list[Any]:
    """A metric's values for reading: shares as percentages ("35%"), other numbers rounded."""
    if is_share(metric):
        return [f"{v * 100:.0f}%" for v in values.tolist()]
    return [rounded(v) for v in values.tolist()]


def signed(values: Iterable[float], suffix: str = "") -> list[str]:
    """Differences with their sign ("+17", "−12.5", "−50%")."""
    out = []
    for v in values:
        r = rounded(v)
        out.append(f"{'+' if r > 0 else MINUS if r < 0 else '±'}{abs(r)}{suffix}")
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) else rounded(value)
    if isinstance(value, np.generic):
        return _plain(value.item())
    return value


def texts(sentences: Iterable[Sentences], keep: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """The frame positions where keep holds, each with its evidence JSON (its sentences in order)."""
    parts: dict[int, list[str]] = {}
    for sentence in sentences:
        at, rows = sentence.rows(keep)
        for position, values in zip(at.tolist(), rows, strict=True):
            item = {"msgid": sentence.msgid, "values": {k: _plain(v) for k, v in values.items()}}
            parts.setdefault(position, []).append(json.dumps(item, ensure_ascii=False))
    positions = np.flatnonzero(keep)
    return positions, ["[" + ", ".join(parts.get(p, [])) + "]" for p in positions.tolist()]


def _text(item: dict[str, Any]) -> Text:
    values = item.get("values") or {}
    nested = {k: _text(v) if isinstance(v, dict) else v for k, v in values.items()}
    return Text(item["msgid"], **nested)


def sentences(evidence: str) -> list[Text]:
    """A finding's evidence JSON as Texts (English as they are; translate each where it is shown)."""
    return [_text(item) for item in json.loads(evidence or "[]")]
