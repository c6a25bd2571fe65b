"""A tracker's export as feature requests: one row per request and account that asked (rows of one request
share its tracker key); a new status becomes a change like any other (tasks to tell the customers)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from lodestar.db.upsert import UpsertCounts
from lodestar.feature_requests import repository
from lodestar.feature_requests.models import FeatureRequest, RequestLink
from lodestar.feature_requests.schemas import RequestCreate, StatusUpdate
from lodestar.kit.errors import FieldProblem, InvalidInput, in_row
from lodestar.kit.text import N_, Text
from lodestar.kit.time import utcnow

_FIELDS = ("title", "description", "status", "public_note")


def _checked(
    rows: Sequence[dict[str, Any]], numbers: Sequence[int], stored: dict[str, FeatureRequest]
) -> dict[str, dict[str, Any]]:
    """Each request of the file by tracker key: its fields (first row that gives each) and its accounts;
    InvalidInput naming every bad row and field."""
    problems: list[FieldProblem] = []
    found: dict[str, dict[str, Any]] = {}
    for row, number in zip(rows, numbers, strict=True):
        key = row.get("external_id")
        if not key:
            problems.append(FieldProblem(f"row {number}: external_id", Text(N_("is required"))))
            continue
        entry = found.setdefault(key, {"fields": {}, "links": [], "row": number})
        for name in _FIELDS:
            value = row.get(name)
            if value is None:
                continue
            if entry["fields"].setdefault(name, value) != value:
                message = Text(N_("differs from an earlier row of request %(key)s"), key=key)
                problems.append(FieldProblem(f"row {number}: {name}", message))
        try:
            StatusUpdate.model_validate(
                {"status": row.get("status") or "new", "public_note": row.get("public_note")}
            )
            if key not in stored:
                RequestCreate.model_validate({"title": entry["fields"].get("title"), "external_id": key})
        except ValidationError as exc:
            problems.extend(in_row(number, exc))
        if row.get("account_id") is not None:
            entry["links"].append((row["account_id"], row.get("contact_id")))
    if problems:
        raise InvalidInput(problems)
    return found


def upsert_requests(
    session: Session, rows: Sequence[dict[str, Any]], numbers: Sequence[int], today: date,
    change_status: Any,
) -> UpsertCounts:  # fmt: skip
    """Checks every row, then creates or updates each request by tracker key, links its accounts and
    applies its status (`change_status`: the service's, with the tracker as the source). All or nothing."""
    keys = {r["external_id"] for r in rows if r.get("external_id")}
    stored = repository.by_external_id(session, keys)
    found = _checked(rows, numbers, stored)
    counts = UpsertCounts()
    for key, entry in found.items():
        fields = entry["fields"]
        request = stored.get(key)
        if request is None:
            request = FeatureRequest(
                external_id=key, title=fields["title"], description=fields.get("description")
            )
            session.add(request)
            session.flush()
            counts.created += 1
        elif fields.get("title", request.title) != request.title or fields.get("description") not in (
            None,
            request.description,
        ):
            request.title = fields.get("title", request.title)
            request.description = fields.get("description", request.description)
            counts.updated += 1
        else:
            counts.unchanged += 1
        for account_id, contact_id in entry["links"]:
            link = repository.link_of(session, request.id, account_id)
            if link is None:
                session.add(
                    RequestLink(
                        request_id=request.id, account_id=account_id, contact_id=contact_id, asked_on=today
                    )
                )
            elif contact_id is not None:
                link.contact_id = contact_id
        request.updated_at = utcnow()
        session.flush()
        if "status" in fields or "public_note" in fields:
            update = StatusUpdate(
                status=fields.get("status", request.status), public_note=fields.get("public_note")
            )
            change_status(session, None, request.id, update, today, "import")
        counts.ids.append(request.id)
    return counts
