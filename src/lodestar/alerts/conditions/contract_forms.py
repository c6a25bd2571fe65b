"""The forms over contract time: the renewal window opened, the contract ends with nothing after it."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from lodestar.alerts.conditions.account_frame import AccountFrame, Reads
from lodestar.alerts.conditions.outcome import Outcome, Sentences
from lodestar.alerts.schemas import ContractEnding, RenewalWindow
from lodestar.contracts import service as contracts_service
from lodestar.kit.text import N_
from lodestar.lifecycle.phases import CHAIN_GAP_DAYS

WINDOW = "in_renewal_window"  # the snapshot's column: inside the renewal window of the live contract


def renewal_window_reads(frame: AccountFrame, cond: RenewalWindow) -> Reads:
    """What renewal_window reads: the window flag on as_of and on the date compared, the days to the end."""
    then = frame.compared(cond.within_days)
    return [(frame.as_of, WINDOW), (frame.as_of, "days_to_end")] + ([(then, WINDOW)] if then else [])


def renewal_window(frame: AccountFrame, cond: RenewalWindow) -> Outcome:
    """Inside the renewal window on as_of and not on the newest stored date on or before as_of -
    within_days (an account without a row that day was not inside); no such date: it does not hold."""
    then = frame.compared(cond.within_days)
    if then is None or not frame.has(frame.as_of, WINDOW) or not frame.has(then, WINDOW):
        return Outcome.never(len(frame))
    holds = frame.flags(frame.as_of, WINDOW) & ~frame.flags(then, WINDOW)
    to_end = frame.numbers(frame.as_of, "days_to_end")
    known = holds & ~np.isnan(to_end)
    at = np.flatnonzero(known)
    days = to_end[at].astype(np.int64)
    ends = [(frame.as_of + timedelta(days=d)).isoformat() for d in days.tolist()]
    msgid = N_("renewal window opened: the contract ends on %(date)s, in %(days)s days")
    dated = Sentences(msgid, at, {"date": ends, "days": days})
    plain = Sentences.where(N_("renewal window opened"), holds & ~known)
    return Outcome(holds, (dated, plain))


def contract_ending(frame: AccountFrame, cond: ContractEnding) -> Outcome:
    """A contract in force on as_of ends within `days` days and nothing follows it: no contract renews it
    and no other contract of the account that starts by then (plus the chain gap) ends after it."""
    rows = contracts_service.ending_without_renewal(
        frame.session, frame.as_of, cond.days, CHAIN_GAP_DAYS, frame.scoped_ids
    )
    holds = np.zeros(len(frame), dtype=bool)
    if not rows:
        return Outcome(holds)
    ids = np.array([a for a, _, _ in rows], dtype=np.int64)
    ends = np.array([(e - frame.as_of).days for _, _, e in rows], dtype=np.int64)
    order = np.lexsort((ends, ids))  # per account: the soonest-ending contract
    first = order[np.unique(ids[order], return_index=True)[1]]
    pos, hit = frame.positions(ids[first])
    holds[pos[hit]] = True
    soonest = ends[first][hit]
    values = {
        "date": [(frame.as_of + timedelta(days=int(d))).isoformat() for d in soonest.tolist()],
        "days": soonest,
    }
    msgid = N_("contract ends on %(date)s, in %(days)s days, with no renewal")
    return Outcome(holds, (Sentences(msgid, pos[hit], values),))
