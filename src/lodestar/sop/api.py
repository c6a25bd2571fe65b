"""The SOP JSON routes in one router for the app to mount under /api/v1: tasks and playbooks."""

from __future__ import annotations

from fastapi import APIRouter

from lodestar.sop.playbooks import api as playbooks_api
from lodestar.sop.tasks import api as tasks_api

router = APIRouter()
router.include_router(tasks_api.router)
router.include_router(playbooks_api.router)
