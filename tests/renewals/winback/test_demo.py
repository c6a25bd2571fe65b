"""On the demo company: every account whose last contract ended without renewal has its win-back from the
day after, and is in the lead pool from the day after the window, as an independent reading of the
contracts says."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from lodestar.demo import generate_demo
from lodestar.renewals.winback import service
from lodestar.renewals.winback.models import WinBack
from lodestar.settings import load_settings
from tests.conftest import wipe

TODAY = date(2026, 1, 1)
WINDOW = 90


@pytest.fixture(scope="module")
def demo(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """A 150-account demo, generated once per backend, with the win-back step run on its present day."""
    wipe(engine)
    generate_demo(engine, tmp_path_factory.mktemp("demo"), accounts=150, seed=3, today=TODAY)
    with Session(engine) as db:
        service.after_snapshot(db, TODAY, load_settings(database_url=str(engine.url)))
        db.commit()
    return engine


def _expected(engine: Engine) -> set[tuple[int, int, date, date, str, date | None]]:
    """From the raw contract rows: per account, the contract that ends last among those begun by today; if
    it ended before today unrenewed, a win-back from its end, a lead from the day after end + window."""
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, account_id, start_date, end_date, churned_on, status FROM contracts")
        ).all()
    last: dict[int, tuple[date, int, str]] = {}
    for cid, account, start, end, churned_on, status in rows:
        start, end = date.fromisoformat(str(start)), date.fromisoformat(str(end))
        if churned_on is not None:
            end = min(end, date.fromisoformat(str(churned_on)))
        if start <= TODAY and (account not in last or (end, -cid) > (last[account][0], -last[account][1])):
            last[account] = (end, cid, status)
    out = set()
    for account, (end, cid, status) in last.items():
        if end < TODAY and status != "renewed":
            lead = end + timedelta(days=WINDOW + 1)
            gone = lead <= TODAY
            out.add(
                (
                    account,
                    cid,
                    end,
                    end + timedelta(days=WINDOW),
                    "lost" if gone else "open",
                    lead if gone else None,
                )
            )
    return out


def test_churned_demo_accounts_enter_win_back_and_the_lead_pool_on_time(demo: Engine) -> None:
    expected = _expected(demo)
    with Session(demo) as db:
        stored = {
            (w.account_id, w.contract_id, w.churned_on, w.window_ends_on, w.outcome, w.lead_since)
            for w in db.scalars(select(WinBack))
        }
    assert stored == expected
    outcomes = {row[4] for row in expected}
    assert len(expected) >= 10 and outcomes == {"open", "lost"}  # the demo has both, so both are checked
