"""The sales lead pool: the accounts whose win-back window ended without a win, as rows for the page and
the export, and one signed webhook message per new lead through the notification outbox."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.auth import service as auth_service
from lodestar.kit.money import format_money
from lodestar.kit.text import N_, Text
from lodestar.kit.time import utcnow
from lodestar.notifications import service as notifications_service
from lodestar.notifications.schemas import Notice
from lodestar.renewals import config_kind as renewals_kind
from lodestar.renewals.winback import repository
from lodestar.renewals.winback.models import WinBack
from lodestar.renewals.winback.schemas import Lead, LeadContact
from lodestar.settings import Settings

ROLE_ORDER = ("decision_maker", "champion", "system_owner", "user")
KEY_CONTACTS = 3  # shown per lead: the decision maker first
NO_REASON = N_("not recorded")


def key_contacts(contacts: Sequence[Any]) -> list[LeadContact]:
    """The contacts still at the account (decision maker, champion, system owner, then users), up to three."""
    present = [c for c in contacts if c.active and c.left_on is None]
    present.sort(key=lambda c: (ROLE_ORDER.index(c.role) if c.role in ROLE_ORDER else len(ROLE_ORDER), c.id))
    return [LeadContact(c.name, c.role, c.title, c.email, c.phone) for c in present[:KEY_CONTACTS]]


def leads_of(session: Session, records: Sequence[WinBack]) -> list[Lead]:
    """The win-backs as leads, with their account's name, owner, last health and key contacts."""
    ids = {r.account_id for r in records}
    accounts = {a.id: a for a in accounts_service.accounts_by_ids(session, ids)}
    names = {u.id: u.name for u in auth_service.list_users(session)}
    contacts: dict[int, list[Any]] = {}
    for contact in accounts_service.contacts_of_accounts(session, ids):
        contacts.setdefault(contact.account_id, []).append(contact)
    out = []
    for r in records:
        account = accounts[r.account_id]
        out.append(
            Lead(
                win_back_id=r.id, account_id=r.account_id, account=account.name, crm_id=account.crm_id,
                owner=names.get(account.owner_id) if account.owner_id else None,
                churn_reason=r.churn_reason, churned_on=r.churned_on,
                lead_since=r.lead_since or r.window_ends_on, arr=r.arr, currency=r.currency,
                health_score=account.health_score, health_grade=account.health_grade,
                contacts=key_contacts(contacts.get(r.account_id, [])),
            )
        )  # fmt: skip
    return out


def lead_pool(
    session: Session, owner_ids: frozenset[int] | None, limit: int | None, offset: int = 0
) -> tuple[list[Lead], int]:
    """One page of the lead pool over the accounts these owners own (None: all), and its size."""
    scope: Select[Any] | None = None if owner_ids is None else accounts_service.ids_owned_by(owner_ids)
    records, total = repository.page_of(session, repository.lead_pool(scope), limit, offset)
    return leads_of(session, records), total


def _lead_data(lead: Lead) -> dict[str, Any]:
    """The lead as data a CRM reads."""
    return {
        "lead_id": lead.win_back_id,
        "account_id": lead.account_id,
        "account": lead.account,
        "crm_id": lead.crm_id,
        "churn_reason": lead.churn_reason,
        "churned_on": lead.churned_on.isoformat(),
        "lead_since": lead.lead_since.isoformat(),
        "last_arr": str(lead.arr),
        "currency": lead.currency,
        "last_health_score": lead.health_score,
        "last_health_grade": lead.health_grade,
        "owner": lead.owner,
        "contacts": [c.__dict__ for c in lead.contacts],
    }


def _notice(lead: Lead, channels: list[str], reason: Text | str) -> Notice:
    lines = [
        Text("Churn reason: %(reason)s", reason=reason),
        Text("Last ARR: %(arr)s", arr=format_money(lead.arr, lead.currency)),
        Text("In the lead pool since %(day)s", day=lead.lead_since.isoformat()),
    ]
    return Notice(
        key=f"lead:{lead.win_back_id}",
        severity="info",
        title=Text("New sales lead: %(account)s", account=lead.account),
        lines=lines,
        link=f"/accounts/{lead.account_id}",
        channel_keys=channels,
        data=_lead_data(lead),
    )


def notify_new_leads(session: Session, settings: Settings) -> int:
    """Writes one webhook message per lead not yet told to the lead-pool channels of the renewals
    configuration (none configured: nothing is written, and the leads wait for a channel); messages."""
    config, _ = renewals_kind.current(session)
    channels = config.lead_pool.webhook_channels
    if not channels:
        return 0
    records = repository.leads_to_notify(session)
    if not records:
        return 0
    notices = [
        _notice(
            lead, channels, config.reason_label(lead.churn_reason, False) if lead.churn_reason else NO_REASON
        )
        for lead in leads_of(session, records)
    ]
    written = notifications_service.notify(session, notices, settings)
    now = utcnow()
    repository.update_win_backs(session, [{"id": r.id, "lead_notified_at": now} for r in records])
    return written
