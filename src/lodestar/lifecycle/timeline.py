"""The contract-timeline phase of one account on one day (before status overrides)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from lodestar.lifecycle.schemas import LEAD_POOL, LifecycleModel

CHAIN_GAP_DAYS = 31  # a contract starting within this many days of the last one's end continues the chain


@dataclass(frozen=True)
class Term:
    """One contract as the stage engine sees it."""

    start: date
    end: date
    status: str = "active"
    signed_on: date | None = None
    handover_done_on: date | None = None
    go_live_on: date | None = None

    @property
    def known_from(self) -> date:
        """The day the contract exists for us: signing, or its start when the signing date is unknown."""
        return min(self.signed_on or self.start, self.start)


@dataclass(frozen=True)
class Place:
    """Where the timeline puts an account: a phase (or lead_pool / None) and why."""

    phase: str | None
    reason: str
    live: bool
    chain_start: date | None = None


def _chain_start(terms: list[Term], current: Term) -> date:
    """The start of the run of contiguous contracts that ends with `current`."""
    start = current.start
    for term in sorted((t for t in terms if t.start < current.start), key=lambda t: t.start, reverse=True):
        if (start - term.end).days > CHAIN_GAP_DAYS:
            break
        start = min(start, term.start)
    return start


def _renewal_opens(model: LifecycleModel, term: Term) -> tuple[date, str]:
    rules = model.timeline
    if rules.renewal_lead_days is not None:
        lead, why = rules.renewal_lead_days, f"{rules.renewal_lead_days} days before the contract ends"
    else:
        share = rules.renewal_share or 1 / 3
        lead = math.ceil((term.end - term.start).days * share)
        why = f"last {share:.0%} of the term" if abs(share - 1 / 3) > 1e-3 else "last third of the term"
    return date.fromordinal(term.end.toordinal() - lead), f"renewal window opened ({why})"


def place(model: LifecycleModel, terms: list[Term], day: date, live_since: date | None) -> Place:
    """The timeline phase on `day`; `live_since` is when the onboarding criteria were first met, if ever."""
    known = [t for t in terms if t.known_from <= day]
    if not known:
        return Place(None, "no contract yet", live=False)
    live = [t for t in known if t.start <= day <= t.end]
    if not live:
        ahead = [t for t in known if t.start > day]
        ended = max((t for t in known if t.end < day), key=lambda t: t.end, default=None)
        if ended is not None and (ended.status == "renewed" or ahead):
            if ahead and (min(t.start for t in ahead) - ended.end).days > CHAIN_GAP_DAYS:
                return Place("handover", "new contract signed", live=True, chain_start=day)
            return Place("renewal", "renewed; waiting for the new term to start", live=True)
        if ahead:
            return Place("handover", "contract signed", live=True, chain_start=min(t.start for t in ahead))
        assert ended is not None
        since = (day - ended.end).days
        if since <= model.churn.win_back_days:
            return Place("churned", "contract ended without renewal", live=False)
        return Place(LEAD_POOL, f"win-back window of {model.churn.win_back_days} days passed", live=False)
    current = max(live, key=lambda t: t.start)
    chain = _chain_start(known, current)
    opens, why = _renewal_opens(model, current)
    if day >= opens:
        return Place("renewal", why, live=True, chain_start=chain)
    rules, tenure = model.timeline, (day - chain).days
    handed_over = current.handover_done_on is not None and day >= current.handover_done_on
    if not handed_over and tenure < rules.onboarding_after_days:
        return Place("handover", "contract signed", live=True, chain_start=chain)
    went_live = (current.go_live_on is not None and day >= current.go_live_on) or (
        live_since is not None and live_since >= chain
    )
    if not went_live and tenure < rules.growth_after_days:
        why = "handover done" if handed_over else f"{rules.onboarding_after_days} days since the start"
        return Place("onboarding", why, live=True, chain_start=chain)
    why = "went live" if went_live else f"day {rules.growth_after_days} reached"
    return Place("growth", why, live=True, chain_start=chain)
