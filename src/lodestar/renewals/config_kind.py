"""The configuration kind `renewals`: currency and exchange rates, the churn-reason taxonomy, the survey."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from lodestar.config import service as config_service
from lodestar.config.kinds import ConfigDocument, ConfigKind, register
from lodestar.kit.errors import FieldProblem
from lodestar.kit.text import Text
from lodestar.renewals.currency import ExchangeRates
from lodestar.renewals.schemas import RenewalSettings

DEFAULTS = Path(__file__).parent / "defaults"


def reason_problems(doc: ConfigDocument) -> list[FieldProblem]:
    """A win-back playbook (sop, trigger churn_reason) must name a reason of the taxonomy: one list of
    reasons, kept here, for playbooks, imports, renewals and the survey alike."""
    if doc.sop is None or doc.renewals is None:
        return []
    keys = [r.key for r in doc.renewals.reasons]
    return [
        FieldProblem(
            f"sop.playbooks[{i}].trigger.reason",
            Text("unknown churn reason %(key)s; known: %(keys)s", key=p.trigger.reason, keys=", ".join(keys)),
        )
        for i, p in enumerate(doc.sop.playbooks)
        if p.trigger.kind == "churn_reason" and p.trigger.reason not in keys
    ]


# Documents exported before renewals existed have no `renewals`; applying one leaves the settings as they are.
KIND = register(
    ConfigKind(
        "renewals",
        RenewalSettings,
        DEFAULTS / "renewals.yaml",
        order=70,
        check=reason_problems,
        optional=True,
    )
)


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
