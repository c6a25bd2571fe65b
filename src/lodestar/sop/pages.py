"""The SOP pages in one router for the app: inbox and tasks, account panels, dashboard, playbook editor."""

from __future__ import annotations

from fastapi import APIRouter

from lodestar.sop.measurement import pages as measurement_pages
from lodestar.sop.playbooks import pages as playbooks_pages
from lodestar.sop.tasks import pages as tasks_pages
from lodestar.sop.tasks import panels as tasks_panels

router = APIRouter(include_in_schema=False)
router.include_router(tasks_panels.router)
router.include_router(measurement_pages.router)
router.include_router(playbooks_pages.router)
router.include_router(tasks_pages.router)
