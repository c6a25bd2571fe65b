"""Loads the metrics' operational inputs from the domains' services, for the snapshot run.

It lives in snapshots, not analytics: the metrics are a calculator, and a calculator calls no domain. The
inputs' shape (`MetricInputs`, its schemas and builders) stays in analytics, which the metrics read.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.analytics.inputs import SCHEMAS, MetricInputs, days, hours, make_inputs
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
    accounts = accounts_service.analytics_columns(session, ids)
    keys, hours_of = pa.array(list(sla), pa.string()), pa.array(list(sla.values()), pa.float64())
    at = pc.index_in(accounts.column("tier"), value_set=keys)
    accounts = accounts.append_column(
        "sla_first_response_hours", pc.fill_null(pc.take(hours_of, at), DEFAULT_SLA_HOURS)
    )
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
    rows = make_inputs(
        key_features,
        contacts=contacts,
        tickets=tickets,
        touches=touches,
        surveys=surveys,
        milestones=milestones,
        referrals=referrals,
    )
    # The two tables as long as the portfolio come as columns; the others are rows of what happened.
    return replace(
        rows,
        accounts=accounts.select(SCHEMAS["accounts"].names).cast(SCHEMAS["accounts"]),
        contracts=contracts_service.analytics_columns(session, ids).cast(SCHEMAS["contracts"]),
    )
