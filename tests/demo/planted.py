"""Measurements on a generated demo, for the tests: read the product data, grade with the truth file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account, Contact
from lodestar.analytics.event_store import read_events
from lodestar.contracts.models import Contract
from lodestar.engagement.models import SurveyResponse, Touch


@dataclass
class Snapshot:
    """Everything a planted-truth test needs, read once right after generation."""

    truth: dict[str, Any]
    accounts: list[Account]
    contracts: list[Contract]
    contacts: list[Contact]
    touches: list[Touch]
    nps: list[SurveyResponse]
    events: dict[str, np.ndarray]  # group_id, user_id, event, day (numpy datetime64[D])


def snapshot(engine: Engine, data_dir: Path, truth_path: Path) -> Snapshot:
    """Reads the database rows and the event store of a generated demo."""
    with Session(engine) as s:
        accounts, contracts = list(s.scalars(select(Account))), list(s.scalars(select(Contract)))
        contacts, touches = list(s.scalars(select(Contact))), list(s.scalars(select(Touch)))
        nps = list(s.scalars(select(SurveyResponse)))
        s.expunge_all()
    table = read_events(data_dir / "events")
    day = pc.cast(table.column("timestamp"), "int64").to_numpy() // 86_400_000_000
    events = {
        "group_id": table.column("group_id").to_numpy(zero_copy_only=False),
        "user_id": table.column("user_id").to_numpy(zero_copy_only=False),
        "event": table.column("event").to_numpy(zero_copy_only=False),
        "type": table.column("type").to_numpy(zero_copy_only=False),
        "day": day,
    }
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    return Snapshot(truth, accounts, contracts, contacts, touches, nps, events)


def day_no(d: date) -> int:
    """Days since 1970-01-01."""
    return (d - date(1970, 1, 1)).days


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    pos, neg = scores[labels], scores[~labels]
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(greater / (len(pos) * len(neg)))


def health_scores(snap: Snapshot, as_of: date) -> tuple[np.ndarray, np.ndarray]:
    """A simple health score per live account at as_of, and whether it churned within 180 days."""
    t = day_no(as_of)
    ev = snap.events
    by_group = {a.segment_group_id: a for a in snap.accounts}
    contracts: dict[int, list[Contract]] = {}
    for c in snap.contracts:
        contracts.setdefault(c.account_id, []).append(c)
    champions: dict[int, bool] = {}
    for p in snap.contacts:
        if p.role == "champion":
            champions[p.account_id] = p.left_on is None or day_no(p.left_on) > t
    nps: dict[int, tuple[int, int]] = {}
    for r in snap.nps:
        d = day_no(r.answered_at.date())
        if d < t and (r.account_id not in nps or nps[r.account_id][0] < d):
            nps[r.account_id] = (d, r.score)
    window = (ev["day"] >= t - 90) & (ev["day"] < t) & (ev["type"] == "track")
    groups, users, days = ev["group_id"][window], ev["user_id"][window], ev["day"][window]
    scores, labels = [], []
    for gid, account in by_group.items():
        cs = contracts[account.id]
        live = [c for c in cs if day_no(c.start_date) <= t < day_no(c.end_date)]
        first = min(day_no(c.start_date) for c in cs)
        if not live or first > t - 60:
            continue
        last_end = max(day_no(c.end_date) for c in cs)
        churned = any(c.status == "expired" for c in cs)
        mine = groups == gid
        recent = mine & (days >= t - 30)
        active = len(np.unique(users[recent])) / max(live[0].seats, 1)
        before = (mine & (days < t - 30)).sum() / 2
        trend = recent.sum() / before if before else 0.0
        recency = t - days[mine].max() if mine.any() else 90
        score = (
            0.35 * min(active, 1.0)
            + 0.25 * min(trend / 1.2, 1.0)
            + 0.1 * (recency <= 7)
            + 0.15 * champions.get(account.id, False)
            + 0.15 * nps.get(account.id, (0, 7))[1] / 10
        )
        scores.append(score)
        labels.append(churned and t < last_end <= t + 180)
    return np.array(scores), np.array(labels)


def day_after(d: str, days: int) -> int:
    """Day number of an ISO date plus some days."""
    return day_no(date.fromisoformat(d) + timedelta(days=days))
