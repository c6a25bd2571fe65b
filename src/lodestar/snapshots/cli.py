"""`lodestar backtest health` and `lodestar export snapshot`, and the demo's snapshot dates."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer

from lodestar.cli_support import JsonOpt, context, fail, parse_date, progress
from lodestar.kit.time import today_in

backtest_app = typer.Typer(help="Check how well health predicted churn.", no_args_is_help=True)
export_app = typer.Typer(help="Export computed data for BI tools and audits.", no_args_is_help=True)


@backtest_app.command("health")
def backtest_health(
    as_of: Annotated[list[str] | None, typer.Option("--as-of", help="A date T to test (repeatable).")] = None,
    horizon: Annotated[int, typer.Option(min=1, max=1095, help="Days after T in which churn counts.")] = 180,
    as_json: JsonOpt = False,
) -> None:
    """How well health at T ranked the accounts that churned within the horizon: AUC and worst-decile lift."""
    # Imported here (as in every command below) so that `lodestar --help` does not load the engines.
    from lodestar.db.engine import unit_of_work
    from lodestar.health.backtest import backtest_health as run_backtest
    from lodestar.health.schemas import BacktestRead
    from lodestar.kit.errors import LodestarError

    engine, settings = context()
    days = [parse_date("as-of", d) for d in as_of or []]
    try:
        with unit_of_work(engine) as session, progress("backtest", enabled=not as_json) as step:
            done = run_backtest(session, days or None, horizon, today_in(settings.zone), progress=step)
            rows = [BacktestRead.model_validate(r).model_dump(mode="json") for r in done]
    except LodestarError as exc:
        fail(exc.message)
    if as_json:
        typer.echo(json.dumps({"backtests": rows}, indent=2))
        return
    for r in rows:
        typer.echo(
            f"{r['as_of']} model v{r['model_version']}: {r['accounts']} accounts, {r['churned']} churned in "
            f"{r['horizon_days']} days; AUC {_num(r['auc'])} [{_num(r['auc_low'])}, {_num(r['auc_high'])}], "
            f"worst-decile lift {_num(r['lift'])} [{_num(r['lift_low'])}, {_num(r['lift_high'])}]"
        )


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


@export_app.command("snapshot")
def export_snapshot(
    as_of: Annotated[str, typer.Option("--as-of", help="The snapshot date, YYYY-MM-DD.")],
    out: Annotated[Path, typer.Option("--out", help="A .csv or .parquet file.")],
) -> None:
    """Writes one row per account with its CRM id, metrics, health score, grade, coverage, stage and tier."""
    from lodestar.analytics import snapshot_store
    from lodestar.db.engine import unit_of_work
    from lodestar.kit.errors import LodestarError
    from lodestar.snapshots import service

    engine, settings = context()
    day = parse_date("as-of", as_of)
    try:
        with unit_of_work(engine) as session:
            rows = service.export_snapshot(session, snapshot_store.root_of(settings), day, out)
    except LodestarError as exc:
        fail(exc.message)
    typer.echo(f"wrote {rows} accounts of the {day} snapshot to {out}")


def demo_dates(today: date, weeks: int = 26) -> list[date]:
    """The demo's backfill: every week of the last `weeks` weeks, and today."""
    return [today - timedelta(days=7 * w) for w in range(weeks, -1, -1)]
