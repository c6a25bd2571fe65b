"""On the demo company, after one daily run: a renewal exists for exactly the contracts that reached their
renewal window (or that another contract already renews), and the outcomes agree with the contracts' status —
checked by a query written here, not through the renewals code."""

from __future__ import annotations

import math
from datetime import date, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from lodestar.demo import generate_demo
from lodestar.pipeline.daily import run_job
from lodestar.settings import load_settings
from tests.conftest import wipe

TODAY = date(2026, 1, 1)  # the demo's DEFAULT_TODAY
RENEWED = {"renewed_flat", "expanded", "contracted", "early_renewed"}


def test_every_demo_contract_that_reached_its_window_has_exactly_one_renewal(
    engine, db_url, tmp_path
) -> None:
    wipe(engine)
    data_dir = tmp_path / "demo"
    generate_demo(engine, data_dir, accounts=150, seed=7, today=TODAY)
    run_job(engine, load_settings(data_dir=data_dir, database_url=db_url), [TODAY], kind="run")
    with Session(engine) as s:
        contracts = s.execute(
            text(
                "SELECT c.id, c.start_date, c.end_date, c.status, "
                "EXISTS (SELECT 1 FROM contracts f WHERE f.renews_contract_id = c.id) AS followed "
                "FROM contracts c WHERE c.status <> 'cancelled'"
            )
        ).all()
        renewals = s.execute(text("SELECT contract_id, outcome FROM renewals")).all()
    # The default lifecycle model opens the window for the last third of the term, rounded up to whole days.
    due = {
        cid
        for cid, start, end, _, followed in contracts
        if _day(end) - timedelta(days=math.ceil((_day(end) - _day(start)).days / 3)) <= TODAY or followed
    }
    opened = [cid for cid, _ in renewals]
    assert len(opened) == len(set(opened))  # one per contract
    assert set(opened) == due and len(due) > 100
    status = {cid: (st, followed, _day(end)) for cid, _, end, st, followed in contracts}
    outcomes = dict(renewals)
    for cid, outcome in outcomes.items():
        st, followed, end = status[cid]
        if followed:
            assert outcome in RENEWED, (cid, st, outcome)
        elif st == "expired" or end < TODAY:
            assert outcome == "churned", (cid, st, outcome)
        else:
            assert outcome is None, (cid, st, outcome)
    assert {o for o in outcomes.values()} >= {"churned", None} and RENEWED & set(outcomes.values())


def _day(value: object) -> date:
    """A date column as a date (SQLite answers ISO text to a raw query)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))
