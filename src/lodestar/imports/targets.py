"""The fields each kind of import can fill, their types, and which ones name other records."""

from __future__ import annotations

from dataclasses import dataclass

from lodestar.kit.errors import InvalidInput


@dataclass(frozen=True)
class Reference:
    """A target field that names another record, looked up by one of its keys."""

    record: str  # account, contract, user, contact
    default_lookup: str


REFERENCES = {
    "account": Reference("account", "crm_id"),
    "contract": Reference("contract", "external_id"),
    "owner": Reference("user", "email"),
    "user": Reference("user", "email"),
    "contact": Reference("contact", "external_id"),
}

_S, _I, _N, _D, _T, _B = "string", "int", "number", "date", "datetime", "bool"

FIELDS: dict[str, dict[str, str]] = {
    "accounts": {
        "crm_id": _S, "name": _S, "industry": _S, "employees": _I, "region": _S, "funding_stage": _S,
        "it_maturity": _S, "plan": _S, "tier": _S, "segment_group_id": _S, "currency": _S,
        "business_model": _S, "purchase_intent": _S, "expectations": _S, "owner": _S,
    },
    "contacts": {
        "external_id": _S, "account": _S, "name": _S, "title": _S, "role": _S, "email": _S, "phone": _S,
        "it_ability": _S, "kpi_note": _S, "active": _B, "left_on": _D,
    },
    "contracts": {
        "external_id": _S, "account": _S, "product": _S, "edition": _S, "start_date": _D, "end_date": _D,
        "term_months": _I, "arr": _N, "mrr": _N, "currency": _S, "seats": _I, "status": _S,
        "churned_on": _D, "churn_reason": _S, "churn_reason_raw": _S, "churn_feedback": _S,
    },
    "churn": {
        "account": _S, "contract": _S, "churned_on": _D, "churn_reason": _S, "churn_reason_raw": _S,
        "churn_feedback": _S,
    },
    "events": {
        "message_id": _S, "type": _S, "event": _S, "name": _S, "user_id": _S, "anonymous_id": _S,
        "group_id": _S, "account": _S, "contract": _S, "timestamp": _T, "source": _S,
    },
    "tickets": {
        "external_id": _S, "account": _S, "subject": _S, "severity": _S, "opened_at": _T,
        "first_response_at": _T, "first_response_minutes": _N, "resolved_at": _T, "resolution_hours": _N,
        "satisfaction": _I,
    },
    "touches": {
        "external_id": _S, "account": _S, "user": _S, "kind": _S, "occurred_at": _T,
        "duration_minutes": _I, "subject": _S, "notes": _S,
    },
    "nps": {
        "external_id": _S, "account": _S, "contact": _S, "kind": _S, "score": _I, "answered_at": _T,
        "comment": _S,
    },
    "milestones": {
        "external_id": _S, "account": _S, "kind": _S, "title": _S, "owner_side": _S, "owner_person": _S,
        "target_on": _D, "status": _S, "reached_on": _D, "metric": _S, "target_value": _N,
    },
    "feature_requests": {
        "external_id": _S, "title": _S, "description": _S, "status": _S, "public_note": _S, "account": _S,
        "contact": _S,
    },
}  # fmt: skip

REQUIRED: dict[str, tuple[str, ...]] = {
    "accounts": ("name",),
    "contacts": ("account", "name"),
    "contracts": ("account", "start_date"),
    "churn": ("account", "churned_on"),
    "events": ("timestamp",),
    "tickets": ("account", "opened_at"),
    "touches": ("account", "kind", "occurred_at"),
    "nps": ("account", "score", "answered_at"),
    "milestones": ("account", "kind", "title", "target_on"),
    "feature_requests": ("external_id",),
}

# The field a re-import matches records by; derived from the row's content when the file has none.
KEYS = {
    "accounts": "crm_id",
    "contacts": "external_id",
    "contracts": "external_id",
    "tickets": "external_id",
    "touches": "external_id",
    "nps": "external_id",
    "milestones": "external_id",
}  # feature_requests: none; a tracker export repeats a request's key on one row per account that asked

# Open-ended fields: `traits.X` on accounts, `properties.X` on events (typed by the mapping, text by default).
OPEN_PREFIX = {"accounts": "traits.", "events": "properties."}
DECIMALS = ("arr", "mrr")


def type_of(kind: str, target: str, declared: str | None) -> str:
    """The value type of a target field, refusing fields the kind does not have."""
    prefix = OPEN_PREFIX.get(kind)
    if prefix and target.startswith(prefix) and len(target) > len(prefix):
        return declared or "string"
    if target not in FIELDS[kind]:
        known = ", ".join(sorted(FIELDS[kind]))
        extra = f" (or {prefix}NAME)" if prefix else ""
        raise InvalidInput.one(f"fields.{target}", f"{kind} have no field {target!r}; known: {known}{extra}")
    return declared or FIELDS[kind][target]
