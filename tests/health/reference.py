"""The original one-pass health scoring, kept as the reference the chunked scoring must equal."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

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


def _floats(metrics: pa.Table, column: str) -> np.ndarray:
    """A metric column as float64 with NaN for null (an absent column is all NaN)."""
    if column not in metrics.column_names:
        return np.full(metrics.num_rows, np.nan)
    col = metrics.column(column)
    if pa.types.is_boolean(col.type):
        col = pc.cast(col, pa.int8())
    return np.asarray(pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)


def _tier_of(metrics: pa.Table, tiers: pa.Table | None) -> np.ndarray:
    """Each row's tier as an object array (None when unknown)."""
    n = metrics.num_rows
    if tiers is None:
        if "tier" in metrics.column_names:
            return np.asarray(metrics.column("tier").to_pylist(), dtype=object)
        return np.full(n, None, dtype=object)
    ids = tiers.column("account_id").to_numpy()
    names = np.asarray(tiers.column("tier").to_pylist(), dtype=object)
    order = np.argsort(ids, kind="stable")
    ids, names = ids[order], names[order]
    wanted = metrics.column("account_id").to_numpy()
    out = np.full(n, None, dtype=object)
    if len(ids):
        pos = np.clip(np.searchsorted(ids, wanted), 0, len(ids) - 1)
        found = ids[pos] == wanted
        out[found] = names[pos][found]
    return out


def _peer_keys(metrics: pa.Table, tier: np.ndarray) -> np.ndarray:
    """An integer per (as_of, tier) peer group."""
    tier_codes: np.ndarray = np.unique(tier.astype(str), return_inverse=True)[1].astype(np.int64)
    if "as_of" not in metrics.column_names:
        return tier_codes
    days = pc.cast(metrics.column("as_of"), pa.int32()).to_numpy(zero_copy_only=False).astype(np.int64)
    keys: np.ndarray = days * (int(tier_codes.max(initial=0)) + 1) + tier_codes
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


def grades(score: np.ndarray, model: HealthModel) -> pa.Array:
    """green / yellow / red per score (null where the score is null)."""
    labels = np.where(
        score >= model.grades.green, "green", np.where(score >= model.grades.yellow, "yellow", "red")
    )
    return pa.array(labels, mask=np.isnan(score), type=pa.string())


def _group_weights(model: HealthModel, tier: np.ndarray, has: dict[str, bool]) -> dict[str, np.ndarray]:
    """Per-row CO and CX shares, normalised over the groups the model has measures in."""
    keys, inverse = np.unique(tier.astype(str), return_inverse=True)
    table = []
    for key in keys:
        gw = model.weights_for(None if key == "None" else key)
        co, cx = gw.co * has["co"], gw.cx * has["cx"]
        total = co + cx or 1.0
        table.append((co / total, cx / total))
    arr = np.array(table).reshape(-1, 2)
    return {"co": arr[inverse, 0], "cx": arr[inverse, 1]}


def _explanations(model: HealthModel, values: np.ndarray, scores: np.ndarray, eff: np.ndarray) -> pa.Array:
    """A list of measure rows per account, built column-wise without Python loops over rows."""
    n, m = values.shape
    names = pa.array([ms.name for ms in model.measures])
    groups = pa.array([ms.group for ms in model.measures])
    codes = pa.array(np.tile(np.arange(m, dtype=np.int32), n))
    flat_scores = scores.ravel()
    struct = pa.StructArray.from_arrays(
        [
            pa.DictionaryArray.from_arrays(codes, names),
            pa.DictionaryArray.from_arrays(codes, groups),
            pa.array(values.ravel(), from_pandas=True),
            pa.array(flat_scores, from_pandas=True),
            pa.array(eff.ravel()),
            pa.array(np.nan_to_num(eff.ravel() * flat_scores)),
        ],
        fields=list(EXPLANATION),
    )
    offsets = pa.array(np.arange(0, n * m + 1, m, dtype=np.int32))
    return pa.ListArray.from_arrays(offsets, struct)


def score(metrics: pa.Table, model: HealthModel, tiers: pa.Table | None = None, version: int = 0) -> pa.Table:
    """Scores every (account_id, as_of) row of a metrics table with one health model."""
    return _score(metrics, model, _tier_of(metrics, tiers), version)


def _score(metrics: pa.Table, model: HealthModel, tier: np.ndarray, version: int) -> pa.Table:
    n = metrics.num_rows
    peers = _peer_keys(metrics, tier)
    values = np.column_stack([_floats(metrics, ms.metric) for ms in model.measures]).reshape(n, -1)
    scores = np.column_stack(
        [measure_scores(values[:, j], ms.scoring, peers) for j, ms in enumerate(model.measures)]
    ).reshape(n, -1)
    present = (~np.isnan(scores)).astype(np.float64)
    filled = np.nan_to_num(scores)
    groups = ("co", "cx")
    member = np.array([[ms.group == g for g in groups] for ms in model.measures], dtype=np.float64)
    weights = np.array([ms.weight for ms in model.measures])[:, None] * member  # (m, 2) by group
    share = _group_weights(model, tier, {g: bool(member[:, i].any()) for i, g in enumerate(groups)})
    shares = np.column_stack([share[g] for g in groups])  # (n, 2) nominal CO/CX shares
    present_weight = present @ weights  # matrix products keep this fast for millions of rows
    with np.errstate(invalid="ignore", divide="ignore"):
        group_scores = np.where(present_weight > 0, (filled @ weights) / present_weight, np.nan)
        live = np.where(present_weight > 0, shares, 0.0)
        live_total = live.sum(axis=1, keepdims=True)
        final = np.where(live_total > 0, live / live_total, 0.0)
        total = np.where(live_total[:, 0] > 0, (np.nan_to_num(group_scores) * final).sum(axis=1), np.nan)
        per_unit = final / np.where(present_weight > 0, present_weight, 1.0)  # (n, 2)
    eff = present * (per_unit @ weights.T)
    coverage = (present_weight / np.maximum(weights.sum(axis=0), 1e-12) * shares).sum(axis=1)
    group_score = {g: group_scores[:, i] for i, g in enumerate(groups)}
    return pa.table(
        {
            "account_id": metrics.column("account_id"),
            "as_of": metrics.column("as_of") if "as_of" in metrics.column_names else pa.nulls(n, pa.date32()),
            "model": pa.repeat(pa.scalar(model.name, pa.string()), n),
            "model_version": pa.array(np.full(n, version, dtype=np.int32)),
            "score": pa.array(total, from_pandas=True),
            "grade": grades(total, model),
            "coverage": pa.array(np.asarray(coverage, dtype=np.float64)),
            "co_score": pa.array(group_score["co"], from_pandas=True),
            "cx_score": pa.array(group_score["cx"], from_pandas=True),
            "explanations": _explanations(model, values, scores, eff),
        }
    )


def score_all(
    metrics: pa.Table,
    config: HealthConfig,
    tiers: pa.Table | None = None,
    stages: pa.Array | None = None,
    version: int = 0,
) -> pa.Table:
    """Scores each row with the first model that applies to its stage and tier, keeping row order."""
    tier = _tier_of(metrics, tiers)
    stage = np.asarray(stages.to_pylist() if stages is not None else [None] * metrics.num_rows, dtype=object)
    choice = np.zeros(metrics.num_rows, dtype=np.int32)
    pairs, inverse = np.unique(
        np.stack([stage.astype(str), tier.astype(str)], axis=1), axis=0, return_inverse=True
    )
    for i, (st, ti) in enumerate(pairs):
        model = config.model_for(None if st == "None" else st, None if ti == "None" else ti)
        choice[inverse.ravel() == i] = config.models.index(model)
    parts, positions = [], []
    for index, model in enumerate(config.models):
        rows = np.flatnonzero(choice == index)
        if len(rows):
            parts.append(_score(metrics.take(pa.array(rows)), model, tier[rows], version))
            positions.append(rows)
    if not parts:
        return _score(metrics, config.models[-1], tier, version)
    merged = pa.concat_tables(parts, promote_options="permissive")
    return merged.take(pa.array(np.argsort(np.concatenate(positions), kind="stable")))
