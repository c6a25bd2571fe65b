"""The SOP report: attainment per playbook, step and CSM, and effectiveness per step, playbook and CSM."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy.orm import Session

from lodestar.auth.models import User
from lodestar.sop.measurement.compliance import AttainmentRow, attainment
from lodestar.sop.measurement.effectiveness import EffectivenessReport, effectiveness
from lodestar.sop.playbooks.schemas import SopConfig


class SopReport(BaseModel):
    """Compliance (检核) and effectiveness (品检) as of one date."""

    as_of: date
    attainment_by_playbook: list[AttainmentRow]
    attainment_by_step: list[AttainmentRow]
    attainment_by_csm: list[AttainmentRow]
    effectiveness: EffectivenessReport


def sop_report(
    session: Session,
    snapshot_root: Path,
    *,
    as_of: date,
    viewer: User | None = None,
    resamples: int = 1000,
    seed: int = 0,
    config: SopConfig | None = None,
) -> SopReport:
    """Builds the whole report for one as-of date (all history of tasks due by then)."""
    return SopReport(
        as_of=as_of,
        attainment_by_playbook=attainment(session, by="playbook", as_of=as_of, viewer=viewer),
        attainment_by_step=attainment(session, by="step", as_of=as_of, viewer=viewer),
        attainment_by_csm=attainment(session, by="csm", as_of=as_of, viewer=viewer),
        effectiveness=effectiveness(
            session, snapshot_root, as_of=as_of, viewer=viewer, resamples=resamples, seed=seed, config=config
        ),
    )
