"""The demo CS team's renewal calls and the churned customers' survey answers.

After the daily run has opened the renewals and win-backs, each CSM's forecast history is replayed: a first
call when the window opens, sometimes a revision or two, read from what a CSM sees of the account (its value
realisation, a champion who left) through noise, so the calls are informative but imperfect; near the end
some CSMs hear the customer's answer. Churned customers answer about half of the churn surveys, mostly
naming the recorded reason. Seeded, so the same demo always gets the same history.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Engine

from lodestar.accounts import service as accounts_service
from lodestar.auth import service as auth_service
from lodestar.contracts import service as contracts_service
from lodestar.db.engine import unit_of_work
from lodestar.demo import catalog
from lodestar.demo.churn_reasons import FEEDBACK, OTHER_REASONS
from lodestar.demo.world import World, build_world
from lodestar.renewals.records import service as renewals_service
from lodestar.renewals.records.schemas import ForecastCall
from lodestar.renewals.winback import service as winback_service

CUTS = (-3.2, -1.5, -0.1)  # a CSM's read of the churn odds (logit) below each: commit, likely, at risk; lost
NOISE = 1.1  # how far a CSM's read strays from the account's real odds
TOLD = 0.3  # share of decided renewals whose last call came after the customer said yes or no
UNCALLED_DAYS = 10  # renewals opened this recently have no call yet
SURVEY_DELAY = 14
SURVEY_YEARS = 2  # churns this far back got a survey (the survey has been in use that long)
ANSWER_SHARE = 0.45
CATEGORIES = ("commit", "likely", "at_risk", "lost")


def _world(engine: Engine, seed: int, today: date) -> World:
    with unit_of_work(engine) as session:
        n = accounts_service.count_accounts(session)
    return build_world(n, seed, today, np.array([float(p) for _, p in catalog.PLANS]))


def _contract_index(session: Any, world: World) -> dict[int, int]:
    """The world's contract index of each contract id (the demo's external ids are CT-<index + 1>)."""
    external = [f"CT-{i + 1:07d}" for i in range(len(world.contracts.start))]
    refs = contracts_service.contract_refs(session, external)
    return {ref[0]: int(key[3:]) - 1 for key, ref in refs.items()}


def _odds(world: World, i: int) -> float:
    """The churn odds (logit) the world drew this contract's renewal with."""
    c = world.contracts
    account = int(c.account[i])
    left = int(world.champion_left[account])
    champion = left >= 0 and c.end[i] - 365 <= left < c.end[i]
    return -2.5 - 7.0 * (float(world.value[account]) - 0.55) + 2.6 * champion


def _at(day: date, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, 2, minute, tzinfo=UTC)  # 10:00 in Asia/Shanghai


def _calls(renewal: Any, odds: float, today: date, rng: np.random.Generator) -> list[ForecastCall]:
    """One renewal's calls, oldest first (none for a renewal opened in the last few days)."""
    decided = renewal.outcome is not None
    last = min(renewal.closed_on, today) if decided else today
    first = min(renewal.opened_on, last - timedelta(days=14))
    if not decided and (today - renewal.opened_on).days < UNCALLED_DAYS:
        return []
    count = 1 + int(rng.random() < 0.5) + int(rng.random() < 0.2)
    span = max((last - first).days, 1)
    days = sorted(first + timedelta(days=int(d)) for d in rng.integers(0, span, count))
    days[0] = first  # the first call when the window opens
    reads = odds + rng.normal(0.0, NOISE, count)
    picks = [CATEGORIES[int(np.searchsorted(CUTS, r))] for r in reads]
    if decided and rng.random() < TOLD:
        picks[-1] = "lost" if renewal.outcome == "churned" else "commit"
    out: list[ForecastCall] = []
    for n, (day, pick) in enumerate(zip(days, picks, strict=True)):
        if out and out[-1].category == pick:
            continue  # the same call again is no change
        out.append(ForecastCall(renewal.id, pick, renewal.owner_id, _at(day, n)))
    return out


def _forecasts(session: Any, world: World, seed: int, today: date) -> tuple[int, int]:
    rng = np.random.default_rng([seed, 17])
    index = _contract_index(session, world)
    calls: list[ForecastCall] = []
    called = 0
    for renewal in renewals_service.renewal_facts(session):
        if renewal.forecast is not None or renewal.contract_id not in index:
            continue  # already called (a second run keeps the history it has)
        mine = _calls(renewal, _odds(world, index[renewal.contract_id]), today, rng)
        calls.extend(mine)
        called += bool(mine)
    return called, renewals_service.import_forecast_history(session, calls)


def _answer(win_back: Any, value: float, locale: str, today: date, rng: np.random.Generator) -> Any:
    sent = win_back.churned_on + timedelta(days=SURVEY_DELAY)
    answered = sent + timedelta(days=int(rng.integers(0, 10)))
    u = rng.random(4)
    if answered > today or u[0] >= ANSWER_SHARE:
        return None
    recorded = win_back.churn_reason or "other"
    named = [OTHER_REASONS[int(u[1] * len(OTHER_REASONS))] if u[2] < 0.15 else recorded]
    if u[3] < 0.25:
        named.append(OTHER_REASONS[int(rng.integers(0, len(OTHER_REASONS)))])
    english, chinese = FEEDBACK[named[0]]
    words = (chinese if locale == "zh_CN" else english) if u[3] < 0.6 else None
    would_return = int(np.clip(round(rng.normal(1 + 7 * value, 1.8)), 0, 10))
    at = datetime(answered.year, answered.month, answered.day, 3, tzinfo=UTC)
    return winback_service.AnsweredSurvey(win_back.id, locale, sent, at, named, words, would_return)


def _surveys(session: Any, world: World, seed: int, today: date) -> int:
    rng = np.random.default_rng([seed, 19])
    index = _contract_index(session, world)
    locales = {u.id: u.locale for u in auth_service.list_users(session)}
    since = today - timedelta(days=365 * SURVEY_YEARS)
    answers = []
    for w in winback_service.win_back_facts(session):
        if w.churned_on < since or w.outcome == "reactivated" or w.contract_id not in index:
            continue
        account = int(world.contracts.account[index[w.contract_id]])
        found = _answer(w, float(world.value[account]), locales.get(w.owner_id, "en"), today, rng)
        if found is not None:
            answers.append(found)
    return winback_service.import_answered_surveys(session, answers)


def simulate_renewal_work(engine: Engine, seed: int, today: date) -> dict[str, int]:
    """Replays the demo team's forecast calls and the churned customers' survey answers up to today."""
    world = _world(engine, seed, today)
    with unit_of_work(engine) as session:
        called, changes = _forecasts(session, world, seed, today)
        surveys = _surveys(session, world, seed, today)
    return {"renewals_called": called, "forecast_changes": changes, "surveys_answered": surveys}
