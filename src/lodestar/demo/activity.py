"""Contracts, tickets, CSM touches and NPS answers of the demo world, as import rows."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import numpy as np

from lodestar.demo import catalog
from lodestar.demo.world import World

STATUSES = ("active", "renewed", "expired")
DAY_S = 86_400


def _dates(days: np.ndarray) -> list[Any]:
    return list(days.astype("datetime64[D]").astype(object))


def _instants(seconds: np.ndarray) -> list[datetime]:
    naive = seconds.astype(np.int64).astype("datetime64[s]").astype(object)
    return [d.replace(tzinfo=UTC) for d in naive]


def contract_rounds(world: World) -> np.ndarray:
    """How many renewals precede each contract (0 for a new logo)."""
    renews = world.contracts.renews
    rounds = np.zeros(len(renews), dtype=np.int64)
    cur = renews.copy()
    while (cur >= 0).any():
        rounds[cur >= 0] += 1
        cur = np.where(cur >= 0, renews[np.maximum(cur, 0)], -1)
    return rounds


def contract_rows(world: World, account_ids: list[int]) -> list[dict[str, Any]]:
    """One import row per contract; renews_contract_id holds the world index until mapped to an id."""
    c = world.contracts
    starts, ends = _dates(c.start), _dates(c.end)
    return [
        {
            "account_id": account_ids[c.account[i]],
            "external_id": f"CT-{i + 1:07d}",
            "edition": catalog.PLANS[c.plan[i]][0],
            "start_date": starts[i],
            "end_date": ends[i],
            "arr": Decimal(int(c.arr[i])),
            "currency": "CNY",
            "seats": int(c.seats[i]),
            "status": STATUSES[c.status[i]],
            "renews_contract_id": int(c.renews[i]) if c.renews[i] >= 0 else None,
        }
        for i in range(len(c.start))
    ]


def _spread(
    world: World,
    rng: np.random.Generator,
    per_year: np.ndarray,
    lead: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Random days within each account's live span, about per_year of them a year."""
    last = np.minimum(world.final_end, world.today)
    span = np.maximum(last - world.start0 - lead, 0)
    count = rng.poisson(per_year * span / 365)
    acct = np.repeat(np.arange(world.n), count)
    day = world.start0[acct] + lead + (rng.random(len(acct)) * span[acct]).astype(np.int64)
    return acct, day


def _seconds(day: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return day * DAY_S + np.clip(rng.normal(5 * 3600, 7200, len(day)), 0, DAY_S - 1).astype(np.int64)


def ticket_rows(world: World, seed: int, account_ids: list[int]) -> list[dict[str, Any]]:
    """Support tickets: more of them, and less satisfied, where value is low."""
    rng = np.random.default_rng([seed, 7])
    acct, day = _spread(world, rng, 1.5 + 4.0 * (1 - world.value))
    opened = _seconds(day, rng)
    severity = rng.choice(["low", "normal", "high", "critical"], len(acct), p=[0.25, 0.5, 0.2, 0.05])
    first = opened + rng.lognormal(np.log(3 * 3600), 0.9, len(acct)).astype(np.int64)
    resolved = first + rng.lognormal(np.log(30 * 3600), 1.0, len(acct)).astype(np.int64)
    open_now = resolved >= world.today * DAY_S
    sat = np.clip(np.round(rng.normal(2.2 + 2.6 * world.value[acct], 0.8)), 1, 5).astype(np.int64)
    rated = rng.random(len(acct)) < 0.6
    subject = rng.integers(0, len(catalog.TICKET_SUBJECTS), len(acct))
    o, f, r = _instants(opened), _instants(first), _instants(resolved)
    now = world.today * DAY_S
    return [
        {
            "account_id": account_ids[acct[i]],
            "external_id": f"TK-{i + 1:07d}",
            "subject": catalog.TICKET_SUBJECTS[subject[i]],
            "severity": str(severity[i]),
            "opened_at": o[i],
            "first_response_at": f[i] if first[i] < now else None,
            "resolved_at": None if open_now[i] else r[i],
            "satisfaction": int(sat[i]) if rated[i] and not open_now[i] else None,
        }
        for i in range(len(acct))
    ]


def _touch_records(
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
    world: World,
    rng: np.random.Generator,
    account_ids: list[int],
    csm_ids: list[int],
) -> list[dict[str, Any]]:
    """The touch rows, by account and day, each at a random time of its day."""
    acct = np.concatenate([p[0] for p in parts])
    day = np.concatenate([p[1] for p in parts])
    kind = np.concatenate([p[2] for p in parts])
    subject = np.concatenate([p[3] for p in parts])
    order = np.lexsort((day, acct))
    at = _instants(_seconds(day[order], rng))
    minutes = {"call": 20, "visit": 120, "email": 5, "meeting": 60, "training": 90, "qbr": 90}
    return [
        {
            "account_id": account_ids[acct[i]],
            "user_id": csm_ids[world.owner[acct[i]]],
            "kind": kind[i],
            "occurred_at": at[j],
            "duration_minutes": minutes[kind[i]],
            "subject": subject[i],
        }
        for j, i in enumerate(order)
    ]


def touch_rows(world: World, seed: int, account_ids: list[int], csm_ids: list[int]) -> list[dict[str, Any]]:
    """CSM touches: the onboarding training and welcome e-mail of the SOP, then the ongoing rhythm."""
    rng = np.random.default_rng([seed, 8])
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []  # acct, day, kind, subject

    def add(acct: np.ndarray, day: np.ndarray, kind: str, subjects: list[str]) -> None:
        keep = day < world.today
        pick = rng.integers(0, len(subjects), int(keep.sum()))
        parts.append(
            (
                acct[keep],
                day[keep],
                np.full(int(keep.sum()), kind, dtype=object),
                np.array(subjects, dtype=object)[pick],
            )
        )

    everyone = np.arange(world.n)
    trained = world.training_day >= 0
    add(everyone[trained], world.training_day[trained], "training", [catalog.ONBOARDING_TRAINING])
    welcome = world.welcome_email
    add(
        everyone[welcome],
        world.start0[welcome] + rng.integers(0, 3, int(welcome.sum())),
        "email",
        [catalog.WELCOME_EMAIL],
    )
    kickoff = rng.random(world.n) < 0.8
    add(
        everyone[kickoff],
        world.start0[kickoff] + rng.integers(1, 15, int(kickoff.sum())),
        "meeting",
        ["Kickoff meeting"],
    )
    for touch_kind, rate in (
        ("call", 5.0),
        ("email", 3.0),
        ("meeting", 1.0),
        ("visit", 0.5),
        ("training", 0.3),
    ):
        acct, day = _spread(world, rng, np.full(world.n, rate), lead=30)
        add(acct, day, touch_kind, catalog.TOUCH_SUBJECTS[touch_kind])
    big = world.contracts.plan[world.contracts.renews < 0] == 2
    acct, day = _spread(world, rng, np.where(big, 3.5, 0.5), lead=60)
    add(acct, day, "qbr", catalog.TOUCH_SUBJECTS["qbr"])
    return _touch_records(parts, world, rng, account_ids, csm_ids)


def survey_rows(world: World, seed: int, account_ids: list[int]) -> list[dict[str, Any]]:
    """Half-yearly NPS answers: value, decline and a departed champion all pull the score down."""
    rng = np.random.default_rng([seed, 9])
    waves = np.arange(90, 3 * 365, 182)
    acct = np.repeat(np.arange(world.n), len(waves))
    day = world.start0[acct] + np.tile(waves, world.n) + rng.integers(-10, 11, len(acct))
    live = (day < world.final_end[acct]) & (day < world.today) & (rng.random(len(acct)) < 0.6)
    acct, day = acct[live], day[live]
    declining = (world.decline_start[acct] >= 0) & (day >= world.decline_start[acct])
    gone = (world.champion_left[acct] >= 0) & (day >= world.champion_left[acct])
    mean = 3.0 + 7.5 * world.value[acct] - 2.0 * declining - 1.0 * gone
    score = np.clip(np.round(rng.normal(mean, 1.3)), 0, 10).astype(np.int64)
    at = _instants(_seconds(day, rng))
    return [
        {"account_id": account_ids[acct[i]], "kind": "nps", "score": int(score[i]), "answered_at": at[i]}
        for i in range(len(acct))
    ]
