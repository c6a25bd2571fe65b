"""What accounts contributes to the account page: the profile, stakeholders, tier and change history."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lodestar.accounts import config_kind as tiers_kind
from lodestar.accounts import service as accounts_service
from lodestar.accounts.models import Account
from lodestar.auth import service as auth_service
from lodestar.auth.models import User


def profile_panel(session: Session, viewer: User, account: Account) -> dict[str, Any]:
    """The account, its owner, stakeholders, tier card and the last 20 changes with who made them."""
    history = auth_service.history(session, "account", account.id)[:20]
    people = {
        uid: auth_service.get_user(session, uid).name
        for uid in {e.actor_id for e in history} | {account.owner_id}
        if uid is not None
    }
    return {
        "account": account,
        "owner": people.get(account.owner_id) if account.owner_id else None,
        "contacts": accounts_service.list_contacts(session, viewer, account.id),
        "history": history,
        "people": people,
        "can_edit": auth_service.can_edit(viewer),
        "tier": tiers_kind.tier_named(session, account.tier),
    }
