"""JSON routes for playbooks: the active playbooks and their version."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from lodestar.auth.deps import ApiUser
from lodestar.sop.playbooks import service
from lodestar.sop.playbooks.schemas import Playbook
from lodestar.web.deps import Db

router = APIRouter(tags=["sop"])


class PlaybookList(BaseModel):
    """The active playbooks and the configuration version they come from."""

    version: int
    playbooks: list[Playbook]


@router.get("/playbooks", response_model=PlaybookList, summary="List playbooks")
def list_playbooks(caller: ApiUser, db: Db) -> PlaybookList:
    """The active playbooks (triggers, goals, steps and evidence rules) and their configuration version."""
    del caller  # any signed-in user may read the playbooks
    config, version = service.current_config(db)
    return PlaybookList(version=version, playbooks=config.playbooks)
