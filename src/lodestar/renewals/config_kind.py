"""The configuration kind `renewals`: currency and exchange rates, the churn-reason taxonomy, the survey."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from lodestar.config import service as config_service
from lodestar.config.kinds import ConfigKind, register
from lodestar.renewals.currency import ExchangeRates
from lodestar.renewals.schemas import RenewalSettings

DEFAULTS = Path(__file__).parent / "defaults"

# Documents exported before renewals existed have no `renewals`; applying one leaves the settings as they are.
KIND = register(ConfigKind("renewals", RenewalSettings, DEFAULTS / "renewals.yaml", order=70, optional=True))


def current(session: Session) -> tuple[RenewalSettings, int]:
    """The active renewal settings and their version (0 for the package defaults)."""
    return config_service.current(session, KIND.name, RenewalSettings)


def exchange_rates(session: Session) -> ExchangeRates:
    """The active exchange rates, ready to convert amounts into the company currency."""
    return ExchangeRates(current(session)[0])


def reason_labels(session: Session, chinese: bool) -> list[tuple[str, str]]:
    """(key, label) of every churn reason in taxonomy order, in the reader's language."""
    settings, _ = current(session)
    return [(r.key, r.name_zh if chinese else r.name) for r in settings.reasons]


def reason_keys(session: Session) -> list[str]:
    """The keys of the configured churn-reason taxonomy, in order: the one list every reason is checked
    against (imports of contracts and churn events, closing a renewal, the churn survey)."""
    return [r.key for r in current(session)[0].reasons]
