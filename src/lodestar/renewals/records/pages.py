"""HTML routes: the renewals pipeline (by month × forecast, the open renewals, the forecast vs actual) and
its CSV/XLSX export, one renewal with its forms (edit the forecast and proposal, close with reasons)."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from lodestar.accounts import service as accounts_service
from lodestar.accounts.intent_stars import stars_of
from lodestar.auth import service as auth_service
from lodestar.auth.deps import PageUser
from lodestar.auth.models import Role, User
from lodestar.kit.errors import InvalidInput
from lodestar.predictions import panels as churn_panels
from lodestar.renewals import config_kind
from lodestar.renewals.records import export, service
from lodestar.renewals.records.labels import FORECAST_LABELS, OUTCOME_LABELS
from lodestar.renewals.records.models import Renewal
from lodestar.renewals.records.pipeline_figures import COLUMNS
from lodestar.renewals.records.schemas import ForecastFilter, RenewalClose, RenewalQuery, RenewalUpdate
from lodestar.renewals.schemas import FORECAST_CATEGORIES, OUTCOMES
from lodestar.web.deps import Db, Today
from lodestar.web.forms import field_errors, read_form, validate
from lodestar.web.templating import locale_of, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25
EXPORT_LIMIT = 200_000
EDIT_FIELDS = ("forecast", "next_step", "proposal_edition", "proposal_seats", "proposal_price",
               "proposal_discount", "proposal_notes", "documents")  # fmt: skip


class PipelineFilter(BaseModel):
    """The pipeline's filters and page, from the query string."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    tier: str | None = Field(None, max_length=32)
    industry: str | None = Field(None, max_length=80)
    owner: int | None = None
    risk: Literal["green", "yellow", "red", "none"] | None = None
    forecast: ForecastFilter | None = None
    page: int = Field(1, ge=1, le=100_000)

    def query(self, user: User) -> RenewalQuery:
        """The renewal query of these filters (a CSM sees their own accounts whatever `owner` says)."""
        owner = user.id if user.role == Role.CSM else self.owner
        return RenewalQuery(
            tier=self.tier, industry=self.industry, owner_id=owner, grade=self.risk, forecast=self.forecast
        )


def _filters(request: Request) -> PipelineFilter:
    return validate(PipelineFilter, {k: v for k, v in request.query_params.items() if v.strip()})


def _href(flt: PipelineFilter, path: str = "/renewals", **changes: Any) -> str:
    values = {**flt.model_dump(), **changes}
    query = {k: v for k, v in values.items() if v not in (None, "") and not (k == "page" and v == 1)}
    return path + (f"?{urlencode(query)}" if query else "")


def _common(request: Request, db: Db, user: User) -> dict[str, Any]:
    chinese = locale_of(request) == "zh_CN"
    return {
        "zh": chinese,
        "can_act": auth_service.can_edit(user),
        "forecast_labels": FORECAST_LABELS,
        "outcome_labels": OUTCOME_LABELS,
        "reason_labels": dict(config_kind.reason_labels(db, chinese)),
    }


@router.get("/renewals")
def pipeline(request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """Open renewals by month of contract end × forecast category (ARR in the company currency), the list
    with one click to each account, and how the forecasts of past months turned out."""
    flt = _filters(request)
    query = flt.query(user)
    figures = service.pipeline_page(db, user, query, today)
    renewals, total = service.list_renewals(db, user, query, PAGE_SIZE, (flt.page - 1) * PAGE_SIZE)
    accounts, people = service.names(db, renewals)
    owners = auth_service.visible_owners(db, user) if user.role != Role.CSM else []
    context = {
        **_common(request, db, user),
        "flt": flt,
        "this_month": today.replace(day=1),
        "figures": figures,
        "columns": COLUMNS,
        "renewals": renewals,
        "total": total,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "accounts": accounts,
        "stars": stars_of(db, set(accounts)),
        "people": people,
        "href": lambda **kw: _href(flt, **kw),
        "export_href": lambda fmt: _href(flt, "/renewals/export", page=1, format=fmt),
        "options": accounts_service.filter_options(db, user),
        "owners": [(u.id, u.name) for u in owners if u.role in (Role.CSM, Role.MANAGER)],
    }
    return render(request, "renewals/records/pipeline.html", context)


@router.get("/renewals/export")
def export_pipeline(request: Request, user: PageUser, db: Db) -> Response:
    """The open renewals matching the filters as CSV (`format=csv`, the default) or XLSX."""
    fmt = validate(ExportFormat, dict(request.query_params)).format
    renewals, _ = service.list_renewals(db, user, _filters(request).query(user), EXPORT_LIMIT, 0)
    accounts, people = service.names(db, renewals)
    data = export.table(renewals, accounts, people, config_kind.exchange_rates(db))
    name = f"renewals.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(export.to_bytes(data, fmt), media_type=export.MEDIA[fmt], headers=headers)


class ExportFormat(BaseModel):
    """The export's file format."""

    model_config = ConfigDict(extra="ignore")

    format: export.Format = "csv"


def _detail(
    request: Request, db: Db, user: User, renewal: Renewal, errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None, status_code: int = 200,
) -> Response:  # fmt: skip
    accounts, people = service.names(db, [renewal])
    history = service.forecast_history(db, user, renewal.id)
    people |= service.names_of_users(db, {h.changed_by for h in history})
    context = {
        **_common(request, db, user),
        "renewal": renewal,
        "account_name": accounts.get(renewal.account_id, ""),
        "stars": stars_of(db, {renewal.account_id}).get(renewal.account_id),
        # the churn model's risk factors behind the predicted likelihood, as on the account page
        "churn_panel": None
        if renewal.outcome
        else churn_panels.account_section(request, db, user, renewal.account_id),
        "people": people,
        "history": history,
        "errors": errors or {},
        "values": values if values is not None else _values(renewal),
        "categories": FORECAST_CATEGORIES,
        "outcomes": OUTCOMES,
    }
    return render(request, "renewals/records/detail.html", context, status_code=status_code)


def _values(renewal: Renewal) -> dict[str, Any]:
    values: dict[str, Any] = {f: getattr(renewal, f) for f in EDIT_FIELDS if f != "documents"}
    values = {k: ("" if v is None else v) for k, v in values.items()}
    values["documents"] = "\n".join(f"{d['name']} | {d['url']}" for d in renewal.documents)
    return values


@router.get("/renewals/{renewal_id}")
def renewal_page(renewal_id: int, request: Request, user: PageUser, db: Db) -> Response:
    """One renewal: what is at stake, the forecast and its history, the proposal, the outcome."""
    return _detail(request, db, user, service.get_renewal(db, user, renewal_id))


def _documents(text: str) -> list[dict[str, str]]:
    """`name | url` lines as documents (a bare URL names itself)."""
    out = []
    for line in filter(None, (raw.strip() for raw in text.splitlines())):
        name, _, url = line.rpartition("|") if "|" in line else (line, "", line)
        out.append({"name": name.strip(), "url": url.strip()})
    return out


@router.post("/renewals/{renewal_id}")
async def edit_renewal(renewal_id: int, request: Request, user: PageUser, db: Db) -> Response:
    """Saves the forecast, next step, proposal and documents; the form again, naming each bad field."""
    form = await read_form(request)
    renewal = service.get_renewal(db, user, renewal_id)
    data: dict[str, Any] = {f: (form.get(f) or None) for f in EDIT_FIELDS if f in form}
    data["documents"] = _documents(form.get("documents", ""))
    if data.get("forecast") is None:
        data.pop("forecast", None)
    try:
        service.update_renewal(db, user, renewal_id, validate(RenewalUpdate, data))
    except InvalidInput as exc:
        db.rollback()
        errors = field_errors(exc, EDIT_FIELDS)
        return _detail(request, db, user, renewal, errors, {**_values(renewal), **form}, 422)
    return RedirectResponse(f"/renewals/{renewal_id}?saved=1", status_code=303)


@router.post("/renewals/{renewal_id}/close")
async def close_renewal(renewal_id: int, request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """Closes the renewal with the outcome and reasons ticked; the form again, naming each bad field."""
    form = await read_form(request)
    reasons = [v for v in (await request.form()).getlist("reasons") if isinstance(v, str)]
    renewal = service.get_renewal(db, user, renewal_id)
    data = {"outcome": form.get("outcome") or None, "reasons": reasons, "note": form.get("note") or None}
    try:
        service.close_renewal(db, user, renewal_id, validate(RenewalClose, data), today)
    except InvalidInput as exc:
        db.rollback()
        errors = {f"close_{k}": v for k, v in field_errors(exc, ("outcome", "reasons", "note")).items()}
        values = {**_values(renewal), "close_outcome": form.get("outcome", ""), "close_reasons": reasons,
                  "close_note": form.get("note", "")}  # fmt: skip
        return _detail(request, db, user, service.get_renewal(db, user, renewal_id), errors, values, 422)
    return RedirectResponse(f"/renewals/{renewal_id}?closed=1", status_code=303)
