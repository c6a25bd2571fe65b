"""The forms over what customers do and say: absence (no product activity), a ticket spike, an NPS
detractor answer, a key contact who left."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from lodestar.accounts import service as accounts_service
from lodestar.alerts.conditions.account_frame import AccountFrame, Reads
from lodestar.alerts.conditions.evidence import word
from lodestar.alerts.conditions.outcome import Outcome, Sentences
from lodestar.alerts.schemas import Absence, ContactLeft, NpsDetractor, TicketSpike
from lodestar.contracts import service as contracts_service
from lodestar.engagement import service as engagement_service
from lodestar.kit.text import N_

EPSILON = 1e-9


IDLE_DAYS = "days_since_last_activity"


def absence_reads(frame: AccountFrame, cond: Absence) -> Reads:
    """What absence reads: the days since the last activity on as_of."""
    return [(frame.as_of, IDLE_DAYS)]


def absence(frame: AccountFrame, cond: Absence) -> Outcome:
    """No activity for at least `days` days; an account never active holds when it has had a contract in
    force for at least `days` days (its first contract began that long ago and one is in force today)."""
    if not frame.has(frame.as_of, IDLE_DAYS):
        return Outcome.never(len(frame))
    idle = frame.numbers(frame.as_of, IDLE_DAYS)
    with np.errstate(invalid="ignore"):
        inactive = idle >= cond.days
    said = [Sentences.where(N_("no activity for %(days)s days"), inactive, days=idle)]
    never = np.isnan(idle)
    holds = inactive.copy()
    if never.any():
        rows = contracts_service.customers_since(frame.session, frame.as_of, frame.ids[never].tolist())
        ids = np.array([a for a, _ in rows], dtype=np.int64)
        since = np.array([(frame.as_of - s).days for _, s in rows], dtype=np.int64)
        pos, hit = frame.positions(ids)
        long_enough = hit & (since >= cond.days)
        customer_days = np.zeros(len(frame), dtype=np.int64)
        customer_days[pos[long_enough]] = since[long_enough]
        quiet = np.zeros(len(frame), dtype=bool)
        quiet[pos[long_enough]] = True
        quiet &= never
        holds |= quiet
        msgid = N_("no activity since the first contract began %(days)s days ago")
        said.append(Sentences.where(msgid, quiet, days=customer_days))
    return Outcome(holds, tuple(said))


def ticket_spike(frame: AccountFrame, cond: TicketSpike) -> Outcome:
    """At least min_tickets opened in the last `days` days, at a daily rate at least `factor` times the
    daily mean of the baseline_days before them (company-zone days)."""
    start, stop = frame.last_days(cond.days)
    first, _ = frame.last_days(cond.baseline_days, before=cond.days)
    rows = engagement_service.ticket_counts(
        frame.session, first, start, stop, cond.min_tickets, frame.scoped_ids
    )
    counts = np.array(rows, dtype=np.int64).reshape(-1, 3)
    pos, hit = frame.positions(counts[:, 0])
    recent = np.zeros(len(frame), dtype=np.int64)
    before = np.zeros(len(frame), dtype=np.int64)
    recent[pos[hit]], before[pos[hit]] = counts[hit, 2], counts[hit, 1]
    rate, mean = recent / cond.days, before / cond.baseline_days
    holds = (recent >= cond.min_tickets) & (rate >= cond.factor * mean - EPSILON)
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(mean > 0, rate / np.where(mean > 0, mean, 1), np.nan)
    compared = Sentences.where(
        N_("%(count)s tickets in %(days)s days, %(factor)s× the %(baseline)s-day daily mean"),
        holds & (before > 0),
        count=recent,
        days=cond.days,
        factor=np.round(factor, 1),
        baseline=cond.baseline_days,
    )
    first_ones = Sentences.where(
        N_("%(count)s tickets in %(days)s days, none in the %(baseline)s days before"),
        holds & (before == 0),
        count=recent,
        days=cond.days,
        baseline=cond.baseline_days,
    )
    return Outcome(holds, (compared, first_ones))


def nps_detractor(frame: AccountFrame, cond: NpsDetractor) -> Outcome:
    """An NPS answer scored at most max_score in the last within_days company-zone days; the evidence
    names the lowest (the latest of equals) and how many there were."""
    start, stop = frame.last_days(cond.within_days)
    rows = engagement_service.low_survey_answers(
        frame.session, "nps", cond.max_score, start, stop, frame.scoped_ids
    )
    holds = np.zeros(len(frame), dtype=bool)
    if not rows:
        return Outcome(holds)
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    scores = np.array([r[1] for r in rows], dtype=np.int64)
    stamps = np.array([r[2].timestamp() for r in rows])
    order = np.lexsort((-stamps, scores, ids))  # per account: lowest score, latest first
    first = order[np.unique(ids[order], return_index=True)[1]]
    counts = np.unique(ids, return_counts=True)[1]
    pos, hit = frame.positions(ids[first])
    holds[pos[hit]] = True
    days = [frame.local_day(rows[i][2]).isoformat() for i in first[hit].tolist()]
    values = {"score": scores[first][hit], "date": days, "limit": cond.max_score}
    once = N_("NPS %(score)s on %(date)s (a detractor: %(limit)s or less)")
    many = N_("%(count)s NPS answers of %(limit)s or less in %(days)s days, the lowest %(score)s on %(date)s")
    more = {**values, "count": counts[hit], "days": cond.within_days}
    single = counts[hit] == 1
    said = (Sentences.picked(once, pos[hit], single, values), Sentences.picked(many, pos[hit], ~single, more))
    return Outcome(holds, said)


def contact_left(frame: AccountFrame, cond: ContactLeft) -> Outcome:
    """A contact of one of the roles left (left_on) within the last within_days days; one sentence for
    each such contact (a contact marked inactive with no leaving date cannot be placed, so is not one)."""
    first = frame.as_of - timedelta(days=cond.within_days - 1)
    rows = accounts_service.contacts_left(frame.session, first, frame.as_of, cond.roles, frame.scoped_ids)
    pos, hit = frame.positions(np.array([r[0] for r in rows], dtype=np.int64))
    holds = np.zeros(len(frame), dtype=bool)
    holds[pos[hit]] = True
    kept = [r for r, h in zip(rows, hit.tolist(), strict=True) if h]
    values = {
        "name": [r[1] for r in kept],
        "role": [word(r[2]) for r in kept],
        "date": [r[3].isoformat() for r in kept],
    }
    return Outcome(holds, (Sentences(N_("%(name)s (%(role)s) left on %(date)s"), pos[hit], values),))
