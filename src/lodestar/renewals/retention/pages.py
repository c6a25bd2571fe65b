"""HTML routes: the retention dashboard and the renewal analysis report (page, CSV, XLSX).

Every figure is over the viewer's accounts: a CSM sees their own, a manager their team's.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from lodestar.auth.deps import PageUser
from lodestar.renewals.retention import export, service
from lodestar.renewals.retention.periods import add_months, period_at
from lodestar.renewals.retention.renewal_analysis import ReportFilter
from lodestar.renewals.retention.schemas import BREAKDOWNS, RetentionQuery, RetentionReport
from lodestar.web.deps import Db, Today
from lodestar.web.forms import validate
from lodestar.web.i18n import translations
from lodestar.web.templating import locale_of, render

router = APIRouter(include_in_schema=False)


def _query(request: Request) -> dict[str, str]:
    return {k: v.strip() for k, v in request.query_params.items() if v.strip()}


def _pct(value: Any) -> float | None:
    return None if value is None else round(float(value) * 100, 1)


def charts(report: RetentionReport, gettext: Any) -> dict[str, Any]:
    """ECharts data: the trend of the ratios, NRR by signing quarter, the waterfall of the whole range."""
    series = [("grr", gettext("GRR")), ("nrr", gettext("NRR")), ("logo_retention", gettext("Logo retention"))]
    series.append(("renewal_rate", gettext("Renewal rate")))
    whole = report.whole_range.figures
    return {
        "trend": {
            "periods": [r.period for r in report.totals],
            "series": [
                {"name": n, "data": [_pct(getattr(r.figures, k)) for r in report.totals]} for k, n in series
            ],
        },
        "heatmap": report.cohort_heatmap.model_dump(),
        "waterfall": {
            "labels": [gettext(x) for x in ("Start ARR", "Expansion", "Contraction", "Churn", "End ARR")],
            "values": [
                float(v)
                for v in (whole.start_arr, whole.expansion, whole.contraction, whole.churn, whole.end_arr)
            ],
        },
    }


@router.get("/retention")
def dashboard(request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """Retention trend, cohort heat-map and waterfall, with the figures per period and group."""
    given = _query(request)
    query = validate(RetentionQuery, given)
    report = service.retention(db, user, query, today)
    gettext = translations(locale_of(request)).gettext
    context = {
        "report": report,
        "flt": {
            "period": query.period,
            "by": ",".join(query.by),
            "from": given.get("from", ""),
            "to": given.get("to", ""),
        },
        "breakdowns": BREAKDOWNS,
        "charts": charts(report, gettext),
        "as_of": today,
    }
    return render(request, "renewals/retention/dashboard.html", context)


def _labels(today: Any) -> list[str]:
    """The report periods offered: the last 12 months and the last 8 quarters, newest first."""
    months = [period_at("month", add_months(period_at("month", today).start, -i)).label for i in range(12)]
    quarters = [
        period_at("quarter", add_months(period_at("quarter", today).start, -3 * i)).label for i in range(8)
    ]
    return quarters + months


def _report(request: Request, user: Any, db: Any, today: Any) -> Any:
    given = _query(request)
    given.setdefault("period", service.default_report_label("quarter", today))
    flt = validate(ReportFilter, given)
    return service.renewal_report(db, user, flt, today, chinese=locale_of(request) == "zh_CN")


@router.get("/retention/report")
def report_page(request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """The renewal analysis of one month or quarter, with the contracts behind each figure."""
    report = _report(request, user, db, today)
    base = {"period": report.period}

    def href(path: str = "/retention/report", **kw: str) -> str:
        return path + "?" + urlencode({**base, **{k: v for k, v in kw.items() if v}})

    current = {k: v for k, v in report.filter.model_dump().items() if v and k != "period"}
    context = {"report": report, "labels": _labels(today), "href": href, "current": current}
    return render(request, "renewals/retention/report.html", context)


def _download(content: bytes, media: str, name: str) -> Response:
    return Response(
        content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/retention/report.csv")
def report_csv(request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """The report's contracts as CSV."""
    report = _report(request, user, db, today)
    return _download(export.csv_bytes(report), "text/csv; charset=utf-8", f"renewals-{report.period}.csv")


@router.get("/retention/report.xlsx")
def report_xlsx(request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """The report's contracts as XLSX."""
    report = _report(request, user, db, today)
    media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return _download(export.xlsx_bytes(report), media, f"renewals-{report.period}.xlsx")
