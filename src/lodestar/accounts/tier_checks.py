"""What a tier may be and who may set it: the configured tier keys only, changed or pinned by managers and
admins (a CSM's own accounts are measured against their tier's SLAs, so a CSM cannot choose it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from lodestar.accounts import config_kind
from lodestar.accounts.models import Account
from lodestar.auth.models import Role, User
from lodestar.kit.errors import FieldProblem, InvalidInput, PermissionDenied
from lodestar.kit.text import N_, Text

TIER_SETTERS = (Role.ADMIN, Role.MANAGER)


def known_tiers(session: Session) -> list[str]:
    """The configured tier keys."""
    return [t.key for t in config_kind.current(session)[0].tiers]


def _not_a_tier(known: list[str]) -> str:
    return Text(N_("is not a configured tier; known: %(known)s"), known=", ".join(known))


def unknown_tiers(
    session: Session, rows: Sequence[dict[str, Any]], numbers: Sequence[int] | None = None
) -> list[FieldProblem]:
    """A problem for each row whose tier is not configured (`row N: tier`)."""
    known = known_tiers(session)
    return [
        FieldProblem(f"row {numbers[i] if numbers else i + 1}: tier", _not_a_tier(known))
        for i, row in enumerate(rows)
        if row.get("tier") is not None and row["tier"] not in known
    ]


def check_tier_change(
    session: Session, viewer: User, fields: dict[str, Any], account: Account | None
) -> None:
    """Refuses an unknown tier (422), and a tier set or pinned by anyone but a manager or admin (403)."""
    tier = fields.get("tier")
    if tier is not None and tier not in (known := known_tiers(session)):
        raise InvalidInput.one("tier", _not_a_tier(known))
    tier_moved = "tier" in fields and fields["tier"] != (account.tier if account else None)
    was_pinned = account.tier_pinned if account else False
    pin_moved = "tier_pinned" in fields and bool(fields["tier_pinned"]) != bool(was_pinned)
    if (tier_moved or pin_moved) and viewer.role not in TIER_SETTERS:
        raise PermissionDenied(Text(N_("only managers and admins may change or pin an account's tier")))
