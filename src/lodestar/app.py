"""FastAPI app factory: mounts each domain's JSON API and pages."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.routing import iter_route_contexts
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lodestar import (
    __version__,
    configuration,  # noqa: F401  (registers every configuration kind)
)
from lodestar.auth.throttle import LoginThrottle
from lodestar.db.engine import engine_for, session_factory
from lodestar.kit import money
from lodestar.kit.errors import InvalidInput, LodestarError, problems_from_pydantic
from lodestar.kit.text import N_
from lodestar.settings import Settings, get_settings
from lodestar.web import openapi_contract
from lodestar.web.i18n import gettext_for
from lodestar.web.input_guard import guard_input
from lodestar.web.security import LoginRequired
from lodestar.web.security_headers import SecurityHeaders
from lodestar.web.upload_limit import UploadLimit

STATIC = Path(__file__).parent / "web" / "static"
# Starlette's own error details, shown on the error page: in the catalogue so they read in both languages.
HTTP_DETAILS = (
    N_("Not Found"),
    N_("Method Not Allowed"),
    N_("Unauthorized"),
    N_("Forbidden"),
    N_("Bad Request"),
    N_("Internal Server Error"),
)


class ServerTiming:
    """Adds `Server-Timing: app;dur=<ms>` so benchmarks can read server-side time."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                ms = (time.perf_counter() - started) * 1000
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"server-timing", f"app;dur={ms:.2f}".encode())]
            await send(message)

        await self.app(scope, receive, timed_send)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_body(request: Request, code: str, exc: LodestarError) -> dict[str, Any]:
    """The JSON error in the caller's language (its user's locale, else Accept-Language, else English)."""
    from lodestar.web.templating import locale_of

    _ = gettext_for(locale_of(request))
    body: dict[str, Any] = {"code": code, "message": _(exc.message)}
    if isinstance(exc, InvalidInput):
        body["problems"] = [{"field": p.field, "message": _(p.message)} for p in exc.problems]
        body["message"] = "; ".join(f"{p['field']}: {p['message']}" for p in body["problems"])
    return body


def _code_of(exc: LodestarError) -> str:
    name = type(exc).__name__
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


async def _lodestar_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LodestarError)
    if isinstance(exc, LoginRequired) and not _is_api(request):
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    if _is_api(request):
        return JSONResponse(_error_body(request, _code_of(exc), exc), status_code=exc.status_code)
    from lodestar.web.templating import render

    # The same words as the JSON answer: each problem translated, not the English sentence they made.
    message = _error_body(request, _code_of(exc), exc)["message"]
    return render(
        request, "error.html", {"status": exc.status_code, "message": message}, status_code=exc.status_code
    )


def _allowed_methods(request: Request) -> str:
    # Starlette names only the first route whose path matched; a path served by several routes
    # (GET and PATCH /api/v1/accounts/{id}) must list them all.
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.router.routes):
        regex = getattr(route, "path_regex", None)
        if regex is not None and route.methods and regex.match(request.url.path):
            methods |= route.methods
    return ", ".join(sorted(methods))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
    if _is_api(request) or request.url.path.startswith("/v1/"):
        return JSONResponse(
            {"code": "http_error", "message": str(exc.detail)},
            status_code=exc.status_code,
            headers=headers or None,
        )
    from lodestar.web.templating import render

    page = render(
        request,
        "error.html",
        {"status": exc.status_code, "message": str(exc.detail)},
        status_code=exc.status_code,
    )
    page.headers.update(headers)
    return page


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    invalid = problems_from_pydantic(list(exc.errors()))
    return JSONResponse(_error_body(request, "invalid_input", invalid), status_code=422)


def _lifespan(scheduler: bool, notify: bool) -> Any:
    """Starts the daily snapshot scheduler and the notification worker with the server (when asked) and
    stops them on shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from lodestar.notifications.worker import NotifyWorker
        from lodestar.pipeline.scheduler import DailyScheduler

        threads: list[DailyScheduler | NotifyWorker] = []
        if scheduler:
            threads.append(DailyScheduler(app.state.engine, app.state.settings))
        if notify:
            threads.append(NotifyWorker(app.state.engine, app.state.settings))
        for thread in threads:
            thread.start()
        yield
        for thread in threads:
            thread.stop()
        for thread in threads:
            if isinstance(thread, NotifyWorker):  # let a delivery in flight finish and be marked sent
                thread.join(timeout=app.state.settings.notify_timeout_s + 5)

    return lifespan


def create_app(settings: Settings | None = None, scheduler: bool = False) -> FastAPI:
    """Builds the web app for these settings (the process settings by default); `serve` adds the scheduler
    and the notification worker."""
    settings = settings or get_settings()
    app = FastAPI(
        lifespan=_lifespan(scheduler and settings.snapshot_schedule, scheduler and settings.notify_worker),
        title="Lodestar",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        description="Customer-success platform API. Authenticate with `Authorization: Bearer <token>` "
        "(create one with `lodestar users token EMAIL`).",
        dependencies=[Depends(guard_input)],  # NULs and out-of-range ids answer 422/404, never 500
    )
    app.state.settings = settings
    app.state.engine = engine_for(settings.resolved_database_url)
    app.state.sessions = session_factory(app.state.engine)
    app.state.login_throttle = LoginThrottle(
        settings.login_max_failures, settings.login_max_failures_per_address, settings.login_window_s
    )
    _add_middleware(app, settings)
    _add_service_routes(app)
    _mount_domains(app)
    openapi_contract.install(app)  # after every route exists: it documents their error answers
    return app


def _add_middleware(app: FastAPI, settings: Settings) -> None:
    """Sessions, limits, headers and error handlers."""
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="lodestar_session",
        max_age=settings.session_max_age_s,
        same_site="lax",
        https_only=settings.cookie_secure,
    )
    if settings.server_timing:  # off in production: it tells an observer how long each request took
        app.add_middleware(ServerTiming)
    app.add_middleware(UploadLimit, max_bytes=settings.max_upload_mb * 1024 * 1024)
    app.add_middleware(SecurityHeaders, hsts=settings.cookie_secure)
    app.add_exception_handler(LodestarError, _lodestar_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)


def _add_service_routes(app: FastAPI) -> None:
    """Static files, the API docs and the health probe."""
    app.mount("/static", StaticFiles(directory=str(STATIC), check_dir=False), name="static")

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        # Served from our own vendored assets: no CDN at run time.
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Lodestar API",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}


def _mount_domains(app: FastAPI) -> None:
    """Every domain's JSON API under /api/v1 and its pages, and the hooks between domains."""
    from lodestar.accounts import api as accounts_api
    from lodestar.accounts import pages as accounts_pages
    from lodestar.alerts import api as alerts_api
    from lodestar.alerts import pages as alerts_pages
    from lodestar.auth import api as auth_api
    from lodestar.auth import pages as auth_pages
    from lodestar.cockpit import pages as cockpit_pages
    from lodestar.config_editor import alerts_editor
    from lodestar.config_editor import pages as config_editor_pages
    from lodestar.contracts import api as contracts_api
    from lodestar.contracts import pages as contracts_pages
    from lodestar.customer360 import pages as customer360_pages
    from lodestar.engagement import api as engagement_api
    from lodestar.engagement import service as engagement_service
    from lodestar.events import api as events_api
    from lodestar.events import pages as events_pages
    from lodestar.events.ingest import mover_process
    from lodestar.feature_requests import api as feature_requests_api
    from lodestar.feature_requests import pages as feature_requests_pages
    from lodestar.health import api as health_api
    from lodestar.health import pages as health_pages
    from lodestar.imports import api as imports_api
    from lodestar.imports import pages as imports_pages
    from lodestar.intent import api as intent_api
    from lodestar.intent import pages as intent_pages
    from lodestar.levels import api as levels_api
    from lodestar.levels import pages as levels_pages
    from lodestar.notifications import api as notifications_api
    from lodestar.notifications import pages as notifications_pages
    from lodestar.portfolio import pages as portfolio_pages
    from lodestar.predictions import pages as predictions_pages
    from lodestar.referrals import api as referrals_api
    from lodestar.referrals import pages as referrals_pages
    from lodestar.renewals import config_kind as renewals_kind
    from lodestar.renewals.records import api as renewal_records_api
    from lodestar.renewals.records import pages as renewal_records_pages
    from lodestar.renewals.retention import api as retention_api
    from lodestar.renewals.retention import pages as retention_pages
    from lodestar.renewals.winback import api as winback_api
    from lodestar.renewals.winback import pages as winback_pages
    from lodestar.snapshots import api as snapshots_api
    from lodestar.snapshots import pages as snapshots_pages
    from lodestar.sop import api as sop_api
    from lodestar.sop import pages as sop_pages
    from lodestar.sop import service as sop_service
    from lodestar.success_plans import api as success_plans_api
    from lodestar.success_plans import pages as success_plans_pages
    from lodestar.value_reports import api as value_reports_api
    from lodestar.value_reports import pages as value_reports_pages

    # A logged touch completes the SOP tasks it is evidence for (engagement sits below sop: it is told here).
    engagement_service.after_touch_logged(sop_service.complete_tasks_proved_by)
    # Amounts in the company currency (referral value, ARR sorts) at the renewals configuration's rates.
    money.read_rates_with(renewals_kind.exchange_rates)
    # Moved events bring their accounts' metrics and health up to date (events sits below snapshots).
    mover_process.start_mover_from("lodestar.pipeline.freshness")

    for router in (
        auth_api.router,
        accounts_api.router,
        contracts_api.router,
        engagement_api.router,
        snapshots_api.router,
        health_api.router,
        sop_api.router,
        alerts_api.router,
        notifications_api.router,
        retention_api.router,
        renewal_records_api.router,
        winback_api.router,
        levels_api.router,
        intent_api.router,
        success_plans_api.router,
        feature_requests_api.router,
        referrals_api.router,
        value_reports_api.router,
    ):
        app.include_router(router, prefix="/api/v1")
    app.include_router(auth_pages.router)
    app.include_router(cockpit_pages.router)
    app.include_router(portfolio_pages.router)
    app.include_router(accounts_pages.router)
    app.include_router(customer360_pages.router)  # after accounts: /accounts/new must win over /accounts/{id}
    app.include_router(contracts_pages.router)
    app.include_router(events_api.router)
    app.include_router(events_pages.router)
    app.include_router(imports_pages.router)
    app.include_router(imports_api.router, prefix="/api/v1")
    app.include_router(snapshots_pages.router)
    app.include_router(health_pages.router)
    app.include_router(config_editor_pages.router)
    app.include_router(alerts_editor.router)  # the alert rules with the backtest of a rule as edited
    app.include_router(notifications_pages.router)  # /me/notifications, /settings/channels, /settings/outbox
    app.include_router(sop_pages.router)  # task inbox, SOP dashboard, playbook editor, account additions
    app.include_router(alerts_pages.router)  # the alert inbox, an alert, the alert backtest
    app.include_router(retention_pages.router)  # the retention dashboard, the renewal analysis report
    app.include_router(winback_pages.router)  # the sales lead pool, the public churn-survey form
    app.include_router(renewal_records_pages.router)  # the renewals pipeline and its export, one renewal
    app.include_router(levels_pages.router)  # maturity levels of the portfolio
    app.include_router(intent_pages.router)  # the sales list of 3-star accounts
    app.include_router(predictions_pages.router)  # the churn model versions (admins)
    app.include_router(success_plans_pages.router)  # the account page's success-plan edits
    app.include_router(feature_requests_pages.router)  # the request list, one request, the untold report
    app.include_router(referrals_pages.router)  # the account page's referrals, the referrers list
    app.include_router(value_reports_pages.router)  # an account's value report, its PDF and share page
