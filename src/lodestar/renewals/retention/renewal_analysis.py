"""The renewal analysis report of one month or quarter (DOMAIN.md §9): the contracts that came up for
renewal (end date in the period and passed), what was renewed and lost, by reason, tier and CSM, with the
contracts and accounts behind every figure.

A contract up for renewal is renewed when another contract renews it (the renewals' ARR, at most the ARR
that was due, counts as renewed; above it, expansion; below it, contraction); otherwise its whole ARR is
lost. Amounts are converted at the rate in force on the period's first day. A contract with several
reasons counts its lost (or contracted) ARR under each of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from lodestar.kit.text import N_
from lodestar.renewals.currency import ExchangeRates
from lodestar.renewals.retention.contract_arrays import (
    NEVER,
    ContractArrays,
    day_number,
    renewal_starts,
    renewing_arr,
)
from lodestar.renewals.retention.conversion import converted_cents
from lodestar.renewals.retention.figures import amount, ratio
from lodestar.renewals.retention.periods import Period
from lodestar.renewals.retention.reasons import reasons_by_contract
from lodestar.renewals.schemas import RenewalSettings
from lodestar.renewals.succession import EARLY_RENEWAL_GRACE_DAYS

NO_REASON = "not_given"
NO_REASON_LABEL = N_("No reason given")
TOP_REASONS = 5


class ReportFilter(BaseModel):
    """Which period, and which contracts to list behind a figure (reason, tier, CSM or outcome)."""

    model_config = ConfigDict(extra="ignore")

    period: str = Field(min_length=4, max_length=7)
    reason: str | None = Field(None, max_length=40)
    tier: str | None = Field(None, max_length=32)
    csm: str | None = Field(None, max_length=12)
    outcome: str | None = Field(None, max_length=20)


class RenewalRow(BaseModel):
    """One contract that came up for renewal, and what became of it."""

    contract_id: int
    account_id: int
    account: str = ""
    tier: str
    csm_id: str
    csm: str = ""
    end_date: date
    renewal_start: date | None
    outcome: str
    due: Decimal
    renewed: Decimal
    expansion: Decimal
    contraction: Decimal
    lost: Decimal
    reasons: list[str]
    reason_labels: list[str] = Field(default_factory=list)


class ReportLine(BaseModel):
    """Sums of one reason, tier or CSM (or of everything)."""

    key: str
    label: str
    contracts: int
    due: Decimal
    renewed: Decimal
    expansion: Decimal
    contraction: Decimal
    lost: Decimal
    renewal_rate: Decimal | None


class RenewalReport(BaseModel):
    """The report of one period; rows are the contracts behind the figures (the filter applied)."""

    period: str
    start: date
    end: date
    partial: bool
    currency: str
    totals: ReportLine
    by_reason: list[ReportLine]
    by_tier: list[ReportLine]
    by_csm: list[ReportLine]
    top_reasons: list[ReportLine]
    rows: list[RenewalRow]
    filter: ReportFilter


def _outcome(due: int, renewals: int, renewal_start: int, end: int) -> str:
    if renewals == 0:
        return "churned"
    if renewal_start < end - EARLY_RENEWAL_GRACE_DAYS:  # as the renewal records read it
        return "early_renewed"
    return "expanded" if renewals > due else "contracted" if renewals < due else "renewed_flat"


def _day(number: int) -> date:
    return date(1970, 1, 1) + timedelta(days=number)


def _rows(session: Session, c: ContractArrays, conv: np.ndarray, due_at: np.ndarray) -> list[RenewalRow]:
    renewals, starts = renewing_arr(c, conv), renewal_starts(c)
    reasons = reasons_by_contract(session, c, due_at)
    rows = []
    for i in due_at.tolist():
        due, new = int(conv[i]), int(renewals[i])
        rows.append(
            RenewalRow(
                contract_id=int(c.contract_id[i]),
                account_id=int(c.account_id[i]),
                tier=c.segments["tier"][i],
                csm_id=str(c.owner_id[i]),
                end_date=_day(int(c.end[i])),
                renewal_start=_day(int(starts[i])) if starts[i] < NEVER else None,
                outcome=_outcome(due, new, int(starts[i]), int(c.end[i])),
                due=amount(due),
                renewed=amount(min(due, new)),
                expansion=amount(max(new - due, 0)),
                contraction=amount(due - new if 0 < new < due else 0),
                lost=amount(due if new == 0 else 0),
                reasons=reasons[int(c.contract_id[i])],
            )
        )
    return rows


def _line(key: str, label: str, rows: Iterable[RenewalRow]) -> ReportLine:
    rows = list(rows)
    sums = {
        k: sum((getattr(r, k) for r in rows), Decimal(0))
        for k in ("due", "renewed", "expansion", "contraction", "lost")
    }
    rate = ratio(int(sums["renewed"] * 100), int(sums["due"] * 100))
    return ReportLine(key=key, label=label, contracts=len(rows), renewal_rate=rate, **sums)


def _by(rows: list[RenewalRow], key_of: str) -> dict[str, list[RenewalRow]]:
    out: dict[str, list[RenewalRow]] = {}
    for r in rows:
        out.setdefault(getattr(r, key_of), []).append(r)
    return out


def _wanted(r: RenewalRow, flt: ReportFilter) -> bool:
    reasons = r.reasons or ([NO_REASON] if r.lost or r.contraction else [])
    return (
        (flt.reason is None or flt.reason in reasons)
        and (flt.tier is None or r.tier == flt.tier)
        and (flt.csm is None or r.csm_id == flt.csm)
        and (flt.outcome is None or r.outcome == flt.outcome)
    )


def analyse(
    session: Session, c: ContractArrays, rates: ExchangeRates, period: Period, today: date, flt: ReportFilter
) -> RenewalReport:
    """The report of the period (labels are filled in by `labelled`)."""
    conv = converted_cents(c.cents, c.currency, c.currencies, rates, period.start)
    until = day_number(min(period.end, today + timedelta(days=1)))
    due_at = np.flatnonzero((c.end >= day_number(period.start)) & (c.end < until))
    rows = sorted(_rows(session, c, conv, due_at), key=lambda r: (-r.lost, -r.due, r.contract_id))
    by_reason: dict[str, list[RenewalRow]] = {}
    for r in rows:
        if r.lost or r.contraction:
            for reason in r.reasons or [NO_REASON]:
                by_reason.setdefault(reason, []).append(r)
    reason_lines = sorted((_line(k, k, v) for k, v in by_reason.items()), key=lambda x: (-x.lost, x.key))
    return RenewalReport(
        period=period.label,
        start=period.start,
        end=period.end,
        partial=period.end > today,
        currency=rates.company_currency,
        totals=_line("", "", rows),
        by_reason=reason_lines,
        by_tier=sorted((_line(k, k, v) for k, v in _by(rows, "tier").items()), key=lambda x: -x.due),
        by_csm=sorted((_line(k, k, v) for k, v in _by(rows, "csm_id").items()), key=lambda x: -x.due),
        top_reasons=[x for x in reason_lines if x.lost > 0][:TOP_REASONS],
        rows=[r for r in rows if _wanted(r, flt)],
        filter=flt,
    )


def labelled(
    report: RenewalReport, accounts: Mapping[int, str], csms: Mapping[str, str], settings: RenewalSettings,
    chinese: bool,
) -> RenewalReport:  # fmt: skip
    """The report with account, CSM and reason names (in the reader's language)."""

    def reason(key: str) -> str:
        return NO_REASON_LABEL if key == NO_REASON else settings.reason_label(key, chinese)

    def csm(key: str) -> str:
        return csms.get(key, N_("Not set"))

    for line in [*report.by_reason, *report.top_reasons]:
        line.label = reason(line.key)
    for line in report.by_csm:
        line.label = csm(line.key)
    for line in report.by_tier:
        line.label = line.key or N_("Not set")
    for row in report.rows:
        row.account, row.csm = accounts.get(row.account_id, ""), csm(row.csm_id)
        row.reason_labels = [reason(k) for k in row.reasons]
    return report
