"""Purchase-intent stars: backtest them at a past date, or score every account now and keep its stars.

Training is time-aware: at a date D only snapshots T whose horizon (T, T + horizon] has closed by D are
learnt from, and only target occurrences up to D label them.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from lodestar.accounts.intent_stars import set_intent_stars, three_star_leads
from lodestar.analytics import snapshot_store
from lodestar.auth import service as auth_service
from lodestar.auth.models import User
from lodestar.intent import config_kind, cutoffs, kept_model, model
from lodestar.intent.rows import Rows, rows_at, stacked
from lodestar.intent.schemas import (
    IntentSettings,
    SalesLead,
    SalesLeadPage,
    StarsBacktestRead,
    StarsScoreRead,
)
from lodestar.intent.targets import Occurrences, occurrences
from lodestar.kit.errors import InvalidInput
from lodestar.kit.text import Text
from lodestar.renewals.records import service as renewals_service

MIN_HITS = 10  # of each outcome among the training rows
SPACING_DAYS, MAX_DATES = 7, 26  # learn from weekly dates (daily ones repeat each other), half a year of them
RETRAIN_DAYS = 7  # the daily run scores with a model up to a week old, then learns again


def _spaced(closed: list[date]) -> list[date]:
    """The newest closed date and those at least a week apart going back, at most 26."""
    kept: list[date] = []
    for day in sorted(closed, reverse=True):
        if not kept or (kept[-1] - day).days >= SPACING_DAYS:
            kept.append(day)
        if len(kept) == MAX_DATES:
            break
    return sorted(kept)


def _closed(settings: IntentSettings, day: date, dates: list[date]) -> list[date]:
    """The snapshot dates to learn from: spaced, each with its horizon closed by `day`."""
    return _spaced([t for t in dates if t + timedelta(days=settings.horizon_days) <= day])


def _nothing_closed(settings: IntentSettings, day: date) -> InvalidInput:
    return InvalidInput.one(
        "--as-of",
        Text(
            "no snapshot on or before %(day)s, whose %(horizon)s-day horizon has closed, to learn from; "
            "backfill earlier snapshots with `lodestar run --from`",
            day=(day - timedelta(days=settings.horizon_days)).isoformat(),
            horizon=settings.horizon_days,
        ),
    )


def _training(root: Path, settings: IntentSettings, day: date, dates: list[date], occ: Occurrences) -> Rows:
    horizon = settings.horizon_days
    closed = _closed(settings, day, dates)
    parts = [r for t in closed if (r := rows_at(root, t, dates, occ, settings.history_days, horizon))]
    if not parts:
        raise _nothing_closed(settings, day)
    rows = stacked(parts)
    assert rows.hit is not None
    hits = int(rows.hit.sum())
    if min(hits, len(rows.hit) - hits) < MIN_HITS:
        raise InvalidInput.one(
            "--as-of",
            Text(
                "the training rows hold %(hits)s of %(rows)s that hit the target: at least %(min)s of each "
                "outcome are needed",
                hits=hits,
                rows=len(rows.hit),
                min=MIN_HITS,
            ),
        )
    return rows


def _occurrences(
    session: Session, events_dir: Path, settings: IntentSettings, dates: list[date], last: date
) -> Occurrences:
    first = (dates[0] if dates else last) - timedelta(days=settings.history_days)
    return occurrences(session, events_dir, settings.target, first, last)


def _snapshot_day(root: Path, day: date) -> date:
    dates = snapshot_store.dates(root)
    if day not in dates:
        raise InvalidInput.one(
            "--as-of",
            Text("there is no snapshot of %(day)s; run `lodestar run --as-of %(day)s`", day=day.isoformat()),
        )
    return day


def backtest(
    session: Session, root: Path, events_dir: Path, as_of: date, today: date, horizon: int | None = None
) -> StarsBacktestRead:
    """The stars as they would have been given at a past date, against what happened in the horizon since."""
    settings = config_kind.current(session)[0]
    if horizon is not None:
        settings = settings.model_copy(update={"horizon_days": horizon})
    known = as_of + timedelta(days=settings.horizon_days)
    if known > today:
        raise InvalidInput.one(
            "--as-of",
            Text(
                "the %(horizon)s-day horizon after %(day)s has not passed yet; "
                "choose a date on or before %(last)s",
                horizon=settings.horizon_days,
                day=as_of.isoformat(),
                last=(today - timedelta(days=settings.horizon_days)).isoformat(),
            ),
        )
    day = _snapshot_day(root, as_of)
    dates = snapshot_store.dates(root)
    occ = _occurrences(session, events_dir, settings, dates, known)
    training = _training(root, settings, day, dates, occ)
    test = rows_at(root, day, dates, occ, settings.history_days, settings.horizon_days)
    assert test is not None and test.hit is not None and training.hit is not None
    fitted = model.fit(training)
    return StarsBacktestRead(
        as_of=day,
        horizon_days=settings.horizon_days,
        target=settings.target,
        training_dates=len({int(d) for d in training.as_of}),
        training_rows=len(training.hit),
        accounts=len(test.hit),
        hits=int(test.hit.sum()),
        model=model.ranking(fitted.score(test.features), test.hit, fitted.cutoffs),
        baseline=model.ranking(
            model.baseline_score(test.features), test.hit, model.baseline_cutoffs(training)
        ),
    )


def _fitted(
    session: Session, root: Path, events_dir: Path, settings: IntentSettings, day: date
) -> tuple[model.Fitted, int, Occurrences]:
    dates = snapshot_store.dates(root)
    if not _closed(settings, day, dates):  # a young install: nothing to learn from, the contracts unread
        raise _nothing_closed(settings, day)
    occ = _occurrences(session, events_dir, settings, dates, day)
    training = _training(root, settings, day, dates, occ)
    return model.fit(training), len(training.account_id), occ


def _apply(
    session: Session, root: Path, fitted: model.Fitted, settings: IntentSettings, occ: Occurrences, day: date
) -> tuple[dict[int, int], int]:
    """(accounts per star level, accounts whose stored stars changed)."""
    now = rows_at(root, day, snapshot_store.dates(root), occ, settings.history_days, None)
    if now is None:
        return {1: 0, 2: 0, 3: 0}, 0
    scores = fitted.score(now.features)
    stars = cutoffs.stars_of(scores, fitted.cutoffs)
    scored = {int(a): (int(s), float(p)) for a, s, p in zip(now.account_id, stars, scores, strict=True)}
    changed = set_intent_stars(session, day, scored)
    return {level: int((stars == level).sum()) for level in (1, 2, 3)}, changed


def score(session: Session, root: Path, events_dir: Path, as_of: date) -> StarsScoreRead:
    """Every account's stars at a date (a snapshot of that date must exist), learnt afresh, kept on the
    account."""
    settings, version = config_kind.current(session)
    day = _snapshot_day(root, as_of)
    fitted, rows, occ = _fitted(session, root, events_dir, settings, day)
    kept_model.save(root, kept_model.Kept(fitted, day, version, rows))
    return StarsScoreRead(
        as_of=day,
        horizon_days=settings.horizon_days,
        target=settings.target,
        training_rows=rows,
        stars=_apply(session, root, fitted, settings, occ, day)[0],
        cutoffs=fitted.cutoffs,
    )


def after_snapshot(session: Session, root: Path, events_dir: Path, day: date) -> int:
    """The daily run's step: every account's stars of the present date, with the kept model while it is
    under a week old and the configuration unchanged, else learnt again. Accounts whose stars changed; 0
    when there is not yet enough history to learn from (the stars wait, the run goes on)."""
    settings, version = config_kind.current(session)
    kept = kept_model.load(root)
    if (
        kept is not None
        and kept.config_version == version
        and 0 <= (day - kept.trained_on).days < RETRAIN_DAYS
    ):
        dates = snapshot_store.dates(root)
        occ = _occurrences(session, events_dir, settings, dates, day)
        fitted = kept.fitted
    else:
        try:
            fitted, rows, occ = _fitted(session, root, events_dir, settings, day)
        except InvalidInput:
            return 0
        kept_model.save(root, kept_model.Kept(fitted, day, version, rows))
    return _apply(session, root, fitted, settings, occ, day)[1]


def sales_leads(session: Session, viewer: User, page: int = 1, size: int = 50) -> SalesLeadPage:
    """The viewer's 3-star accounts (row-level scoped) with no open renewal proposing more than its ARR."""
    scope = auth_service.scope_for(session, viewer)
    unless = renewals_service.expansion_in_hand
    rows, total = three_star_leads(session, scope.owner_ids, unless, (page - 1) * size, size)
    names = {u.id: u.name for u in auth_service.visible_owners(session, viewer)}
    items = [
        SalesLead(
            account_id=r.id,
            name=r.name,
            owner_id=r.owner_id,
            owner=names.get(r.owner_id) if r.owner_id is not None else None,
            tier=r.tier,
            arr=r.arr,
            currency=r.currency,
            renewal_date=r.renewal_date,
            score=r.intent_score,
            scored_on=r.intent_scored_on,
        )
        for r in rows
    ]
    return SalesLeadPage(items=items, total=total, page=page, size=size)
