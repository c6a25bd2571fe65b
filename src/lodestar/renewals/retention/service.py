"""Retention figures and the renewal analysis report for what the viewer may see (row level applies to
every aggregate: a CSM's figures are their own accounts' figures)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.auth import service as auth_service
from lodestar.auth.models import User
from lodestar.contracts import service as contracts_service
from lodestar.db.generation import GenerationCache
from lodestar.kit.errors import InvalidInput
from lodestar.kit.text import Text
from lodestar.predictions.schemas import ContractOutcomes
from lodestar.renewals import config_kind
from lodestar.renewals.retention import renewal_analysis, retention_report
from lodestar.renewals.retention.arr_bridge import SEGMENTS
from lodestar.renewals.retention.contract_arrays import ContractArrays, build, links
from lodestar.renewals.retention.conversion import check_rates
from lodestar.renewals.retention.periods import (
    PeriodKind,
    default_first,
    parse_label,
    period_at,
    periods_between,
)
from lodestar.renewals.retention.renewal_analysis import RenewalReport, ReportFilter
from lodestar.renewals.retention.schemas import MOST_PERIODS, RetentionQuery, RetentionReport


def _span(query: RetentionQuery, today: date) -> tuple[date, date]:
    last = query.last or today
    if last > today:
        raise InvalidInput.one("to", Text("must not be after today (%(today)s)", today=today.isoformat()))
    first = query.first or default_first(query.period, last)
    if first > last:
        raise InvalidInput.one(
            "from", Text("%(first)s is after to (%(last)s)", first=first.isoformat(), last=last.isoformat())
        )
    if len(periods_between(query.period, first, last)) > MOST_PERIODS:
        raise InvalidInput.one("from", Text("at most %(n)s periods at a time", n=MOST_PERIODS))
    return first, last


# The contracts as arrays per scope and successor rule, and each account segment (tier, industry, plan,
# region) per scope, kept while the contracts and accounts stay as they are: reading them is most of a
# report's time, the figures the rest. A report reads only the segments it groups by (by tier and CSM: the
# tier alone), and another grouping then reads only its own.
_TABLES = contracts_service.retention_tables()
_ARRAYS: GenerationCache[ContractArrays] = GenerationCache(_TABLES, counted=_TABLES[:1], size=8)
_SEGMENTS: GenerationCache[dict[str, np.ndarray]] = GenerationCache(_TABLES, counted=_TABLES[:1], size=32)


def _contracts(session: Session, viewer: User | None, segments: Sequence[str] = ()) -> ContractArrays:
    owners = None if viewer is None else auth_service.scope_for(session, viewer).owner_ids
    rule = config_kind.current(session)[0].successor
    base = _ARRAYS.get(
        session,
        (owners, rule.model_dump_json()),
        lambda: build(contracts_service.retention_columns(session, owners, ()), rule),
    )
    spread: dict[str, np.ndarray] = {}
    for name in segments:

        def read(n: str = name) -> dict[str, np.ndarray]:
            return contracts_service.account_segments(session, owners, [n])

        found = _SEGMENTS.get(session, (owners, name), read)
        order = np.argsort(found["account"])
        found_at = np.searchsorted(found["account"], base.account_id, sorter=order)
        at = order[np.clip(found_at, 0, len(order) - 1)]
        if len(base) and (not len(order) or not np.array_equal(found["account"][at], base.account_id)):
            # The accounts changed between the two reads (a race the fingerprint missed): read both at once.
            return build(contracts_service.retention_columns(session, owners, segments), rule)
        spread[name] = found[name][at]
    return replace(base, segments=spread)


def _csm_names(session: Session, viewer: User | None) -> dict[str, str]:
    users = (
        auth_service.list_users(session) if viewer is None else auth_service.visible_owners(session, viewer)
    )
    return {str(u.id): u.name for u in users}


def retention(session: Session, viewer: User | None, query: RetentionQuery, today: date) -> RetentionReport:
    """GRR, NRR, logo retention and renewal rate per period (and group) over the viewer's accounts (every
    account when viewer is None: the command line)."""
    span = _span(query, today)
    contracts = _contracts(session, viewer, [d for d in query.by if d in SEGMENTS])
    rates = config_kind.exchange_rates(session)
    check_rates(rates, set(contracts.currencies))
    names = _csm_names(session, viewer)
    return retention_report.compute(contracts, rates, query.period, query.by, span, today, names)


def default_report_label(kind: PeriodKind, today: date) -> str:
    """The last finished month or quarter before today."""
    return period_at(kind, period_at(kind, today).start - timedelta(days=1)).label


def renewal_report(
    session: Session, viewer: User, flt: ReportFilter, today: date, chinese: bool
) -> RenewalReport:
    """The renewal analysis of one month or quarter: ARR renewed and lost by reason, tier and CSM, with the
    contracts and accounts behind every figure."""
    parsed = parse_label(flt.period)
    if parsed is None or parsed[0] == "year":
        raise InvalidInput.one(
            "period", Text("%(value)s is not a month (2025-07) or a quarter (2025-Q3)", value=flt.period)
        )
    _, period = parsed
    if period.start > today:
        raise InvalidInput.one("period", Text("must not be after today (%(today)s)", today=today.isoformat()))
    contracts = _contracts(session, viewer, ["tier"])
    rates = config_kind.exchange_rates(session)
    check_rates(rates, set(contracts.currencies))
    settings, _ = config_kind.current(session)
    report = renewal_analysis.analyse(session, contracts, rates, period, today, flt)
    names = accounts_service.account_names(session, {r.account_id for r in report.rows})
    return renewal_analysis.labelled(report, names, _csm_names(session, viewer), settings, chinese)


def last_month_report(session: Session, viewer: User, today: date, chinese: bool) -> RenewalReport:
    """The renewal analysis of the month before today's, over the viewer's accounts (the digest's summary)."""
    label = default_report_label("month", today)
    return renewal_report(session, viewer, ReportFilter(period=label), today, chinese)


def contract_outcomes(session: Session, known_by: date) -> ContractOutcomes:
    """Every non-cancelled contract begun by `known_by` with the day it came due (its end, or its churn date
    when recorded earlier) and whether a contract renews it — the stored chain, or the successor the account
    and dates imply (renewals/succession.py, the rule renewal records and retention read). A contract that
    came due and is not renewed ended without renewal; what was recorded after `known_by` is not read."""
    rule = config_kind.current(session)[0].successor
    cols = contracts_service.retention_columns(session, None, ())
    keep = cols["start"] <= np.datetime64(known_by, "D")
    cols = {k: v[keep] for k, v in cols.items()}
    later = cols["churned"] > np.datetime64(known_by, "D")
    cols["churned"] = np.where(later, np.datetime64("NaT", "D"), cols["churned"]).astype("datetime64[D]")
    arrays = build(cols, rule)
    renewed = np.zeros(len(arrays), dtype=bool)
    renewed[links(arrays)[1]] = True
    churned = cols["churned"].astype("datetime64[D]")
    ends = cols["end"].astype("datetime64[D]")
    due = np.where(np.isnat(churned) | (churned > ends), ends, churned)
    return ContractOutcomes(arrays.account_id, due, renewed, rule.days_after)
