"""HTML route: the account page, composed from each domain's panel."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from lodestar.accounts import service as accounts_service
from lodestar.accounts.panels import profile_panel
from lodestar.alerts import panels as alerts_panels
from lodestar.auth.deps import PageUser
from lodestar.contracts import service as contracts_service
from lodestar.engagement.panels import engagement_panel
from lodestar.feature_requests import panels as request_panels
from lodestar.health.panels import health_panel
from lodestar.levels import panels as levels_panels
from lodestar.lifecycle import config_kind as lifecycle_kind
from lodestar.lifecycle import service as lifecycle_service
from lodestar.predictions import panels as churn_panels
from lodestar.referrals import panels as referral_panels
from lodestar.renewals.records import panels as renewal_panels
from lodestar.snapshots import config_kind as metrics_kind
from lodestar.snapshots.panels import usage_panel
from lodestar.sop.tasks import panels as sop_panels
from lodestar.success_plans import panels as success_plan_panels
from lodestar.value_reports import panels as value_report_panels
from lodestar.web.deps import Db, Today
from lodestar.web.templating import locale_of, render

router = APIRouter(include_in_schema=False)


@router.get("/accounts/{account_id}")
def account_page(account_id: int, request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """One account: health with its measures' thresholds, stage history, tier, profile, portrait, usage and
    key-feature adoption, tickets with SLA states, NPS/CSAT answers, alerts, stakeholders, contracts,
    changes."""
    account = accounts_service.get_account(db, user, account_id)
    contracts = contracts_service.list_for_account(db, user, account_id)
    settings = request.app.state.settings
    chinese = locale_of(request) == "zh_CN"
    alerts = alerts_panels.account_section(request, db, user, account_id)
    feed = alerts_panels.feed_entries(db, [*alerts["live"], *alerts["past"]])
    feed += request_panels.feed_entries(db, account_id)
    context = {
        **profile_panel(db, user, account),
        **health_panel(db, settings, account),
        **usage_panel(db, settings, account, today),
        **engagement_panel(db, account),
        "contracts": contracts,
        "by_id": {c.id: c for c in contracts},
        "stage_history": lifecycle_service.stage_history(db, account_id, newest_first=True),
        "stage_labels": dict(lifecycle_kind.stage_labels(db, chinese)),
        # A measure without its own label shows a custom metric's display name in the reader's language.
        "metric_labels": metrics_kind.labels(metrics_kind.current(db)[0], chinese),
        "alerts_panel": alerts,
        "renewals_panel": renewal_panels.account_section(request, db, user, account_id),
        "levels_panel": levels_panels.account_section(request, db, account),
        "plan_panel": success_plan_panels.account_section(db, user, account_id, today),
        "requests_panel": request_panels.account_section(db, user, account_id),
        "referrals_panel": referral_panels.account_section(db, user, account_id, today),
        "value_report_panel": value_report_panels.account_section(db, account, today),
        "churn_panel": churn_panels.account_section(request, db, user, account_id),
        # The activity feed lives with SOP; alerts raised and resolved and request changes join it from here.
        "sop": sop_panels.account_section(request, db, user, account, extra_feed=feed),
    }
    return render(request, "accounts/detail.html", context)
