"""The configuration kind `tiers`: tier rules and service levels, registered with the configuration store."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from lodestar.accounts.tiers import Tier, TierRules
from lodestar.config import service as config_service
from lodestar.config.kinds import ConfigKind, register

DEFAULTS = Path(__file__).parent / "defaults"
KIND = register(ConfigKind("tiers", TierRules, DEFAULTS / "tiers.yaml", order=30))


def current(session: Session) -> tuple[TierRules, int]:
    """The active tier rules and their version."""
    return config_service.current(session, KIND.name, TierRules)


def tier_named(session: Session, key: str | None) -> Tier | None:
    """A tier's touch model, SLAs and cadence from the active tier rules."""
    rules, _ = current(session)
    return rules.tier(key) if key else None
