"""Vectorised health scoring: metrics table in, score/grade/coverage/explanations table out.

Rows are scored in chunks so that memory stays bounded for many dates at once; tiers and stages are
integer codes, never per-row Python objects. Peer percentiles are ranked over the whole table first
(peers are the rows with the same date and tier).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lodestar.health.grading import grades as grades
from lodestar.health.grading import previous_grades as previous_grades
from lodestar.health.schemas import HealthConfig, HealthModel, Scoring

EXPLANATION = pa.struct(
    [
        ("measure", pa.dictionary(pa.int32(), pa.string())),
        ("group", pa.dictionary(pa.int32(), pa.string())),
        ("value", pa.float64()),
        ("score", pa.float64()),
        ("weight", pa.float64()),
        ("contribution", pa.float64()),
    ]
)
ANCHOR_SCORES = (0.0, 50.0, 100.0)  # poor, concerning, healthy
GROUPS = ("co", "cx")
CHUNK_ROWS = 1 << 18  # rows scored at a time


@dataclass(frozen=True)
class Codes:
    """A string per row as integer codes into `names` (-1 for null)."""

    codes: np.ndarray
    names: list[str]

    def take(self, rows: np.ndarray | slice) -> Codes:
        """The codes of some rows."""
        return Codes(self.codes[rows], self.names)


def _encode(values: pa.ChunkedArray | pa.Array) -> Codes:
    """Dictionary-encodes a string column without Python objects per row."""
    plain = pa.chunked_array([values]) if isinstance(values, pa.Array) else values
    if pa.types.is_dictionary(plain.type):
        plain = plain.cast(plain.type.value_type)
    combined = pc.dictionary_encode(plain.combine_chunks())
    names = [str(v) for v in combined.dictionary.to_pylist()]
    codes = pc.fill_null(pc.cast(combined.indices, pa.int32()), -1).to_numpy(zero_copy_only=False)
    return Codes(np.asarray(codes, dtype=np.int32), names)


def metric_floats(metrics: pa.Table, column: str) -> np.ndarray:
    """A metric column as float64 with NaN for null (an absent column is all NaN)."""
    if column not in metrics.column_names:
        return np.full(metrics.num_rows, np.nan)
    col = metrics.column(column)
    if pa.types.is_boolean(col.type):
        col = pc.cast(col, pa.int8())
    return np.asarray(pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)


def tier_codes(metrics: pa.Table, tiers: pa.Table | None) -> Codes:
    """Each row's tier (from the tiers table by account, else the metrics' own `tier` column)."""
    n = metrics.num_rows
    if tiers is None:
        if "tier" in metrics.column_names:
            return _encode(metrics.column("tier"))
        return Codes(np.full(n, -1, dtype=np.int32), [])
    ids = np.asarray(tiers.column("account_id").to_numpy(zero_copy_only=False))
    names = _encode(tiers.column("tier"))
    order = np.argsort(ids, kind="stable")
    ids, by_id = ids[order], names.codes[order]
    wanted = np.asarray(metrics.column("account_id").to_numpy(zero_copy_only=False))
    out = np.full(n, -1, dtype=np.int32)
    if len(ids):
        pos = np.clip(np.searchsorted(ids, wanted), 0, len(ids) - 1)
        found = ids[pos] == wanted
        out[found] = by_id[pos][found]
    return Codes(out, names.names)


def _peer_keys(metrics: pa.Table, tier: Codes) -> np.ndarray:
    """An integer per (as_of, tier) peer group."""
    tier_key = tier.codes.astype(np.int64) + 1
    if "as_of" not in metrics.column_names:
        return tier_key
    days = pc.fill_null(pc.cast(pc.cast(metrics.column("as_of"), pa.date32()), pa.int32()), 0)
    day_key = np.asarray(days.to_numpy(zero_copy_only=False), dtype=np.int64)
    keys: np.ndarray = day_key * (len(tier.names) + 1) + tier_key
    return keys


def percentile_ranks(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """0-100 mid-rank percentile of each value among non-null values with the same key (ties averaged)."""
    out = np.full(len(values), np.nan)
    ok = ~np.isnan(values)
    v, k = values[ok], keys[ok]
    if not len(v):
        return out
    order = np.lexsort((v, k))
    vs, ks = v[order], k[order]
    idx = np.arange(len(vs))
    new_group = np.r_[True, ks[1:] != ks[:-1]]
    group_start = np.maximum.accumulate(np.where(new_group, idx, 0))
    size = np.bincount(np.cumsum(new_group) - 1)[np.cumsum(new_group) - 1]
    new_tie = new_group | np.r_[True, vs[1:] != vs[:-1]]
    tie_id = np.cumsum(new_tie) - 1
    starts = idx[new_tie]
    ends = np.r_[starts[1:] - 1, len(vs) - 1]
    position = (starts[tie_id] + ends[tie_id]) / 2 - group_start
    pct = np.where(size > 1, position / np.maximum(size - 1, 1) * 100, 50.0)
    ranked = np.empty(len(vs))
    ranked[order] = pct
    out[ok] = ranked
    return out


def measure_scores(values: np.ndarray, scoring: Scoring, peers: np.ndarray) -> np.ndarray:
    """0-100 score of each raw value (NaN stays NaN)."""
    if scoring.method == "percentile":
        pct = percentile_ranks(values, peers)
        return 100 - pct if scoring.direction == "lower" else pct
    xs = np.array(scoring.anchors())
    ys = np.array(ANCHOR_SCORES)
    if scoring.direction == "lower":
        xs, ys = xs[::-1], ys[::-1]
    scored = np.interp(values, xs, ys)
    return np.where(np.isnan(values), np.nan, scored)


def _group_shares(model: HealthModel, tier: Codes, has: np.ndarray) -> np.ndarray:
    """Per-row nominal CO and CX shares, normalised over the groups the model has measures in."""
    table = []
    for name in [None, *tier.names]:
        gw = model.weights_for(name)
        co, cx = gw.co * has[0], gw.cx * has[1]
        total = co + cx or 1.0
        table.append((co / total, cx / total))
    shares: np.ndarray = np.array(table)[tier.codes + 1]
    return shares


@dataclass(frozen=True)
class _Model:
    """A health model as the arrays the chunks need."""

    model: HealthModel
    weights: np.ndarray  # (m, 2): each measure's weight in its group
    percentiles: dict[int, np.ndarray]  # measure index -> its scores over the whole table


def _prepare(metrics: pa.Table, model: HealthModel, tier: Codes, rows: int | None = None) -> _Model:
    """The model's arrays; percentiles rank every row of `metrics`, though only the first `rows` count."""
    member = np.array([[ms.group == g for g in GROUPS] for ms in model.measures], dtype=np.float64)
    weights = np.array([ms.weight for ms in model.measures])[:, None] * member
    percentile = [j for j, ms in enumerate(model.measures) if ms.scoring.method == "percentile"]
    peers = _peer_keys(metrics, tier) if percentile else np.zeros(0, dtype=np.int64)
    scored = {
        j: measure_scores(metric_floats(metrics, model.measures[j].metric), model.measures[j].scoring, peers)[
            :rows
        ]
        for j in percentile
    }
    return _Model(model, weights, scored)


def _chunk(metrics: pa.Table, prep: _Model, tier: Codes, start: int, explain: bool) -> dict[str, Any]:
    """Scores rows start..start+len(metrics) (metrics is that slice), one measure column at a time."""
    model, weights = prep.model, prep.weights
    n, stop = metrics.num_rows, start + metrics.num_rows
    group_of = [GROUPS.index(ms.group) for ms in model.measures]
    values = [metric_floats(metrics, ms.metric) for ms in model.measures]
    scores = [
        prep.percentiles[j][start:stop] if j in prep.percentiles else measure_scores(v, ms.scoring, v[:0])
        for j, (v, ms) in enumerate(zip(values, model.measures, strict=True))
    ]
    present_weight, weighted = np.zeros((2, n)), np.zeros((2, n))
    for j, (g, s) in enumerate(zip(group_of, scores, strict=True)):
        present_weight[g] += ~np.isnan(s) * weights[j, g]
        weighted[g] += np.nan_to_num(s) * weights[j, g]
    shares = _group_shares(model, tier, np.asarray(weights.any(axis=0))).T  # (2, n) nominal CO/CX shares
    with np.errstate(invalid="ignore", divide="ignore"):
        group_scores = np.where(present_weight > 0, weighted / present_weight, np.nan)
        live = np.where(present_weight > 0, shares, 0.0)
        live_total = live.sum(axis=0)
        final = np.where(live_total > 0, live / live_total, 0.0)
        total = np.where(live_total > 0, (np.nan_to_num(group_scores) * final).sum(axis=0), np.nan)
        per_unit = final / np.where(present_weight > 0, present_weight, 1.0)  # (2, n)
    coverage = (present_weight / np.maximum(weights.sum(axis=0), 1e-12)[:, None] * shares).sum(axis=0)
    out = {"score": total, "coverage": coverage, "co_score": group_scores[0], "cx_score": group_scores[1]}
    if explain:
        eff = [
            ~np.isnan(s) * per_unit[g] * weights[j, g]
            for j, (g, s) in enumerate(zip(group_of, scores, strict=True))
        ]
        out["explanations"] = _explanations(model, values, scores, eff)
    return out


def _rows(columns: list[np.ndarray]) -> np.ndarray:
    """Measure columns interleaved row by row (row-major), as the explanation lists need them."""
    out = np.empty((len(columns[0]), len(columns)))
    for j, column in enumerate(columns):
        out[:, j] = column
    return out.ravel()


def _explanations(
    model: HealthModel, values: list[np.ndarray], scores: list[np.ndarray], eff: list[np.ndarray]
) -> pa.Array:
    """A list of measure rows per account, built column-wise without Python loops over rows."""
    n, m = len(values[0]), len(values)
    names = pa.array([ms.name for ms in model.measures])
    groups = pa.array([ms.group for ms in model.measures])
    codes = pa.array(np.tile(np.arange(m, dtype=np.int32), n))
    flat_scores, flat_eff = _rows(scores), _rows(eff)
    struct = pa.StructArray.from_arrays(
        [
            pa.DictionaryArray.from_arrays(codes, names),
            pa.DictionaryArray.from_arrays(codes, groups),
            pa.array(_rows(values), from_pandas=True),
            pa.array(flat_scores, from_pandas=True),
            pa.array(flat_eff),
            pa.array(np.nan_to_num(flat_eff * flat_scores)),
        ],
        fields=list(EXPLANATION),
    )
    offsets = pa.array(np.arange(0, n * m + 1, m, dtype=np.int32))
    return pa.ListArray.from_arrays(offsets, struct)


def score(
    metrics: pa.Table,
    model: HealthModel,
    tiers: pa.Table | None = None,
    version: int = 0,
    *,
    explain: bool = True,
) -> pa.Table:
    """Scores every (account_id, as_of) row of a metrics table with one health model.

    With `explain=False` the `explanations` column is left out (see `explanation` for one row's).
    """
    return _score(metrics, model, tier_codes(metrics, tiers), version, explain)


def _score(
    metrics: pa.Table,
    model: HealthModel,
    tier: Codes,
    version: int,
    explain: bool,
    previous: np.ndarray | None = None,
    rows: int | None = None,
) -> pa.Table:
    """Scores the first `rows` rows (all by default); any rows after them are percentile peers only.

    `previous` (one last-grade code per scored row) turns on the model's grade margin."""
    prep = _prepare(metrics, model, tier, rows)
    n = metrics.num_rows if rows is None else rows
    metrics, tier = metrics.slice(0, n), tier.take(slice(0, n))
    parts = [
        _chunk(metrics.slice(i, CHUNK_ROWS), prep, tier.take(slice(i, i + CHUNK_ROWS)), i, explain)
        for i in range(0, n, CHUNK_ROWS)
    ] or [_chunk(metrics, prep, tier, 0, explain)]

    def floats(name: str) -> np.ndarray:
        return np.concatenate([p[name] for p in parts])

    total = floats("score")
    columns: dict[str, Any] = {
        "account_id": metrics.column("account_id"),
        "as_of": metrics.column("as_of") if "as_of" in metrics.column_names else pa.nulls(n, pa.date32()),
        "model": pa.repeat(pa.scalar(model.name, pa.string()), n),
        "model_version": pa.array(np.full(n, version, dtype=np.int32)),
        "score": pa.array(total, from_pandas=True),
        "grade": grades(total, model, previous),
        "coverage": pa.array(floats("coverage")),
        "co_score": pa.array(floats("co_score"), from_pandas=True),
        "cx_score": pa.array(floats("cx_score"), from_pandas=True),
    }
    if explain:
        columns["explanations"] = pa.chunked_array(
            [p["explanations"] for p in parts], parts[0]["explanations"].type
        )
    return pa.table(columns)


def explanation(
    metrics: pa.Table, model: HealthModel, tiers: pa.Table | None, row: int
) -> list[dict[str, Any]]:
    """The explanation list of one row of a metrics table (peers are still the whole table)."""
    tier = tier_codes(metrics, tiers)
    prep = _prepare(metrics, model, tier)
    one = _chunk(metrics.slice(row, 1), prep, tier.take(slice(row, row + 1)), row, explain=True)
    items: list[dict[str, Any]] = one["explanations"].to_pylist()[0]
    return items


def score_all(
    metrics: pa.Table,
    config: HealthConfig,
    tiers: pa.Table | None = None,
    stages: pa.Array | pa.ChunkedArray | None = None,
    version: int = 0,
    *,
    explain: bool = True,
    peers: pa.Table | None = None,
    last_grades: pa.Table | None = None,
) -> pa.Table:
    """Scores each row with the first model that applies to its stage and tier, keeping row order.

    `peers` (account_id, as_of, model and the metric columns; their tiers in `tiers`) are other accounts'
    stored rows: they join the percentile ranks of the rows judged by their `model`, and are not scored. A
    few accounts are so scored exactly as a run over the whole portfolio would score them.
    `last_grades` (account_id, grade), the grades of the snapshot before, turns on the models' grade
    margin (hysteresis); without it each grade follows its score alone.
    """
    n = metrics.num_rows
    previous = previous_grades(metrics, last_grades)
    tier = tier_codes(metrics, tiers)
    stage = _encode(stages) if stages is not None else Codes(np.full(n, -1, dtype=np.int32), [])
    pair = (stage.codes.astype(np.int64) + 1) * (len(tier.names) + 1) + tier.codes + 1
    pairs, inverse = np.unique(pair, return_inverse=True)
    choice_of_pair = np.empty(len(pairs), dtype=np.int32)
    for i, key in enumerate(pairs.tolist()):
        st, ti = divmod(key, len(tier.names) + 1)
        model = config.model_for(stage.names[st - 1] if st else None, tier.names[ti - 1] if ti else None)
        choice_of_pair[i] = config.models.index(model)
    choice = choice_of_pair[inverse.ravel()]
    used = np.unique(choice)
    if len(used) <= 1 and peers is None:
        model = config.models[int(used[0])] if len(used) else config.models[-1]
        return _score(metrics, model, tier, version, explain, previous)
    parts, positions = [], []
    for index in used.tolist():
        rows = np.flatnonzero(choice == index)
        model = config.models[index]
        before = None if previous is None else previous[rows]
        if peers is None:
            parts.append(
                _score(metrics.take(pa.array(rows)), model, tier.take(rows), version, explain, before)
            )
        else:
            chosen = metrics.take(pa.array(rows))
            parts.append(_score_among(chosen, model, tiers, version, explain, peers, before))
        positions.append(rows)
    if not parts:
        return _score(metrics, config.models[-1], tier, version, explain, previous)
    merged = pa.concat_tables(parts, promote_options="permissive")
    return merged.take(pa.array(np.argsort(np.concatenate(positions), kind="stable")))


def _score_among(
    metrics: pa.Table,
    model: HealthModel,
    tiers: pa.Table | None,
    version: int,
    explain: bool,
    peers: pa.Table,
    previous: np.ndarray | None = None,
) -> pa.Table:
    """Scores these rows with the peers judged by the same model beside them in the percentile ranks."""
    if not any(ms.scoring.method == "percentile" for ms in model.measures):
        return _score(metrics, model, tier_codes(metrics, tiers), version, explain, previous)
    same = peers.filter(pc.equal(peers.column("model"), model.name))
    shared = [c for c in same.column_names if c in metrics.column_names]
    both = pa.concat_tables([metrics, same.select(shared)], promote_options="permissive")
    return _score(both, model, tier_codes(both, tiers), version, explain, previous, rows=metrics.num_rows)
