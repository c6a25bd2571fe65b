"""The active playbooks: read from the versioned configuration store, and edited as YAML."""

from __future__ import annotations

import yaml
from sqlalchemy.orm import Session

from lodestar.config import service as config_service
from lodestar.config.schemas import ConfigVersionRead
from lodestar.kit.errors import InvalidInput
from lodestar.lifecycle import config_kind as lifecycle_kind
from lodestar.sop.playbooks import config_kind
from lodestar.sop.playbooks.schemas import SopConfig

KIND = config_kind.KIND.name


def current_config(session: Session) -> tuple[SopConfig, int]:
    """The active playbooks and their version (0 for the package defaults)."""
    return config_kind.current(session)


def contract_stage_order(session: Session) -> list[str]:
    """The active lifecycle's stages in contract order, without the status stages (at-risk, churned)."""
    model, _ = lifecycle_kind.current(session)
    return [s.key for s in model.stages if set(s.covers) - {"at_risk", "churned"}]


def sop_yaml(config: SopConfig) -> str:
    """The playbooks as the editor shows them (unset optional texts left out, as in the defaults)."""
    body = config.model_dump(mode="json", exclude_none=True)
    return yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100)


def parse_sop(session: Session, text: str) -> SopConfig:
    """Proposed playbooks from YAML, checked on their own and against the active stages and metrics."""
    data = config_service.load_yaml(text, KIND)
    if not isinstance(data, dict):
        raise InvalidInput.one(KIND, "must be a mapping with `assignment` and a list of `playbooks`")
    whole = config_service.document(session).model_dump(mode="json") | {KIND: data}
    parsed = config_service.parse_document(whole).sop
    assert parsed is not None  # the document was given one
    return parsed


def save_playbooks(session: Session, playbooks: SopConfig, author: str) -> int | None:
    """Stores the playbooks as a new version (new occurrences use it); None when nothing changed."""
    return config_service.save(session, KIND, playbooks.model_dump(mode="json"), author)


def versions(session: Session, limit: int = 10) -> list[ConfigVersionRead]:
    """The newest stored versions of the playbooks, newest first."""
    return config_service.history(session, KIND)[:limit]
