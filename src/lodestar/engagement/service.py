"""Tickets, touches and survey answers: bulk imports (all rows or none), touches logged by a person, reads."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.auth import service as auth_service
from lodestar.auth.models import User
from lodestar.db.upsert import UpsertCounts, upsert_by_key
from lodestar.engagement import repository
from lodestar.engagement.models import SurveyResponse, Ticket, Touch
from lodestar.engagement.schemas import SurveyResponseCreate, TicketCreate, TouchCreate, TouchIn, TouchRead
from lodestar.kit.errors import FieldProblem, InvalidInput, in_row
from lodestar.kit.fields import plain_values

_ID_BATCH = repository.ID_BATCH
# Called with each touch a person logs; returns the ids of the tasks the touch completed. Packages above
# engagement (SOP evidence) hook in here through the app that composes them: engagement never imports them.
TouchListener = Callable[[Session, Touch], Sequence[int]]
_touch_listeners: list[TouchListener] = []


def _validate(
    rows: Sequence[dict[str, Any]], schema: type[BaseModel]
) -> tuple[list[dict[str, Any]], list[FieldProblem]]:
    problems: list[FieldProblem] = []
    clean: list[dict[str, Any]] = []
    validate = schema.model_validate
    for index, row in enumerate(rows):
        try:
            clean.append(validate(row).model_dump())
        except ValidationError as exc:
            problems.extend(in_row(index + 1, exc))
    return clean, problems


def _missing(wanted: set[int], exists: Callable[[set[int]], set[int]]) -> list[int]:
    ordered = sorted(wanted)
    found: set[int] = set()
    for i in range(0, len(ordered), _ID_BATCH):
        found |= exists(set(ordered[i : i + _ID_BATCH]))
    return sorted(wanted - found)


def _check_refs(session: Session, clean: list[dict[str, Any]], problems: list[FieldProblem]) -> None:
    missing = _missing(
        {r["account_id"] for r in clean}, lambda ids: accounts_service.accounts_exist(session, ids)
    )
    if missing:
        problems.append(FieldProblem("account_id", f"unknown accounts: {missing[:10]}"))
    users = {r["user_id"] for r in clean if r.get("user_id") is not None}
    missing = _missing(users, lambda ids: auth_service.existing_user_ids(session, ids))
    if missing:
        problems.append(FieldProblem("user_id", f"unknown users: {missing[:10]}"))


def import_tickets(session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Validates every ticket, then inserts them all (all or nothing); returns ids in input order."""
    clean, problems = _validate(rows, TicketCreate)
    _check_refs(session, clean, problems)
    external = [r["external_id"] for r in clean if r["external_id"] is not None]
    repeated = sorted(k for k, n in Counter(external).items() if n > 1)
    if repeated:
        problems.append(FieldProblem("external_id", f"repeated in the input: {repeated[:10]}"))
    taken = repository.taken_ticket_ids(session, external)
    if taken:
        problems.append(FieldProblem("external_id", f"already imported: {sorted(taken)[:10]}"))
    if problems:
        raise InvalidInput(problems)
    return repository.insert_many(session, Ticket, clean)


def import_touches(session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Validates every touch, then inserts them all (all or nothing); returns ids in input order."""
    clean, problems = _validate(rows, TouchCreate)
    for row in clean:
        row["kind"] = row["kind"].value
    _check_refs(session, clean, problems)
    if problems:
        raise InvalidInput(problems)
    return repository.insert_many(session, Touch, clean)


def create_touch(session: Session, data: TouchCreate) -> Touch:
    """Stores one touch logged by a person (its account and user must exist)."""
    row = plain_values(data.model_dump())
    problems: list[FieldProblem] = []
    _check_refs(session, [row], problems)
    if problems:
        raise InvalidInput(problems)
    touch = Touch(**row)
    session.add(touch)
    session.flush()
    return touch


def after_touch_logged(listener: TouchListener) -> None:
    """Registers a function to run on every touch a person logs (once, however often it is registered)."""
    if listener not in _touch_listeners:
        _touch_listeners.append(listener)


def log_touch(session: Session, viewer: User, account_id: int, touch: TouchIn) -> TouchRead:
    """Logs a touch on an account by the viewer, then runs the listeners (which complete what it proves)."""
    auth_service.require_editor(viewer)
    accounts_service.get_account(session, viewer, account_id)
    data = TouchCreate(account_id=account_id, user_id=viewer.id, **touch.model_dump())
    stored = create_touch(session, data)
    auth_service.record(session, viewer, "touch.log", "touches", stored.id, {"kind": stored.kind})
    done = [task_id for listener in _touch_listeners for task_id in listener(session, stored)]
    return TouchRead.model_validate(stored).model_copy(update={"completed_task_ids": done})


def get_touch(session: Session, touch_id: int) -> Touch | None:
    """One touch by id."""
    return session.get(Touch, touch_id)


def import_survey_responses(session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Validates every survey answer, then inserts them all (all or nothing); returns ids in input order."""
    clean, problems = _validate(rows, SurveyResponseCreate)
    _check_refs(session, clean, problems)
    if problems:
        raise InvalidInput(problems)
    return repository.insert_many(session, SurveyResponse, clean)


def _validate_keyed(
    rows: Sequence[dict[str, Any]], schema: type[BaseModel], row_numbers: Sequence[int] | None
) -> tuple[list[dict[str, Any]], list[FieldProblem]]:
    problems: list[FieldProblem] = []
    clean: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        number = row_numbers[index] if row_numbers else index + 1
        fields = dict(row)
        external_id = fields.pop("external_id", None)
        try:
            valid = schema.model_validate(fields).model_dump(exclude_unset=True)
        except ValidationError as exc:
            problems.extend(in_row(number, exc))
            continue
        if not external_id:
            problems.append(FieldProblem(f"row {number}: external_id", "is required to match records"))
        clean.append({**plain_values(valid), "external_id": external_id})
    return clean, problems


def _upsert(
    session: Session,
    model: type[Any],
    schema: type[BaseModel],
    rows: Sequence[dict[str, Any]],
    row_numbers: Sequence[int] | None,
) -> UpsertCounts:
    clean, problems = _validate_keyed(rows, schema, row_numbers)
    _check_refs(session, clean, problems)
    if problems:
        raise InvalidInput(problems)
    return upsert_by_key(session, model, "external_id", clean)


def upsert_tickets(
    session: Session, rows: Sequence[dict[str, Any]], row_numbers: Sequence[int] | None = None
) -> UpsertCounts:
    """Validates every ticket, then creates or updates each by external_id (all or nothing)."""
    return _upsert(session, Ticket, TicketCreate, rows, row_numbers)


def upsert_touches(
    session: Session, rows: Sequence[dict[str, Any]], row_numbers: Sequence[int] | None = None
) -> UpsertCounts:
    """Validates every touch, then creates or updates each by external_id (all or nothing)."""
    return _upsert(session, Touch, TouchCreate, rows, row_numbers)


def upsert_survey_responses(
    session: Session, rows: Sequence[dict[str, Any]], row_numbers: Sequence[int] | None = None
) -> UpsertCounts:
    """Validates every NPS/CSAT answer, then creates or updates each by external_id (all or nothing)."""
    return _upsert(session, SurveyResponse, SurveyResponseCreate, rows, row_numbers)


def _rows(keys: tuple[str, ...], rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    return [dict(zip(keys, r, strict=True)) for r in rows]


def ticket_rows(session: Session, account_ids: Collection[int] | None = None) -> list[dict[str, Any]]:
    """Every ticket's (or these accounts') account, severity and open/response/resolve instants."""
    keys = ("account_id", "severity", "opened_at", "first_response_at", "resolved_at")
    return _rows(keys, repository.analytics_tickets(session, account_ids))


def touch_rows(session: Session, account_ids: Collection[int] | None = None) -> list[dict[str, Any]]:
    """Every touch's (or these accounts') account, kind and instant, for the metrics."""
    return _rows(("account_id", "kind", "occurred_at"), repository.analytics_touches(session, account_ids))


def survey_rows(session: Session, account_ids: Collection[int] | None = None) -> list[dict[str, Any]]:
    """Every survey answer's (or these accounts') account, id, kind, score and instant, for the metrics."""
    keys = ("account_id", "response_id", "kind", "score", "answered_at")
    return _rows(keys, repository.analytics_surveys(session, account_ids))


def ticket_counts(
    session: Session,
    start: datetime,
    split: datetime,
    stop: datetime,
    at_least: int = 1,
    account_ids: Collection[int] | None = None,
) -> list[tuple[int, int, int]]:
    """(account_id, tickets opened in [start, split), in [split, stop)) of every account (or these) with
    at least `at_least` tickets opened in [split, stop), counted in one grouped query."""
    return repository.ticket_counts(session, start, split, stop, at_least, account_ids)


def low_survey_answers(
    session: Session,
    kind: str,
    max_score: int,
    start: datetime,
    stop: datetime,
    account_ids: Collection[int] | None = None,
) -> list[tuple[int, int, datetime]]:
    """(account_id, score, answered_at) of every answer of a kind (nps, csat) scored at most max_score
    in [start, stop), of every account or these."""
    return repository.survey_answers(session, kind, max_score, start, stop, account_ids)


def account_touches(
    session: Session, account_id: int, *, kinds: Collection[str] | None = None, limit: int = 50
) -> list[Touch]:
    """An account's latest touches, newest first (the caller has checked the viewer may see it)."""
    return repository.touches_of(session, account_id, kinds, limit)


def touches_since(
    session: Session, account_ids: Collection[int], kinds: Collection[str], since: datetime
) -> list[Any]:
    """Touches of these kinds on these accounts since an instant, oldest first (light rows: id, account_id,
    user_id, kind, occurred_at, subject, step)."""
    return repository.touches_since(session, account_ids, kinds, since)


def touches_between(session: Session, start: datetime, stop: datetime) -> list[tuple[Any, ...]]:
    """(account_id, user_id, occurred_at) of every touch in [start, stop)."""
    return repository.touches_between(session, start, stop)


def last_touches(session: Session, account_ids: Collection[int]) -> dict[int, datetime]:
    """Each of these accounts' latest touch instant (absent: never touched), one grouped query per 5,000."""
    return repository.last_touch_at(session, account_ids)


def account_tickets(session: Session, account_id: int, limit: int = 20) -> tuple[list[Ticket], int]:
    """An account's latest tickets and its ticket count (the caller has checked the viewer may see it)."""
    return repository.tickets_of(session, account_id, limit)


def account_surveys(session: Session, account_id: int, limit: int = 20) -> list[SurveyResponse]:
    """An account's latest NPS/CSAT answers (the caller has checked the viewer may see it)."""
    return repository.surveys_of(session, account_id, limit)
