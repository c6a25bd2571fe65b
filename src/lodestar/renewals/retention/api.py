"""JSON routes: the retention figures and the renewal analysis report, scoped to the caller's accounts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from lodestar.auth.deps import ApiUser
from lodestar.renewals.retention import service
from lodestar.renewals.retention.renewal_analysis import RenewalReport, ReportFilter
from lodestar.renewals.retention.schemas import RetentionQuery, RetentionReport
from lodestar.web.deps import Db, Today
from lodestar.web.forms import validate
from lodestar.web.templating import locale_of

router = APIRouter(tags=["retention"])
Text = Annotated[str | None, Query(max_length=40)]


def _given(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v not in (None, "")}


@router.get("/retention", response_model=RetentionReport, summary="Retention figures")
def retention(
    caller: ApiUser,
    db: Db,
    today: Today,
    period: Text = None,
    by: Text = None,
    first: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    last: Annotated[str | None, Query(alias="to", max_length=10)] = None,
) -> RetentionReport:
    """GRR, NRR, logo retention and renewal rate per period (month, quarter or year) and group (tier, csm,
    industry, plan, region, cohort; comma-separated for several), with every component, over the caller's
    accounts; the whole range, the trailing twelve months and NRR by signing quarter too."""
    query = validate(RetentionQuery, _given(period=period, by=by, **{"from": first, "to": last}))
    return service.retention(db, caller, query, today)


@router.get("/retention/renewal-report", response_model=RenewalReport, summary="Renewal analysis report")
def renewal_report(
    request: Request,
    caller: ApiUser,
    db: Db,
    today: Today,
    period: Text = None,
    reason: Text = None,
    tier: Text = None,
    csm: Text = None,
    outcome: Text = None,
) -> RenewalReport:
    """The renewal analysis of a month (2025-07) or quarter (2025-Q3; default: the last finished one): ARR
    renewed and lost by reason, tier and CSM, and the contracts behind them (filtered by reason, tier,
    csm or outcome)."""
    chosen = period or service.default_report_label("quarter", today)
    flt = validate(ReportFilter, _given(period=chosen, reason=reason, tier=tier, csm=csm, outcome=outcome))
    return service.renewal_report(db, caller, flt, today, chinese=locale_of(request) == "zh_CN")
