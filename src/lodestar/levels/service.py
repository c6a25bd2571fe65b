"""Maturity levels: an account's level with its next-level gap and history, and the portfolio's level
distribution by tier and CSM with the moves between two snapshot dates (both over the viewer's accounts).

Levels are derived, never stored: each question reads the snapshot store's metric columns for the dates
it needs and computes the levels set-based with the active configuration.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.accounts.models import Account
from lodestar.analytics import snapshot_store as store
from lodestar.analytics.metrics import labels as _metric_labels  # noqa: F401  (registers the metrics' labels)
from lodestar.auth import service as auth_service
from lodestar.auth.models import User
from lodestar.kit.errors import InvalidInput
from lodestar.kit.labels import label_of
from lodestar.kit.text import N_, Text
from lodestar.levels import computation, config_kind
from lodestar.levels.schemas import (
    TOP_LEVEL,
    AccountLevel,
    DimensionGap,
    DimensionScore,
    LevelGroup,
    LevelMetric,
    LevelPortfolio,
    LevelsConfig,
    MetricTarget,
)

HISTORY_DATES = 12  # the account's level on its latest stored dates, oldest first
DEFAULT_SPAN_DAYS = 90  # moves are counted since the stored date nearest 90 days before the date shown


def current(session: Session) -> tuple[LevelsConfig, int]:
    """The active levels configuration and its version."""
    return config_kind.current(session)


def metric_label(metric: LevelMetric, chinese: bool) -> str:
    """A metric's label: the configured one in the reader's language, else the registered metric label."""
    if chinese and metric.label_zh:
        return metric.label_zh
    return label_of("metric", metric.metric, metric.label)


def _read(root: Path, day: date, columns: list[str], account_ids: list[int] | None = None) -> pa.Table | None:
    """A date's `account_id` and those of `columns` it has (only these accounts' rows when given)."""
    if account_ids is not None:
        return store.read_accounts(root, day, account_ids, ["account_id", *columns])
    names = set(store.column_names(root, day))
    return store.read(root, day, [c for c in ["account_id", *columns] if c in names])


def _gaps(
    row: pa.Table, config: LevelsConfig, scores: np.ndarray, target: int, chinese: bool
) -> list[DimensionGap]:
    """The dimensions of a one-row table below level `target`'s minimums, with the metrics that move them."""
    gaps = []
    for d, dim in enumerate(config.dimensions):
        minimum = dim.minimums[target - 1]
        score = float(scores[d, 0])
        if not np.isnan(score) and score >= minimum:
            continue
        levers = [
            MetricTarget(
                metric=t.metric.metric,
                label=metric_label(t.metric, chinese),
                value=t.value,
                score=None if t.score is None else round(t.score, 1),
                target=t.target,
                closes_gap_alone=t.alone,
            )
            for t in computation.targets(row, dim, minimum)
        ]
        short = minimum - (0.0 if np.isnan(score) else score)
        known = None if np.isnan(score) else round(score, 1)
        gaps.append(DimensionGap(key=dim.key, name=dim.shown(chinese), score=known, minimum=minimum,
                                 short_by=round(short, 1), metrics=levers))  # fmt: skip
    return sorted(gaps, key=lambda g: -g.short_by)


def account_level(
    session: Session, root: Path, account: Account, chinese: bool = False
) -> AccountLevel | None:
    """The account's level on its newest stored snapshot (a patch counts: it is a point read), each
    dimension's score, what the next level takes, and its level on its latest stored dates; None before
    any snapshot holds the account. The caller has checked the viewer may see the account."""
    config, version = current(session)
    columns = computation.columns_needed(config)
    history: list[tuple[date, int]] = []
    latest: tuple[date, pa.Table, computation.Levels] | None = None
    for day in store.dates(root, patched=True)[-HISTORY_DATES:]:
        row = _read(root, day, columns, [account.id])
        if row is None or not row.num_rows:
            continue
        levels = computation.compute(row, config)
        history.append((day, int(levels.levels[0])))
        latest = (day, row, levels)
    if latest is None:
        return None
    day, row, levels = latest
    level = int(levels.levels[0])
    following = level + 1 if level < TOP_LEVEL else None
    dims = [
        DimensionScore(
            key=dim.key,
            name=dim.shown(chinese),
            score=None if np.isnan(levels.scores[d, 0]) else round(float(levels.scores[d, 0]), 1),
            coverage=round(float(levels.coverage[d, 0]), 3),
        )
        for d, dim in enumerate(config.dimensions)
    ]
    return AccountLevel(
        account_id=account.id,
        as_of=day,
        level=level,
        level_name=config.level_name(level, chinese),
        next_level=following,
        next_level_name=None if following is None else config.level_name(following, chinese),
        dimensions=dims,
        gaps=[] if following is None else _gaps(row, config, levels.scores, following, chinese),
        config_version=version,
        history=history,
    )


def _visible(session: Session, viewer: User) -> dict[int, tuple[int | None, str | None]]:
    """(owner_id, tier now) of every account the viewer may see, by id."""
    scope = auth_service.scope_for(session, viewer)
    return {int(a): (o, t) for a, o, t in accounts_service.owners_and_tiers(session) if scope.allows_owner(o)}


def _levels_on(
    root: Path, day: date, config: LevelsConfig, visible: dict[int, tuple[int | None, str | None]]
) -> tuple[np.ndarray, np.ndarray, list[str | None]]:
    """(account ids, levels, tier on the date) of the visible accounts in the date's snapshot."""
    table = _read(root, day, ["tier", *computation.columns_needed(config)])
    if table is None:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), []
    ids = np.asarray(table.column("account_id").to_numpy(zero_copy_only=False), dtype=np.int64)
    table = table.filter(pa.array(np.isin(ids, np.fromiter(visible, np.int64, len(visible)))))
    levels = computation.compute(table, config)
    if "tier" in table.column_names:
        tiers = pc.cast(table.column("tier"), pa.string()).to_pylist()
    else:
        tiers = [visible[int(a)][1] for a in levels.account_ids]
    return levels.account_ids, levels.levels, tiers


def _groups(keys: list[str], labels: Callable[[str], str], levels: np.ndarray) -> list[LevelGroup]:
    """Counts per level 0..4 of each group key, groups in key order."""
    found, group = np.unique(np.array(keys, dtype=object), return_inverse=True)
    width = TOP_LEVEL + 1
    counts = np.bincount(group * width + levels, minlength=len(found) * width).reshape(len(found), width)
    return [
        LevelGroup(key=str(key), label=labels(str(key)), counts=[int(c) for c in row])
        for key, row in zip(found, counts, strict=True)
    ]


def _dates_asked(days: list[date], as_of: date | None, since: date | None) -> tuple[date, date | None]:
    """The date shown (default: the newest) and the date moves count from (default: the stored date
    nearest 90 days before); each must be a stored date, since before as_of."""
    shown = as_of or days[-1]
    if shown not in days:
        raise InvalidInput.one("as_of", Text(N_("no snapshot is stored for %(day)s"), day=shown.isoformat()))
    if since is None:
        earlier = [d for d in days if d < shown]
        goal = shown - timedelta(days=DEFAULT_SPAN_DAYS)
        return shown, min(earlier, key=lambda d: abs((d - goal).days)) if earlier else None
    if since not in days:
        raise InvalidInput.one("since", Text(N_("no snapshot is stored for %(day)s"), day=since.isoformat()))
    if since >= shown:
        raise InvalidInput.one("since", Text(N_("must be before the date shown")))
    return shown, since


def portfolio(
    session: Session, viewer: User, root: Path, as_of: date | None = None, since: date | None = None,
    chinese: bool = False,
) -> LevelPortfolio:  # fmt: skip
    """The viewer's accounts by level on `as_of` per tier (on that date) and per CSM (the owner now), and
    the move matrix from `since` to `as_of` over the accounts in both snapshots."""
    config, version = current(session)
    days = store.dates(root)
    names = [config.level_name(k, chinese) for k in range(TOP_LEVEL + 1)]
    if not days:
        if as_of is not None or since is not None:
            raise InvalidInput.one("as_of" if as_of else "since", Text(N_("no snapshot is stored yet")))
        empty = [0] * (TOP_LEVEL + 1)
        return LevelPortfolio(as_of=None, since=None, dates=[], level_names=names, totals=empty,
                              by_tier=[], by_csm=[], moves=None, config_version=version)  # fmt: skip
    shown, start = _dates_asked(days, as_of, since)
    visible = _visible(session, viewer)
    ids, levels, tiers = _levels_on(root, shown, config, visible)
    people = {u.id: u.name for u in auth_service.visible_owners(session, viewer)}
    owners = [str(visible[int(a)][0] or "") for a in ids]
    no_tier, no_owner = Text(N_("No tier")), Text(N_("No owner"))
    moves = None
    if start is not None:
        before_ids, before_levels, _ = _levels_on(root, start, config, visible)
        _, now_at, then_at = np.intersect1d(ids, before_ids, assume_unique=True, return_indices=True)
        matrix = np.zeros((TOP_LEVEL + 1, TOP_LEVEL + 1), dtype=np.int64)
        np.add.at(matrix, (before_levels[then_at], levels[now_at]), 1)
        moves = matrix.tolist()
    return LevelPortfolio(
        as_of=shown,
        since=start,
        dates=days,
        level_names=names,
        totals=[int(c) for c in np.bincount(levels, minlength=TOP_LEVEL + 1)],
        by_tier=_groups([t or "" for t in tiers], lambda k: k or no_tier, levels),
        by_csm=_groups(owners, lambda k: people.get(int(k), k) if k else no_owner, levels),
        moves=moves,
        config_version=version,
    )
