"""HTML routes: the referrers list for marketing (and its CSV), recording and changing a referral from the
account page."""

from __future__ import annotations

import io
from datetime import date

import pyarrow as pa
import pyarrow.csv as pcsv
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from lodestar.accounts import service as accounts_service
from lodestar.auth import service as auth_service
from lodestar.auth.deps import PageUser
from lodestar.kit.errors import InvalidInput
from lodestar.kit.money import company_rates
from lodestar.kit.spreadsheet import escape_formulas
from lodestar.referrals import labels, service
from lodestar.referrals.schemas import ReferralFields
from lodestar.web.deps import Db, Today
from lodestar.web.forms import blank_to_none, field_errors, read_form, validate
from lodestar.web.i18n import gettext_for
from lodestar.web.templating import locale_of, render

router = APIRouter(include_in_schema=False)
FIELDS = tuple(ReferralFields.model_fields)


@router.get("/referrers")
def referrers_page(request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """The viewer's accounts that referred leads, most won first, their won value per currency and in the
    company currency."""
    rates = company_rates(db)
    rows = service.referrers(db, user, rates, today)
    context = {
        "rows": rows,
        "company_currency": rates.company_currency if rates else None,
        "unrated": sorted({c for r in rows for c in r.totals.unrated}),
    }
    return render(request, "referrals/referrers.html", context)


@router.get("/referrers/export.csv")
def referrers_csv(user: PageUser, db: Db, today: Today) -> Response:
    """The referrers list as CSV (formula-safe cells): won ARR per currency and in the company currency
    (empty when no won currency has a rate; those without one are listed)."""
    rates = company_rates(db)
    rows = service.referrers(db, user, rates, today)
    value = ["; ".join(f"{c} {v}" for c, v in sorted(r.totals.value.items())) for r in rows]
    company = f"won_arr_{rates.company_currency.lower()}" if rates else "won_arr_company"
    table = pa.table({
        "account_id": pa.array([r.account_id for r in rows], pa.int64()),
        "account": pa.array([r.account for r in rows], pa.string()),
        "referrals": pa.array([r.totals.referrals for r in rows], pa.int64()),
        "won": pa.array([r.totals.won for r in rows], pa.int64()),
        "won_arr": pa.array(value, pa.string()),
        company: pa.array([r.totals.company_value for r in rows], pa.decimal128(16, 2)),
        "no_rate_for": pa.array([", ".join(r.totals.unrated) for r in rows], pa.string()),
        "last_referred_on": pa.array([r.last_referred_on for r in rows], pa.date32()),
    })  # fmt: skip
    out = io.BytesIO()
    out.write("\ufeff".encode())
    pcsv.write_csv(escape_formulas(table), out)
    headers = {"Content-Disposition": 'attachment; filename="referrers.csv"'}
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


def _form(request: Request, db: Db, user: PageUser, account_id: int, values: dict[str, object],
          errors: dict[str, str], status: int = 200, referral_id: int | None = None) -> Response:  # fmt: skip
    """The referral form: a new one of the account, or the referral `referral_id` changed."""
    account = accounts_service.get_account(db, user, account_id)
    _ = gettext_for(locale_of(request))
    options = [(key, _(label)) for key, label in labels.STATUSES.items()]
    context = {
        "account": account,
        "values": values,
        "errors": errors,
        "status_options": options,
        "referral_id": referral_id,
    }
    return render(request, "referrals/form.html", context, status_code=status)


@router.get("/accounts/{account_id}/referrals/new")
def new_referral(account_id: int, request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """The form to record a referral of this account."""
    return _form(request, db, user, account_id, {"referred_on": today.isoformat(), "status": "received"}, {})


@router.post("/accounts/{account_id}/referrals/new")
async def create_referral(
    account_id: int, request: Request, user: PageUser, db: Db, today: Today
) -> Response:
    """Records the referral, or shows the form again naming each bad field (nothing written)."""
    values = blank_to_none(await read_form(request), FIELDS)
    try:
        service.create_referral(db, user, account_id, validate(ReferralFields, values), today)
    except InvalidInput as exc:
        db.rollback()
        return _form(request, db, user, account_id, values, field_errors(exc, FIELDS), 422)
    return RedirectResponse(f"/accounts/{account_id}#referrals", status_code=303)


@router.get("/referrals/{referral_id}/edit")
def edit_referral(referral_id: int, request: Request, user: PageUser, db: Db) -> Response:
    """The form to change a referral: its status as the lead moves, the lead, the contract and ARR."""
    auth_service.require_editor(user)
    referral = service.get_referral(db, user, referral_id)
    stored = {f: getattr(referral, f) for f in FIELDS}
    values: dict[str, object] = {
        f: "" if v is None else v.isoformat() if isinstance(v, date) else str(v) for f, v in stored.items()
    }
    return _form(request, db, user, referral.account_id, values, {}, referral_id=referral.id)


@router.post("/referrals/{referral_id}/edit")
async def update_referral(
    referral_id: int, request: Request, user: PageUser, db: Db, today: Today
) -> Response:
    """Saves the changed referral (audited), or shows the form again naming each bad field (nothing
    written)."""
    account_id = service.get_referral(db, user, referral_id).account_id
    values = blank_to_none(await read_form(request), FIELDS)
    try:
        service.update_referral(db, user, referral_id, validate(ReferralFields, values), today)
    except InvalidInput as exc:
        db.rollback()
        errors = field_errors(exc, FIELDS)
        return _form(request, db, user, account_id, values, errors, 422, referral_id)
    return RedirectResponse(f"/accounts/{account_id}#referrals", status_code=303)
