"""Segment-style usage events for the demo world, generated with numpy a few weeks at a time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lodestar.analytics.event_store import EVENT_SCHEMA
from lodestar.demo import catalog
from lodestar.demo.world import HISTORY_DAYS, World

DAY_US = 86_400_000_000
WEEKDAY_WEIGHTS = np.array([1.0, 1.05, 1.05, 1.0, 0.85, 0.12, 0.08])
ACCOUNT_BLOCK = 10_000
PAGE_SHARE = 0.12
N_KEY = len(catalog.KEY_FEATURES)
FEATURES = [*catalog.KEY_FEATURES, *catalog.OTHER_FEATURES, catalog.TRAINING_EVENT]
TRAINING = len(FEATURES) - 1
_zipf = 1.0 / np.arange(1, len(catalog.OTHER_FEATURES) + 1) ** 0.9
OTHER_CDF = np.cumsum(_zipf / _zipf.sum())


@dataclass(frozen=True)
class Identity:
    """Per-account strings the events need: group ids and JSON traits of the group call."""

    group_ids: pa.Array
    group_traits: pa.Array


def _properties() -> tuple[pa.Array, pa.Array]:
    feats = [json.dumps({"key_feature": i < N_KEY, "source": "web"}) for i in range(len(FEATURES))]
    pages = [json.dumps({"path": "/" + p.lower().replace(" ", "-"), "title": p}) for p in catalog.PAGES]
    return pa.array(feats), pa.array(pages)


def _week_rows(
    world: World, block: np.ndarray, weeks: np.ndarray, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    a = np.repeat(block, len(weeks))
    ws = np.tile(weeks, len(block))
    end = world.final_end[a]
    live = (world.start0[a] <= ws + 6) & (ws < end) & (ws < world.today)
    a, ws, end = a[live], ws[live], end[live]
    mid = np.clip(ws + 3, world.start0[a], end - 1)
    seats = world.seats_on(mid, a)
    v = world.value[a]
    ramp = np.clip(0.25 + 0.75 * (mid - world.start0[a]) / 70, 0, 1)
    ds = world.decline_start[a]
    fade = np.where(ds >= 0, 1 - 0.85 * np.clip((mid - ds) / np.maximum(end - ds, 1), 0, 1), 1.0)
    gone = (world.champion_left[a] >= 0) & (mid >= world.champion_left[a])
    adoption = (0.1 + 0.8 * v) * ramp * fade * np.where(gone, 0.85, 1.0) * rng.lognormal(0, 0.08, len(a))
    intensity = (0.1 + 1.0 * v) * fade
    return {"a": a, "ws": ws, "seats": seats, "adoption": adoption, "intensity": intensity}


def _active_users(rows: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    seats = rows["seats"]
    idx = np.repeat(np.arange(len(seats)), seats)
    k = np.arange(len(idx)) - np.repeat(np.cumsum(seats) - seats, seats)
    a = rows["a"][idx]
    propensity = np.modf(k * 0.618034 + a * 0.414214)[0]
    adopted = (k + 0.5) / seats[idx] < rows["adoption"][idx]
    p = np.where(adopted, 0.5 + 0.45 * propensity, 0.03)
    on = rng.random(len(idx)) < p
    return {"row": idx[on], "a": a[on], "k": k[on]}


def _events(
    world: World,
    rows: dict[str, np.ndarray],
    users: dict[str, np.ndarray],
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    n = 1 + rng.poisson(rows["intensity"][users["row"]])
    u = np.repeat(np.arange(len(n)), n)
    a = users["a"][u]
    dow = np.searchsorted(np.cumsum(WEEKDAY_WEIGHTS / WEEKDAY_WEIGHTS.sum()), rng.random(len(u)))
    day = rows["ws"][users["row"][u]] + np.minimum(dow, 6)
    secs = np.clip(rng.normal(4.5 * 3600, 2.3 * 3600, len(u)), 0, 86_399)
    ok = (day >= world.start0[a]) & (day < world.final_end[a]) & (day < world.today)
    u, a, day, secs = u[ok], a[ok], day[ok], secs[ok]
    v = world.value[a]
    key = rng.random(len(u)) < 0.3 + 0.4 * v
    breadth = 1 + np.floor(7.99 * v**0.7)
    feature = np.where(
        key,
        np.floor(rng.random(len(u)) * breadth),
        N_KEY + np.searchsorted(OTHER_CDF, rng.random(len(u)) * 0.999999),
    ).astype(np.int64)
    page = rng.random(len(u)) < PAGE_SHARE
    ts = day * DAY_US + (secs * 1e6).astype(np.int64)
    return {"a": a, "k": users["k"][u], "ts": ts, "feature": feature, "page": page}


def _training(
    world: World, block: np.ndarray, lo: int, hi: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Training completions of the first contract's users, on days in [lo, hi)."""
    c = world.contracts
    first = c.renews < 0
    seats0 = np.zeros(world.n, dtype=np.int64)
    seats0[c.account[first]] = c.seats[first]
    count = np.round(world.training_rate[block] * seats0[block]).astype(np.int64)
    a = np.repeat(block, count)
    k = np.arange(len(a)) - np.repeat(np.cumsum(count) - count, count)
    base = np.where(world.training_day[a] >= 0, world.training_day[a], world.start0[a] + 20)
    # A fixed per-user offset (not a fresh draw) keeps each completion on one day whatever the chunking.
    offset = 2 + np.floor(np.modf(k * 0.754877 + a * 0.569840)[0] * 40).astype(np.int64)
    day = base + offset
    ok = (day >= lo) & (day < hi) & (day < world.today) & (day < world.final_end[a])
    a, k, day = a[ok], k[ok], day[ok]
    ts = day * DAY_US + (rng.normal(5 * 3600, 1800, len(a)).clip(0, 86_399) * 1e6).astype(np.int64)
    return {"a": a, "k": k, "ts": ts, "feature": np.full(len(a), TRAINING), "page": np.zeros(len(a), bool)}


def _merge(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}


def _first_seen(ev: dict[str, np.ndarray], slot: np.ndarray, seen: np.ndarray) -> dict[str, np.ndarray]:
    gid = slot[ev["a"]] + ev["k"]
    order = np.lexsort((ev["ts"], gid))
    uniq, first = np.unique(gid[order], return_index=True)
    fresh = ~seen[uniq]
    seen[uniq[fresh]] = True
    pick = order[first[fresh]]
    return {"a": ev["a"][pick], "k": ev["k"][pick], "ts": ev["ts"][pick] - 1_000_000}


def _table(
    ev: dict[str, np.ndarray],
    intro: dict[str, np.ndarray],
    ident: Identity,
    prefix: str,
    rng: np.random.Generator,
) -> pa.Table:
    feats, pages = _properties()
    i = len(intro["a"])
    a = np.concatenate([intro["a"], intro["a"], ev["a"]])
    k = np.concatenate([intro["k"], intro["k"], ev["k"]])
    ts = np.concatenate([intro["ts"], intro["ts"] + 1000, ev["ts"]])
    kind = np.concatenate(
        [np.zeros(i, np.int8), np.ones(i, np.int8), np.where(ev["page"], 3, 2).astype(np.int8)]
    )
    group = ident.group_ids.take(pa.array(a))
    user = pc.binary_join_element_wise(group, pc.cast(pa.array(k + 1), pa.string()), "-u")
    types = pa.array(["identify", "group", "track", "page"]).take(pa.array(kind))
    track = np.flatnonzero(kind == 2)
    page_rows = np.flatnonzero(kind == 3)
    feature = np.concatenate([np.zeros(2 * i, np.int64), ev["feature"]])
    page_no = rng.integers(0, len(catalog.PAGES), len(a))
    event = _scatter(len(a), track, pa.array(FEATURES).take(pa.array(feature[track])))
    name = _scatter(len(a), page_rows, pa.array(catalog.PAGES).take(pa.array(page_no[page_rows])))
    props = _scatter(
        len(a),
        np.r_[track, page_rows],
        pa.concat_arrays([feats.take(pa.array(feature[track])), pages.take(pa.array(page_no[page_rows]))]),
    )
    user_traits = pc.binary_join_element_wise(
        '{"email": "',
        user.slice(0, i),
        '@users.demo", "seat": ',
        pc.cast(pa.array(k[:i] + 1), pa.string()),
        "}",
        "",
    )
    traits = _scatter(
        len(a),
        np.arange(2 * i),
        pa.concat_arrays([user_traits, ident.group_traits.take(pa.array(intro["a"]))]),
    )
    ids = pc.binary_join_element_wise(prefix, pc.cast(pa.array(np.arange(len(a))), pa.string()), "")
    received = ts + rng.integers(50_000, 3_000_000, len(a))
    cols = {
        "message_id": ids,
        "type": types,
        "event": event,
        "name": name,
        "user_id": user,
        "anonymous_id": pa.nulls(len(a), pa.string()),
        "group_id": group,
        "timestamp": pa.array(ts).cast(pa.timestamp("us", tz="UTC")),
        "received_at": pa.array(received).cast(pa.timestamp("us", tz="UTC")),
        "source": pa.array(np.full(len(a), "demo")),
        "properties": props,
        "traits": traits,
    }
    return pa.Table.from_pydict(cols, schema=EVENT_SCHEMA)


def _scatter(size: int, positions: np.ndarray, values: pa.Array) -> pa.Array:
    """A string array of `size` nulls with `values` placed at `positions`."""
    if len(values) == 0:
        return pa.nulls(size, pa.string())
    index = np.full(size, -1, dtype=np.int64)
    index[positions] = np.arange(len(positions))
    missing = index < 0
    return values.take(pa.array(np.where(missing, 0, index), mask=missing))


def event_chunks(world: World, ident: Identity, seed: int) -> Iterator[pa.Table]:
    """Yields the events of the whole history, a few weeks (all accounts) at a time."""
    first_day = world.today - HISTORY_DAYS
    week0 = first_day - (first_day + 3) % 7  # the Monday on or before
    weeks = np.arange(week0, world.today, 7)
    per_chunk = 4 if world.n <= 20_000 else 2
    c = world.contracts
    max_seats = np.zeros(world.n, dtype=np.int64)
    np.maximum.at(max_seats, c.account, c.seats)
    slot = np.cumsum(max_seats) - max_seats
    seen = np.zeros(int(max_seats.sum()), dtype=bool)
    blocks = [np.arange(i, min(i + ACCOUNT_BLOCK, world.n)) for i in range(0, world.n, ACCOUNT_BLOCK)]
    for chunk, lo in enumerate(range(0, len(weeks), per_chunk)):
        wk = weeks[lo : lo + per_chunk]
        parts = []
        for b, block in enumerate(blocks):
            rng = np.random.default_rng([seed, 3, chunk, b])
            rows = _week_rows(world, block, wk, rng)
            users = _active_users(rows, rng)
            parts.append(_events(world, rows, users, rng))
            parts.append(_training(world, block, int(wk[0]), int(wk[-1]) + 7, rng))
        ev = _merge(parts)
        if len(ev["a"]) == 0:
            continue
        intro = _first_seen(ev, slot, seen)
        rng = np.random.default_rng([seed, 4, chunk])
        yield _table(ev, intro, ident, f"demo-{seed}-{chunk}-", rng)
