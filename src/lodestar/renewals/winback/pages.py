"""HTML routes: the sales lead pool and its CSV export (signed in, row-level), and the public churn-survey
form (no sign-in: the signed one-use link is the credential, and it shows only its own survey)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from lodestar.auth.deps import PageUser
from lodestar.kit.errors import InvalidInput
from lodestar.kit.text import N_
from lodestar.renewals import config_kind as renewals_kind
from lodestar.renewals.winback import service
from lodestar.renewals.winback.lead_export import leads_csv
from lodestar.web.deps import Db, Today
from lodestar.web.forms import field_errors, validate
from lodestar.web.i18n import LANGUAGES, gettext_for, translations
from lodestar.web.security import check_csrf
from lodestar.web.templating import locale_of, render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
REFUSALS = {  # why a link does not open the form: the status and the sentence shown in both languages
    "invalid": (404, N_("This survey link is not valid. Please use the link from your e-mail as it is.")),
    "expired": (410, N_("This survey link has expired. Thank you all the same.")),
    "used": (410, N_("This survey has already been answered. Thank you for your feedback.")),
}


def _reason_label(db: Db, chinese: bool) -> Any:
    settings, _ = renewals_kind.current(db)
    return lambda key: (
        settings.reason_label(key, chinese)
        if key
        else gettext_for("zh_CN" if chinese else "en")(N_("not recorded"))
    )


@router.get("/lead-pool")
def lead_pool(request: Request, user: PageUser, db: Db, page: int = 1) -> Response:
    """The accounts whose win-back window ended without a win, for sales: reason, last ARR and health,
    key contacts, a link to the history."""
    page = max(1, min(page, 100_000))
    leads, total = service.lead_pool(db, user, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    context = {
        "leads": leads,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "counts": service.outcome_counts(db, user),
        "reason_label": _reason_label(db, locale_of(request) == "zh_CN"),
    }
    return render(request, "renewals/winback/lead_pool.html", context)


@router.get("/lead-pool/export.csv")
def lead_pool_export(request: Request, user: PageUser, db: Db) -> Response:
    """Every lead the viewer may see, as CSV."""
    leads, _ = service.lead_pool(db, user, None)
    body = leads_csv(leads, _reason_label(db, locale_of(request) == "zh_CN"))
    headers = {"Content-Disposition": 'attachment; filename="lead-pool.csv"'}
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)


def _in(locale: str) -> dict[str, Any]:
    """The page context that renders in this language (the public form speaks the survey's language)."""
    return {"locale": locale, "_": gettext_for(locale), "ngettext": translations(locale).ngettext}


def _survey_locale(request: Request, stored: str) -> str:
    """The language the reader chose with the page's switch, else the survey's own."""
    chosen = (request.scope.get("session") or {}).get("locale")
    return chosen if chosen in LANGUAGES else stored


def _refused(request: Request, why: str) -> Response:
    status, sentence = REFUSALS[why]
    both = {code: gettext_for(code)(sentence) for code in LANGUAGES}
    context = {"why": why, "both": both}
    return render(request, "renewals/winback/survey_refused.html", context, status_code=status)


def _form(request: Request, token: str, opened: service.OpenSurvey, **extra: Any) -> Response:
    locale = _survey_locale(request, opened.locale)
    context = {**_in(locale), "token": token, "survey": opened, "zh": locale == "zh_CN", **extra}
    return render(
        request, "renewals/winback/survey.html", context, status_code=422 if extra.get("errors") else 200
    )


@router.get("/survey/{token}")
def survey_form(request: Request, token: str, db: Db, today: Today) -> Response:
    """The public churn-survey form of a valid, unexpired, unanswered link (no sign-in)."""
    settings = request.app.state.settings
    try:
        opened = service.open_survey(db, token, today, settings)
    except service.SurveyRefused as refused:
        return _refused(request, refused.why)
    return _form(request, token, opened, answer={})


@router.post("/survey/{token}")
async def survey_submit(request: Request, token: str, db: Db, today: Today) -> Response:
    """Stores the answers once; a bad answer shows the form again naming the field, nothing written."""
    settings = request.app.state.settings
    form = await request.form()
    submitted = form.get("csrf_token")
    check_csrf(request, submitted if isinstance(submitted, str) else None)
    try:
        opened = service.open_survey(db, token, today, settings)
    except service.SurveyRefused as refused:
        return _refused(request, refused.why)
    raw = {
        "reasons": [r for r in form.getlist("reasons") if isinstance(r, str)],
        "feedback": str(form.get("feedback") or "").replace("\x00", "") or None,
        "would_return": str(form.get("would_return") or "").strip() or None,
    }
    try:
        service.answer_survey(db, token, validate(service.SurveyAnswer, raw), today, settings)
    except service.SurveyRefused as refused:
        return _refused(request, refused.why)
    except InvalidInput as exc:
        return _form(request, token, opened, answer=raw, errors=field_errors(exc, raw))
    locale = _survey_locale(request, opened.locale)
    return render(request, "renewals/winback/survey_thanks.html", _in(locale))
