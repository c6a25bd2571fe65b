"""Imports of operational records (accounts, contacts, contracts, churn, tickets, touches, NPS, plans)."""

from __future__ import annotations

import hashlib
import re
from calendar import monthrange
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from lodestar.accounts import config_kind as tiers_kind
from lodestar.accounts import service as accounts_service
from lodestar.auth import service as auth_service
from lodestar.contracts import service as contracts_service
from lodestar.db.upsert import UpsertCounts
from lodestar.engagement import service as engagement_service
from lodestar.feature_requests import service as feature_requests_service
from lodestar.imports import targets
from lodestar.imports.mapping import FIRST_ROW, Mapped, Problems
from lodestar.imports.schemas import MappingSpec
from lodestar.kit.errors import InvalidInput
from lodestar.renewals import config_kind as renewals_kind
from lodestar.success_plans import service as success_plans_service

ID_FIELDS = {"account": "account_id", "owner": "owner_id", "user": "user_id", "contact": "contact_id"}
_ROW_FIELD = re.compile(r"^row (\d+): ([\w.]+)")


def python_values(m: Mapped) -> list[Any]:
    """The mapped column as Python values (dates, aware datetimes, Decimals for money)."""
    if m.type == "number":
        return [None if v is None else Decimal(v) for v in m.values.to_pylist()]
    return list(m.values.to_pylist())


def resolve(session: Session, target: str, m: Mapped, lookup: str | None, problems: Problems) -> list[Any]:
    """Turns a reference column into record ids (contracts into (contract id, account id))."""
    ref = targets.REFERENCES[target]
    key = lookup or ref.default_lookup
    wanted = [v for v in pc.unique(pc.drop_null(m.text)).to_pylist()]
    found: dict[str, Any]
    if ref.record == "account":
        found = accounts_service.account_ids_by(session, key, wanted)
    elif ref.record == "contract":
        found = contracts_service.contract_refs(session, wanted)
    elif ref.record == "contact":
        found = accounts_service.contact_ids_by(session, key, wanted)
    else:
        users = {v: auth_service.find_user_by_email(session, v) for v in wanted}
        found = {v: u.id for v, u in users.items() if u is not None}
    out: list[Any] = []
    for index, value in enumerate(m.text.to_pylist()):
        if value is not None and value not in found:
            problems.add(
                index + FIRST_ROW, m.column or target, value, f"no {ref.record} with {key} {value!r}"
            )
        out.append(found.get(value) if value is not None else None)
    return out


def _add_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def _derive(kind: str, row: dict[str, Any], number: int, problems: Problems) -> None:
    if kind == "contracts":
        term = row.pop("term_months", None)
        mrr = row.pop("mrr", None)
        if row.get("end_date") is None and term and row.get("start_date"):
            row["end_date"] = _add_months(row["start_date"], term)
        if row.get("arr") is None and mrr is not None:
            row["arr"] = mrr * 12
        if row.get("end_date") is not None and row["end_date"] == row.get("start_date"):
            # Ended the day it began: a same-day cancellation, kept as a one-day contract.
            row["end_date"] = row["start_date"] + timedelta(days=1)
            row["status"] = "cancelled"
        if row.get("end_date") is None:
            problems.add(number, "end_date", None, "is empty and no term_months was given to derive it")
    elif kind == "tickets":
        minutes = row.pop("first_response_minutes", None)
        hours = row.pop("resolution_hours", None)
        if minutes is not None and row.get("opened_at") and not row.get("first_response_at"):
            row["first_response_at"] = row["opened_at"] + timedelta(minutes=float(minutes))
        if hours is not None and row.get("opened_at") and not row.get("resolved_at"):
            row["resolved_at"] = row["opened_at"] + timedelta(hours=float(hours))


def _content_keys(table: pa.Table) -> list[str]:
    """A key per row from its cells; identical rows get -2, -3… so each stays its own record."""
    seen: dict[str, int] = {}
    keys = []
    for row in zip(*(table.column(c).to_pylist() for c in table.column_names), strict=True):
        digest = hashlib.blake2b("\x1f".join("" if v is None else v for v in row).encode(), digest_size=10)
        key = "h-" + digest.hexdigest()
        seen[key] = seen.get(key, 0) + 1
        keys.append(key if seen[key] == 1 else f"{key}-{seen[key]}")
    return keys


def build_rows(
    session: Session, spec: MappingSpec, table: pa.Table, mapped: dict[str, Mapped], problems: Problems
) -> list[dict[str, Any]]:
    """One dict per file row in the shape the domain's upsert takes; blank cells are left out."""
    kind = spec.kind
    columns: dict[str, list[Any]] = {}
    for target, m in mapped.items():
        if target in targets.REFERENCES:
            lookup = (spec.fields.get(target) or None) and spec.fields[target].lookup
            columns[target] = resolve(session, target, m, lookup, problems)
        else:
            columns[target] = python_values(m)
    key = targets.KEYS.get(kind)
    derived = _content_keys(table) if key and key not in mapped else None
    rows = []
    for index in range(table.num_rows):
        row: dict[str, Any] = {}
        for target, values in columns.items():
            value = values[index]
            if value is None:
                continue
            if target == "contract":
                row["contract_id"], row["account_id"] = value
            elif target in ID_FIELDS:
                row[ID_FIELDS[target]] = value
            elif target.startswith("traits."):
                row.setdefault("traits", {})[target.removeprefix("traits.")] = _plain(value)
            else:
                row[target] = value
        if derived is not None and key:
            row[key] = derived[index]
        _derive(kind, row, index + FIRST_ROW, problems)
        rows.append(row)
    _check_repeats(rows, key, mapped, problems)
    if kind == "accounts" and "tier" in mapped:
        _check_tiers(session, rows, mapped["tier"], problems)
    return rows


def _check_tiers(session: Session, rows: list[dict[str, Any]], m: Mapped, problems: Problems) -> None:
    """A tier must be one the configuration defines (a free-text tier would match no rule or SLA)."""
    known = [t.key for t in tiers_kind.current(session)[0].tiers]
    for index, row in enumerate(rows):
        tier = row.get("tier")
        if tier is not None and tier not in known:
            problems.add(
                index + FIRST_ROW, m.column or "tier", tier, f"is not a tier; known: {', '.join(known)}"
            )


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _check_repeats(
    rows: list[dict[str, Any]], key: str | None, mapped: dict[str, Mapped], problems: Problems
) -> None:
    if not key:
        return
    first: dict[Any, int] = {}
    for index, row in enumerate(rows):
        value = row.get(key)
        if value is None:
            continue
        if value in first:
            column = mapped[key].column if key in mapped else key
            problems.add(index + FIRST_ROW, column, value, f"{key} repeats row {first[value]}")
        else:
            first[value] = index + FIRST_ROW


def _writer(
    kind: str, today: date
) -> Callable[[Session, Sequence[dict[str, Any]], Sequence[int]], UpsertCounts]:
    writers: dict[str, Callable[..., UpsertCounts]] = {
        "accounts": accounts_service.upsert_accounts,
        "contacts": accounts_service.upsert_contacts,
        "tickets": engagement_service.upsert_tickets,
        "touches": engagement_service.upsert_touches,
        "nps": engagement_service.upsert_survey_responses,
    }
    # Churn reasons are checked against the configured taxonomy (renewals), whatever keys a company added.
    if kind == "contracts":
        return lambda s, rows, numbers: contracts_service.upsert_contracts(
            s, rows, today, numbers, reasons=renewals_kind.reason_keys(s)
        )
    if kind == "feature_requests":
        return lambda s, rows, numbers: feature_requests_service.upsert_requests(s, rows, numbers, today)
    if kind == "milestones":
        return lambda s, rows, numbers: success_plans_service.upsert_milestones(s, rows, numbers, today)
    if kind == "churn":
        return lambda s, rows, numbers: contracts_service.record_churn(
            s, rows, today, numbers, reasons=renewals_kind.reason_keys(s)
        )
    return writers[kind]


_TARGET_OF = {v: k for k, v in ID_FIELDS.items()} | {"contract_id": "contract"}


def write_rows(
    session: Session,
    spec: MappingSpec,
    rows: list[dict[str, Any]],
    mapped: dict[str, Mapped],
    problems: Problems,
    today: date,
) -> UpsertCounts | None:
    """Hands the rows to the domain's upsert; its refusals become cell problems."""
    numbers = [i + FIRST_ROW for i in range(len(rows))]
    if spec.kind == "nps":
        rows = [{"kind": "nps", **r} for r in rows]
    try:
        return _writer(spec.kind, today)(session, rows, numbers)
    except InvalidInput as exc:
        for p in exc.problems:
            match = _ROW_FIELD.match(p.field)
            if match is None:
                problems.add(0, _TARGET_OF.get(p.field, p.field), None, p.message)
                continue
            number, field = int(match.group(1)), match.group(2)
            m = mapped.get(_TARGET_OF.get(field, field))
            value = m.text[number - FIRST_ROW].as_py() if m is not None else None
            problems.add(number, (m.column if m is not None else "") or field, value, p.message)
        return None
