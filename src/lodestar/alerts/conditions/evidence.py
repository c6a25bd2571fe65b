"""Evidence as people read it: labels, numbers rounded for reading, and the JSON text of each finding.

A finding's evidence is JSON text: `[{"msgid": sentence, "values": {name: value}}]`. A value is a number,
a plain string (dates as YYYY-MM-DD, codes, people's names) or a nested catalogue entry
`{"msgid": words}` (a metric's label, a grade, a role) that the reader's catalogue translates too.
`sentences(evidence)` reads it back as Texts: `kit.text.translate(gettext, text)` shows each in the
reader's language (nested entries included).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lodestar.alerts.conditions.outcome import Sentences
from lodestar.analytics.metrics import labels as _metric_labels  # noqa: F401  (registers the metrics' labels)
from lodestar.kit.labels import label_of, register, registered
from lodestar.kit.text import N_, Text

MINUS = "\u2212"  # a typographic minus, as "−50%" reads

# The snapshot fields a condition may name besides the metrics, in words (label_of("snapshot_field", key)).
FIELD_LABELS = {
    "health_score": N_("health score"),
    "health_grade": N_("health grade"),
    "co_score": N_("customer outcome score"),
    "cx_score": N_("customer experience score"),
    "health_coverage": N_("health coverage"),
    "stage": N_("stage"),
    "tier": N_("tier"),
}
register("snapshot_field", FIELD_LABELS)
SHARE_FIELDS = frozenset({"health_coverage"})
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
    words = label_of("snapshot_field" if metric in FIELD_LABELS else "metric", metric)
    return {"msgid": words.msgid if isinstance(words, Text) else str(words)}


def word(value: str | None) -> dict[str, str] | str | None:
    """A grade or role as a nested catalogue entry (other codes as they are)."""
    return {"msgid": WORDS[value]} if value in WORDS else value


def is_share(metric: str) -> bool:
    """Whether the metric's values are shares, read as percentages."""
    return metric in SHARE_FIELDS or registered("metric_unit").get(metric) == "share"


def rounded(values: np.ndarray) -> np.ndarray:
    """Numbers rounded for reading: whole from 100 up, one decimal from 10, two below (NaN kept)."""
    v = np.asarray(values, dtype=np.float64)
    size = np.abs(v)
    return np.where(size >= 100, np.round(v), np.where(size >= 10, np.round(v, 1), np.round(v, 2)))


def _number(value: float) -> float | int:
    """A whole number as an int (JSON 40, not 40.0)."""
    return int(value) if float(value).is_integer() else value


def _words(numbers: np.ndarray) -> pa.Array:
    """Numbers as their shortest text ("35", "35.5"; null where NaN)."""
    return pc.cast(pa.array(numbers, pa.float64(), mask=np.isnan(numbers)), pa.string())


def _joined(*parts: Any) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def shown(metric: str, values: np.ndarray) -> np.ndarray | pa.Array:
    """A metric's values for reading: shares as percentages ("35%"), other numbers rounded."""
    if is_share(metric):
        return _joined(_words(np.round(np.asarray(values, dtype=np.float64) * 100)), "%")
    return rounded(values)


def shown_one(metric: str, value: float) -> Any:
    """One value as `shown` shows it."""
    out = shown(metric, np.array([value], dtype=np.float64))
    return out[0].as_py() if isinstance(out, pa.Array) else _number(out.tolist()[0])


def signed(values: np.ndarray, suffix: str = "") -> pa.Array:
    """Differences with their sign ("+17", "−12.5", "−50%")."""
    r = rounded(values)
    signs = np.where(r > 0, "+", np.where(r < 0, MINUS, "±"))
    return _joined(pa.array(signs, pa.string()), _words(np.abs(r)), suffix)


def _escaped(strings: pa.Array) -> pa.Array | None:
    """Strings as JSON strings; None when one holds a control character (left to json.dumps)."""
    if pc.any(pc.match_substring_regex(strings, r"[\x00-\x1f]")).as_py():
        return None
    inner = pc.replace_substring(pc.replace_substring(strings, "\\", "\\\\"), '"', '\\"')
    return _joined('"', inner, '"')


def _memo_json(items: list[Any]) -> pa.Array:
    """Each item's JSON, made once per distinct item (grades, roles and dates repeat)."""
    memo: dict[str, str] = {}
    out = []
    for item in items:
        key = repr(item)
        text = memo.get(key)
        if text is None:
            text = memo[key] = json.dumps(item, ensure_ascii=False)
        out.append(text)
    return pa.array(out, pa.string())


def _json(value: Any) -> pa.Array | str:
    """The JSON text of each row's value (an array), or of the value every row shares (a str)."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "iuf":
        return pc.fill_null(_words(rounded(value)), "null")
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, pa.Array | pa.ChunkedArray):
        if not pa.types.is_string(value.type):
            return _memo_json(value.to_pylist())
        escaped = _escaped(value)
        return pc.fill_null(escaped, "null") if escaped is not None else _memo_json(value.to_pylist())
    if isinstance(value, list):
        if value and all(isinstance(v, str) for v in value):
            return _json(pa.array(value, pa.string()))
        return _memo_json(value)
    if isinstance(value, float | np.floating):
        return json.dumps(_number(rounded(np.array([value])).tolist()[0]))
    return json.dumps(value.item() if isinstance(value, np.generic) else value, ensure_ascii=False)


def _items(sentence: Sentences, keep: np.ndarray) -> tuple[np.ndarray, pa.Array]:
    """The frame positions of a sentence's kept rows and each row's JSON item."""
    at, values = sentence.kept(keep)
    parts: list[Any] = ['{"msgid": ', json.dumps(sentence.msgid, ensure_ascii=False), ', "values": {']
    for i, (name, value) in enumerate(values.items()):
        parts += [", " if i else "", json.dumps(name) + ": ", _json(value)]
    parts.append("}}")
    if not len(at):
        return at, pa.array([], pa.string())
    if not any(isinstance(p, pa.Array | pa.ChunkedArray) for p in parts):
        return at, pa.array(["".join(parts)] * len(at), pa.string())
    return at, _joined(*parts)


def texts(sentences: Iterable[Sentences], keep: np.ndarray) -> tuple[np.ndarray, pa.Array]:
    """The frame positions where keep holds, each with its evidence JSON (its sentences in order)."""
    found = [_items(s, keep) for s in sentences]
    positions = np.flatnonzero(keep)
    if not found:
        return positions, pa.array(["[]"] * len(positions), pa.string())
    at = np.concatenate([f[0] for f in found])
    items = pa.concat_arrays([f[1] for f in found])
    order = np.argsort(at, kind="stable")  # by account; each account's sentences in the order given
    # Every kept row belongs to a kept account: each account's items run up to the next one's first.
    bounds = np.append(np.searchsorted(at[order], positions, side="left"), len(at)).astype(np.int32)
    lists = pa.ListArray.from_arrays(pa.array(bounds, pa.int32()), items.take(pa.array(order, pa.int64())))
    return positions, _joined("[", pc.binary_join(lists, ", "), "]")


def _text(item: dict[str, Any]) -> Text:
    values = item.get("values") or {}
    nested = {k: _text(v) if isinstance(v, dict) else v for k, v in values.items()}
    return Text(item["msgid"], **nested)


def sentences(evidence: str) -> list[Text]:
    """A finding's evidence JSON as Texts (English as they are; translate each where it is shown)."""
    return [_text(item) for item in json.loads(evidence or "[]")]
