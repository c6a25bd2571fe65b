"""Feature requests: record, link the accounts that asked, list with what stands behind each, change the
status (each account's CSM gets one task to tell the customer), merge duplicates, the untold report.

Requests are the company's: every reader sees them; the accounts linked and the figures are those of the
accounts the reader may see. The tracker's import is in `tracker_import.py`, its webhook's signature in
`webhook_signature.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.auth import service as auth_service
from lodestar.auth.models import Role, User
from lodestar.db.upsert import UpsertCounts
from lodestar.feature_requests import figures, repository, tracker_import, webhook_signature
from lodestar.feature_requests.models import FeatureRequest, RequestLink, StatusChange
from lodestar.feature_requests.schemas import (
    AccountRequest,
    ChangeRead,
    LinkCreate,
    LinkRead,
    MergeRequest,
    RequestCreate,
    RequestPage,
    RequestRead,
    Sort,
    StatusUpdate,
    WebhookChange,
)
from lodestar.kit.errors import InvalidInput, NotFound, PermissionDenied, problems_from_pydantic
from lodestar.kit.text import N_, Text
from lodestar.kit.time import utcnow
from lodestar.renewals import config_kind as renewals_kind
from lodestar.sop import service as sop_service

_REQUEST_FIELDS = ("id", "title", "description", "status", "public_note", "external_id", "merged_into_id",
                   "created_at")  # fmt: skip


def _scope(session: Session, viewer: User) -> frozenset[int] | None:
    return auth_service.scope_for(session, viewer).owner_ids


def require_product_role(user: User) -> None:
    """Refuses a status change or a merge by anyone but a manager or an admin (they speak for the product)."""
    if user.role not in (Role.ADMIN.value, Role.MANAGER.value):
        raise PermissionDenied("only managers and admins change a request's status or merge requests")


def _request(session: Session, request_id: int, field: str | None = None) -> FeatureRequest:
    """The request, NotFound (or a problem on `field`) when there is none."""
    found = repository.get(session, request_id)
    if found is None:
        if field is not None:
            raise InvalidInput.one(field, Text(N_("no feature request %(id)s"), id=request_id))
        raise NotFound(f"feature request {request_id} not found")
    return found


def _live(session: Session, request_id: int, field: str) -> FeatureRequest:
    found = _request(session, request_id, None if field == "id" else field)
    if found.merged_into_id is not None:
        message = Text(N_("was merged into request %(id)s"), id=found.merged_into_id)
        raise InvalidInput.one(field, message)
    return found


def list_requests(
    session: Session, viewer: User, today: date, *, sort: Sort = "arr", status: str | None = None,
    q: str | None = None, limit: int = 50, offset: int = 0,
) -> RequestPage:  # fmt: skip
    """The live requests with their figures among the viewer's accounts, sorted and paged in the database."""
    return figures.page(session, _scope(session, viewer), today, (sort, status, q, limit, offset))


def get_request(session: Session, viewer: User, request_id: int, today: date) -> RequestRead:
    """One request, with the accounts the viewer may see that asked for it and its status history."""
    request = _request(session, request_id)
    scope = _scope(session, viewer)
    rates = renewals_kind.exchange_rates(session)
    links = [
        LinkRead(
            account_id=link.account_id,
            account=name,
            tier=tier,
            owner_id=owner,
            contact_id=link.contact_id,
            contact=contact,
            asked_on=link.asked_on,
            arr=rates.convert(arr, currency, today),
        )
        for link, name, tier, owner, arr, currency, contact in repository.links_visible(
            session, request_id, scope
        )
    ]
    history = [ChangeRead.model_validate(c) for c in repository.changes_of(session, request_id)]
    fields = {name: getattr(request, name) for name in _REQUEST_FIELDS}
    figures_of = figures.of_request(session, scope, request.id, today)
    return RequestRead(
        **fields, figures=figures_of, currency=rates.company_currency, links=links, history=history
    )


def create_request(session: Session, viewer: User, data: RequestCreate) -> FeatureRequest:
    """Records a request (new); its tracker key must be free."""
    auth_service.require_editor(viewer)
    if data.external_id and repository.by_external_id(session, [data.external_id]):
        raise InvalidInput.one("external_id", Text(N_("%(key)s is already a request"), key=data.external_id))
    request = FeatureRequest(**data.model_dump())
    session.add(request)
    session.flush()
    auth_service.record(session, viewer, "feature_request.create", "feature_requests", request.id,
                        data.model_dump())  # fmt: skip
    return request


def link_account(
    session: Session, viewer: User, request_id: int, data: LinkCreate, today: date
) -> RequestLink:
    """Links an account the viewer may see (and its contact who asked) to a live request; linking it again
    keeps one link (the contact given replaces the one stored)."""
    auth_service.require_editor(viewer)
    accounts_service.get_account(session, viewer, data.account_id)
    request = _live(session, request_id, "id")
    if data.contact_id is not None:
        contact = accounts_service.get_contact(session, viewer, data.contact_id)
        if contact.account_id != data.account_id:
            raise InvalidInput.one("contact_id", Text(N_("is not a contact of this account")))
    link = repository.link_of(session, request_id, data.account_id)
    if link is None:
        link = RequestLink(request_id=request_id, account_id=data.account_id, asked_on=data.asked_on or today)
        session.add(link)
    link.contact_id = data.contact_id if data.contact_id is not None else link.contact_id
    request.updated_at = utcnow()
    session.flush()
    auth_service.record(session, viewer, "feature_request.link", "feature_requests", request_id,
                        data.model_dump(mode="json"))  # fmt: skip
    return link


def unlink_account(session: Session, viewer: User, request_id: int, account_id: int) -> None:
    """Removes an account the viewer may see from a request."""
    auth_service.require_editor(viewer)
    accounts_service.get_account(session, viewer, account_id)
    request = _request(session, request_id)
    link = repository.link_of(session, request_id, account_id)
    if link is None:
        raise NotFound(f"account {account_id} is not linked to feature request {request_id}")
    session.delete(link)
    request.updated_at = utcnow()
    session.flush()
    auth_service.record(session, viewer, "feature_request.unlink", "feature_requests", request_id,
                        {"account_id": account_id})  # fmt: skip


def change_status(
    session: Session,
    actor: User | None,
    request_id: int,
    data: StatusUpdate,
    today: date,
    source: str = "person",
) -> StatusChange | None:
    """Sets the status and its public note. A new status is a change kept in the history, and each linked
    account's CSM gets one task to tell the customer; the same status again (a webhook retried) changes at
    most the note and starts nothing. The change, or None when the status stayed."""
    if actor is not None:
        require_product_role(actor)
    request = _live(session, request_id, "id")
    before = {"status": request.status, "public_note": request.public_note}
    if request.status == data.status and request.public_note == data.public_note:
        return None
    request.public_note, request.updated_at = data.public_note, utcnow()
    change = None
    if request.status != data.status:
        change = StatusChange(request_id=request_id, from_status=request.status, to_status=data.status,
                              public_note=data.public_note, changed_on=today, source=source,
                              actor_id=actor.id if actor else None)  # fmt: skip
        request.status = data.status
        session.add(change)
        session.flush()
        starts = [
            sop_service.RequestStart(change.id, a, today)
            for a in repository.linked_accounts(session, request_id)
        ]
        sop_service.start_request_playbooks(session, starts)
    session.flush()
    auth_service.record(session, actor, "feature_request.status", "feature_requests", request_id,
                        {"before": before, "after": data.model_dump(), "source": source})  # fmt: skip
    return change


def merge(session: Session, viewer: User, request_id: int, data: MergeRequest) -> FeatureRequest:
    """Merges a duplicate into the survivor: its accounts move there (one link per account), it points to
    the survivor, and so do the requests merged into it before. The survivor."""
    require_product_role(viewer)
    duplicate = _live(session, request_id, "id")
    if data.into_id == request_id:
        raise InvalidInput.one("into_id", Text(N_("a request cannot be merged into itself")))
    survivor = _live(session, data.into_id, "into_id")
    moved = repository.move_links(session, request_id, survivor.id)
    repository.repoint_merged(session, request_id, survivor.id)
    duplicate.merged_into_id = survivor.id
    duplicate.updated_at = survivor.updated_at = utcnow()
    session.flush()
    auth_service.record(session, viewer, "feature_request.merge", "feature_requests", request_id,
                        {"into_id": survivor.id, "links_moved": moved})  # fmt: skip
    return survivor


def account_requests(session: Session, viewer: User, account_id: int) -> list[AccountRequest]:
    """The live requests an account the viewer may see asked for."""
    accounts_service.get_account(session, viewer, account_id)
    return [
        AccountRequest(id=r.id, title=r.title, status=r.status, public_note=r.public_note, asked_on=day)
        for r, day in repository.of_account(session, account_id)
    ]


def account_changes(session: Session, account_id: int) -> list[tuple[StatusChange, str]]:
    """The status changes of the requests an account asked for, with their titles (for its activity feed;
    the caller has checked the account is visible)."""
    return repository.changes_of_account(session, account_id)


def untold(session: Session, viewer: User) -> list[dict[str, Any]]:
    """Status changes the viewer's accounts were never told of: the change's task for the account is not
    done (open, skipped or expired), oldest change first."""
    changes = {
        cid: (rid, status, day, title) for cid, rid, status, day, title in repository.all_changes(session)
    }
    refs = {sop_service.request_ref(cid): cid for cid in changes}
    states = [s for s in sop_service.task_states(session, list(refs)) if s[2] != "done"]
    names = repository.account_names(session, {a for _, a, _, _ in states})
    scope = auth_service.scope_for(session, viewer)
    rows = []
    for ref, account_id, status, assignee in states:
        name, owner = names.get(account_id, ("", None))
        if not scope.allows_owner(owner):
            continue
        rid, to_status, day, title = changes[refs[ref]]
        rows.append(
            {"request_id": rid, "title": title, "to_status": to_status, "changed_on": day,
             "account_id": account_id, "account": name, "task_status": status, "assignee_id": assignee}
        )  # fmt: skip
    return sorted(rows, key=lambda r: (r["changed_on"], r["request_id"], r["account"]))


def upsert_requests(
    session: Session, rows: Sequence[dict[str, Any]], numbers: Sequence[int], today: date
) -> UpsertCounts:
    """A tracker export's rows (one per request and account) as requests, links and status changes; all or
    nothing, every bad row named."""
    return tracker_import.upsert_requests(session, rows, numbers, today, change_status)


def apply_webhook(session: Session, body: bytes, headers: dict[str, str | None], now: float, today: date,
                  secret: str | None) -> StatusChange | None:  # fmt: skip
    """A tracker's signed status change: the signature checked first, then the request found by its tracker
    key (or id) and its status set as a person's change would be (once per new status)."""
    webhook_signature.verify(secret, headers.get("timestamp"), headers.get("signature"), body, now)
    try:
        data = WebhookChange.model_validate_json(body)
    except ValidationError as exc:
        raise problems_from_pydantic(exc.errors()) from None  # type: ignore[arg-type]
    if data.external_id is not None:
        found = repository.by_external_id(session, [data.external_id]).get(data.external_id)
        if found is None:
            raise InvalidInput.one(
                "external_id", Text(N_("no request with tracker key %(key)s"), key=data.external_id)
            )
        request_id = found.id
    elif data.id is not None:
        request_id = _request(session, data.id, "id").id
    else:
        raise InvalidInput.one("external_id", Text(N_("give the request's tracker key or its id")))
    update = StatusUpdate(status=data.status, public_note=data.public_note)
    return change_status(session, None, request_id, update, today, "webhook")
