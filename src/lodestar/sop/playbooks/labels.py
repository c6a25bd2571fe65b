"""Playbook and lifecycle stage names in the viewer's language, as every SOP page labels them."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from lodestar.lifecycle import config_kind as lifecycle_kind
from lodestar.sop.playbooks.schemas import SopConfig
from lodestar.web.templating import locale_of


def chinese(request: Request) -> bool:
    """Whether the page is shown in Chinese (and so the Chinese playbook texts where they exist)."""
    return locale_of(request) == "zh_CN"


def stage_labels(db: Session, request: Request) -> dict[str, str]:
    """Lifecycle stage keys and their labels in the viewer's language, in model order."""
    model, _ = lifecycle_kind.current(db)
    zh = chinese(request)
    return {s.key: (s.label_zh if zh and s.label_zh else s.label) for s in model.stages}


def playbook_labels(config: SopConfig, request: Request) -> dict[str, str]:
    """Playbook keys and their names in the viewer's language."""
    zh = chinese(request)
    return {p.key: (p.name_zh if zh and p.name_zh else p.name) for p in config.playbooks}
