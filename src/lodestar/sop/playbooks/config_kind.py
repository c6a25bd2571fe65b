"""The configuration kind `sop`: playbooks, checked against the lifecycle's stages and the known metrics."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from lodestar.analytics.metric_columns import known_metrics
from lodestar.config import service as config_service
from lodestar.config.kinds import ConfigDocument, ConfigKind, register
from lodestar.kit.errors import FieldProblem
from lodestar.sop.playbooks.schemas import SopConfig
from lodestar.sop.playbooks.validation import sop_problems

DEFAULTS = Path(__file__).parent / "defaults"


def playbook_problems(doc: ConfigDocument) -> list[FieldProblem]:
    """Stages, metrics and step references of the playbooks that the other kinds do not know."""
    if doc.sop is None:
        return []
    return sop_problems(doc.sop, [s.key for s in doc.lifecycle.stages], known_metrics(doc))


# Documents exported before playbooks existed have no `sop`; applying one leaves playbooks as they are.
KIND = register(
    ConfigKind("sop", SopConfig, DEFAULTS / "sop.yaml", order=50, check=playbook_problems, optional=True)
)


def current(session: Session) -> tuple[SopConfig, int]:
    """The active playbooks and their version (0 for the package defaults)."""
    return config_service.current(session, KIND.name, SopConfig)
