"""On the demo company, `lodestar retention --json` gives the GRR and NRR computed here, independently,
from the demo's contract rows read with plain SQL (one dict per account and day, no arrays)."""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from lodestar.cli import app
from lodestar.demo import generate_demo
from tests.conftest import wipe

TODAY = date(2026, 1, 1)
QUARTERS = [date(2024, m, 1) for m in (1, 4, 7, 10)] + [date(2025, m, 1) for m in (1, 4, 7, 10)] + [TODAY]


@pytest.fixture(scope="module")
def demo(engine: Engine, db_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    wipe(engine)
    data_dir = tmp_path_factory.mktemp("demo")
    generate_demo(engine, data_dir, accounts=120, seed=5, today=TODAY)
    return {"LODESTAR_DATABASE_URL": db_url, "LODESTAR_DATA_DIR": str(data_dir)}


def _arr_by_account(engine: Engine) -> dict[date, dict[int, Decimal]]:
    """ARR per account on each quarter's first day: a contract counts from its start until its renewal
    starts (if another contract renews it), else until its churn date or its end; cancelled ones never."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, account_id, start_date, end_date, churned_on, arr, renews_contract_id "
                "FROM contracts WHERE status <> 'cancelled'"
            )
        ).all()
    as_date = lambda v: v if isinstance(v, date) or v is None else date.fromisoformat(str(v)[:10])  # noqa: E731
    renewal_start: dict[int, date] = {}
    for r in rows:
        if r.renews_contract_id is not None:
            start = as_date(r.start_date)
            renewal_start[r.renews_contract_id] = min(renewal_start.get(r.renews_contract_id, start), start)
    out: dict[date, dict[int, Decimal]] = {}
    for day in QUARTERS:
        arr: dict[int, Decimal] = defaultdict(Decimal)
        for r in rows:
            stop = as_date(r.end_date)
            if r.churned_on is not None:
                stop = min(stop, as_date(r.churned_on))
            elif r.id in renewal_start:
                stop = renewal_start[r.id]
            if as_date(r.start_date) <= day < stop:
                arr[r.account_id] += Decimal(str(r.arr))
        out[day] = dict(arr)
    return out


def _ratio(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def test_the_commands_grr_and_nrr_equal_an_independent_computation(
    engine: Engine, demo: dict[str, str]
) -> None:
    result = CliRunner().invoke(
        app,
        ["retention", "--period", "quarter", "--from", "2024-01-01", "--to", "2025-12-31", "--json"],
        env=demo,
    )
    assert result.exit_code == 0, result.output
    printed = {r["period"]: r["figures"] for r in json.loads(result.output)["totals"]}
    arr = _arr_by_account(engine)
    expected = {}
    for first, nxt in itertools.pairwise(QUARTERS):
        start = arr[first]
        end = {a: arr[nxt].get(a, Decimal(0)) for a in start}
        total = sum(start.values(), Decimal(0))
        lost = sum((start[a] - end[a] for a in start if end[a] < start[a]), Decimal(0))
        label = f"{first.year}-Q{(first.month - 1) // 3 + 1}"
        expected[label] = (_ratio((total - lost) / total), _ratio(sum(end.values(), Decimal(0)) / total))
    assert {k: (f["grr"], f["nrr"]) for k, f in printed.items()} == expected
    assert len(expected) == 8  # and the demo churns and expands: both formulas are exercised
    assert any(g < "1" for g, _ in expected.values()) and any(n > "1" for _, n in expected.values())


def test_bad_options_are_refused_naming_the_option(demo: dict[str, str]) -> None:
    runner = CliRunner()
    for args, named in (
        (["--by", "colour"], "--by"),
        (["--period", "week"], "--period"),
        (["--from", "2025-05-01", "--to", "2025-04-01"], "--from"),
    ):
        result = runner.invoke(app, ["retention", *args], env=demo)
        assert result.exit_code == 2 and f"error: {named}:" in result.output, (args, result.output)


def test_the_table_prints_every_quarter(demo: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["retention", "--from", "2025-01-01", "--to", "2025-12-31"], env=demo)
    assert result.exit_code == 0, result.output
    assert all(q in result.output for q in ("2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"))
