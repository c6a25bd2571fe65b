"""The latent world: each account's value, contract chain, churn, decline and champion, as numpy arrays.

Everything else (database rows, usage events, the truth file) is derived from this one draw, so the
planted effects hold by construction and the output is a pure function of (accounts, seed, today).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

HISTORY_DAYS = 3 * 365
CSMS = 25
MANAGERS = 4
SOP_SHARE = 0.4
EPOCH = date(1970, 1, 1)


def day_number(d: date) -> int:
    """Days since 1970-01-01."""
    return (d - EPOCH).days


def add_years(days: np.ndarray, years: np.ndarray) -> np.ndarray:
    """The same calendar day `years` later (29 February falls back to the 28th)."""
    d = days.astype("datetime64[D]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970 + years
    m = (d.astype("datetime64[M]") - d.astype("datetime64[Y]")).astype(np.int64)
    dom = (d - d.astype("datetime64[M]")).astype(np.int64)
    month_start = (y - 1970).astype("datetime64[Y]").astype("datetime64[M]") + m
    month_len = ((month_start + 1).astype("datetime64[D]") - month_start.astype("datetime64[D]")).astype(
        np.int64
    )
    out = month_start.astype("datetime64[D]") + np.minimum(dom, month_len - 1)
    return out.astype(np.int64)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass
class Contracts:
    """Every contract of every account, in creation order (a renewal always follows what it renews)."""

    account: np.ndarray
    start: np.ndarray
    end: np.ndarray
    seats: np.ndarray
    plan: np.ndarray  # index into catalog.PLANS
    arr: np.ndarray  # CNY, whole hundreds
    status: np.ndarray  # 0 active, 1 renewed, 2 expired
    renews: np.ndarray  # index of the renewed contract, -1 for a new logo


@dataclass
class World:
    """The latent state of the demo company."""

    n: int
    today: int
    value: np.ndarray  # latent value realisation 0-1
    owner: np.ndarray  # CSM index 0..CSMS-1
    sop_csm: np.ndarray  # per CSM: follows the onboarding SOP
    employees: np.ndarray
    maturity: np.ndarray  # 0 low, 1 medium, 2 high
    start0: np.ndarray  # first contract start
    final_end: np.ndarray  # end of the last contract
    churned: np.ndarray
    decline_start: np.ndarray  # -1 when usage does not decline
    champion: np.ndarray  # has a champion contact
    champion_left: np.ndarray  # -1 when the champion stays
    training_day: np.ndarray  # day of the first training touch, -1 for none
    targeted_training: np.ndarray  # training delivered within 21 days of start
    training_rate: np.ndarray  # share of first-contract seats that complete training
    welcome_email: np.ndarray  # welcome e-mail within 2 days of start (random, no effect)
    discount: np.ndarray
    contracts: Contracts

    def seats_on(self, days: np.ndarray, accounts: np.ndarray) -> np.ndarray:
        """Seats of each account's contract covering each day (0 when none)."""
        c = self.contracts
        out = np.zeros(len(days), dtype=np.int64)
        # Contracts of one account never overlap, so at most one matches.
        order = np.lexsort((c.start, c.account))
        key = c.account[order] * 1_000_000 + (c.start[order] - self.today + 500_000)
        probe = accounts * 1_000_000 + (days - self.today + 500_000)
        pos = np.searchsorted(key, probe, side="right") - 1
        ok = pos >= 0
        idx = order[np.clip(pos, 0, None)]
        ok &= (c.account[idx] == accounts) & (c.start[idx] <= days) & (days < c.end[idx])
        out[ok] = c.seats[idx[ok]]
        return out


def build_world(n: int, seed: int, today: date, price: np.ndarray) -> World:
    """Draws the latent world for n accounts."""
    rng = np.random.default_rng([seed, 1])
    t = day_number(today)
    maturity = rng.choice(3, size=n, p=[0.3, 0.45, 0.25])
    value = np.clip(rng.beta(2.2, 1.6, n) + 0.05 * (maturity - 1), 0.02, 0.98)
    weights = rng.lognormal(0, 0.6, CSMS)
    owner = rng.choice(CSMS, size=n, p=weights / weights.sum())
    sop_csm = np.zeros(CSMS, dtype=bool)
    sop_csm[rng.choice(CSMS, size=round(CSMS * SOP_SHARE), replace=False)] = True
    employees = np.clip(np.round(rng.lognormal(np.log(150), 1.1, n)), 10, 50_000).astype(np.int64)
    seats = np.clip(np.round(employees * rng.uniform(0.04, 0.2, n)), 5, 300).astype(np.int64)
    plan = np.where(seats < 15, 0, np.where(seats < 60, 1, 2))
    plan = np.clip(plan + (rng.random(n) < 0.15) - (rng.random(n) < 0.1), 0, 2)
    discount = rng.uniform(0.75, 1.0, n)
    old = rng.random(n) < 0.35
    start0 = np.where(
        old, t - HISTORY_DAYS + rng.integers(0, 95, n), rng.integers(t - HISTORY_DAYS + 95, t - 20, n)
    )
    champion = rng.random(n) < 0.9
    span = t - start0 - 60
    leaves = champion & (rng.random(n) < 0.3) & (span > 30)
    champion_left = np.where(leaves, start0 + 60 + (rng.random(n) * np.maximum(span, 1)).astype(np.int64), -1)
    contracts, final_end, churned = _chain(
        rng, n, t, value, champion_left, start0, seats, plan, discount, price
    )
    champion_left = np.where(churned & (champion_left >= final_end), -1, champion_left)
    decline = churned & (rng.random(n) < 0.85)
    lead = rng.integers(60, 151, n)
    decline_start = np.where(decline, np.maximum(final_end - lead, start0 + 14), -1)
    training_day, targeted, rate = _onboarding(rng, n, value, owner, sop_csm, start0)
    welcome = np.random.default_rng([seed, 2]).random(n) < 0.5
    return World(
        n=n,
        today=t,
        value=value,
        owner=owner,
        sop_csm=sop_csm,
        employees=employees,
        maturity=maturity,
        start0=start0,
        final_end=final_end,
        churned=churned,
        decline_start=decline_start,
        champion=champion,
        champion_left=champion_left,
        training_day=training_day,
        targeted_training=targeted,
        training_rate=rate,
        welcome_email=welcome,
        discount=discount,
        contracts=contracts,
    )


def _chain(
    rng: np.random.Generator,
    n: int,
    t: int,
    value: np.ndarray,
    champion_left: np.ndarray,
    start0: np.ndarray,
    seats: np.ndarray,
    plan: np.ndarray,
    discount: np.ndarray,
    price: np.ndarray,
) -> tuple[Contracts, np.ndarray, np.ndarray]:
    cols: dict[str, list[np.ndarray]] = {
        k: [] for k in ("account", "start", "end", "seats", "plan", "status", "renews")
    }
    final_end = np.zeros(n, dtype=np.int64)
    churned = np.zeros(n, dtype=bool)
    alive = np.arange(n)
    start, cur_seats, cur_plan = start0.copy(), seats.copy(), plan.copy()
    prev = np.full(n, -1)
    offset = 0
    while len(alive):
        years = rng.choice([1, 2, 3], size=len(alive), p=[0.8, 0.12, 0.08])
        end = add_years(start[alive], years)
        champ = (champion_left[alive] >= end - 365) & (champion_left[alive] < end)
        p_churn = _sigmoid(-2.5 - 7.0 * (value[alive] - 0.55) + 2.6 * champ)
        decided = end <= t
        churn = decided & (rng.random(len(alive)) < p_churn)
        status = np.where(~decided, 0, np.where(churn, 2, 1))
        ids = offset + np.arange(len(alive))
        values = (alive, start[alive], end, cur_seats[alive], cur_plan[alive], status, prev[alive])
        for key, col in zip(cols, values, strict=True):  # cols' keys are in this order
            cols[key].append(np.asarray(col))
        offset += len(alive)
        final_end[alive] = end
        churned[alive[churn]] = True
        nxt = decided & ~churn
        a = alive[nxt]
        v = value[a]
        u = rng.random(len(a))
        factor = np.where(
            (v > 0.6) & (u < 0.6),
            rng.uniform(1.1, 1.5, len(a)),
            np.where((v < 0.4) & (u < 0.5), rng.uniform(0.7, 0.9, len(a)), 1.0),
        )
        cur_seats[a] = np.clip(np.round(cur_seats[a] * factor), 5, 400).astype(np.int64)
        cur_plan[a] = np.minimum(cur_plan[a] + ((factor > 1.2) & (rng.random(len(a)) < 0.3)), 2)
        start[a] = end[nxt]
        prev[a] = ids[nxt]
        alive = a
    merged = {k: np.concatenate(v) for k, v in cols.items()}
    arr = np.round(merged["seats"] * price[merged["plan"]] * discount[merged["account"]], -2)
    contracts = Contracts(arr=arr, **merged)
    return contracts, final_end, churned


def _onboarding(
    rng: np.random.Generator,
    n: int,
    value: np.ndarray,
    owner: np.ndarray,
    sop_csm: np.ndarray,
    start0: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    follows = sop_csm[owner]
    early = np.where(follows, rng.random(n) < 0.9, rng.random(n) < 0.1)
    late = ~early & (rng.random(n) < 0.6)
    day = np.where(
        early, start0 + rng.integers(3, 22, n), np.where(late, start0 + rng.integers(30, 91, n), -1)
    )
    rate = np.clip(0.12 + 0.3 * value + 0.3 * early + rng.normal(0, 0.07, n), 0.02, 0.97)
    return day, early, rate
