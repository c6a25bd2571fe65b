"""Loads the metrics' operational inputs from the domains' services, for the snapshot run.

It lives in snapshots, not analytics: the metrics are a calculator, and a calculator calls no domain. The
inputs' shape (`MetricInputs`, its schemas and builders) stays in analytics, which the metrics read.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.analytics.inputs import MetricInputs, days, hours, make_inputs
from lodestar.contracts import service as contracts_service
from lodestar.engagement import service as engagement_service
from lodestar.referrals import service as referrals_service
from lodestar.success_plans import service as success_plans_service

DEFAULT_SLA_HOURS = 24.0


def load_inputs(
    session: Session,
    sla_hours_by_tier: Mapping[str, float] | None = None,
    key_features: Iterable[str] = (),
    account_ids: Collection[int] | None = None,
) -> MetricInputs:
    """Reads every input (only these accounts' rows when given) through the domains' services."""
    ids = account_ids
    sla = sla_hours_by_tier or {}
    accounts = [
        a | {"sla_first_response_hours": sla.get(a["tier"] or "", DEFAULT_SLA_HOURS)}
        for a in accounts_service.analytics_rows(session, ids)
    ]
    contracts = [
        {
            **{k: c[k] for k in ("account_id", "contract_id", "arr", "seats", "status")},
            "start_day": days(c["start_date"]),
            "end_day": days(c["end_date"]),
        }
        for c in contracts_service.analytics_rows(session, ids)
    ]
    # Presence comes from the active flag and the leaving date, never from when the row was imported.
    contacts = [
        {
            "account_id": c["account_id"],
            "role": c["role"],
            "active": c["active"],
            "left_day": days(c["left_on"]),
        }
        for c in accounts_service.contact_rows(session, ids)
    ]
    tickets = [
        {
            "account_id": t["account_id"],
            "severity": t["severity"],
            "opened_hour": hours(t["opened_at"]),
            "first_response_hour": hours(t["first_response_at"]),
            "resolved_hour": hours(t["resolved_at"]),
        }
        for t in engagement_service.ticket_rows(session, ids)
    ]
    touches = [
        {"account_id": t["account_id"], "kind": t["kind"], "day": days(t["occurred_at"])}
        for t in engagement_service.touch_rows(session, ids)
    ]
    surveys = [
        {
            **{k: s[k] for k in ("account_id", "response_id", "kind")},
            "score": float(s["score"]),
            "answered_hour": hours(s["answered_at"]),
        }
        for s in engagement_service.survey_rows(session, ids)
    ]
    milestones = [
        {
            "account_id": m["account_id"],
            "target_day": days(m["target_on"]),
            "reached_day": days(m["reached_on"]),
            "status": m["status"],
        }
        for m in success_plans_service.milestone_rows(session, ids)
    ]
    referrals = [
        {"account_id": r["account_id"], "referred_day": days(r["referred_on"]), "status": r["status"]}
        for r in referrals_service.referral_rows(session, ids)
    ]
    return make_inputs(
        key_features,
        accounts=accounts,
        contracts=contracts,
        contacts=contacts,
        tickets=tickets,
        touches=touches,
        surveys=surveys,
        milestones=milestones,
        referrals=referrals,
    )
