"""The configuration kind `intent`: what the purchase-intent stars predict and how far ahead."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from lodestar.config import service as config_service
from lodestar.config.kinds import ConfigKind, register
from lodestar.intent.schemas import IntentSettings

DEFAULTS = Path(__file__).parent / "defaults"

# Documents exported before the stars existed have no `intent`; applying one leaves it as it is.
KIND = register(ConfigKind("intent", IntentSettings, DEFAULTS / "intent.yaml", order=100, optional=True))


def current(session: Session) -> tuple[IntentSettings, int]:
    """The active intent configuration and its version (0 for the package defaults)."""
    return config_service.current(session, KIND.name, IntentSettings)
