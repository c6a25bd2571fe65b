"""`lodestar run`, `lodestar backtest health` and `lodestar export snapshot`."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

backtest_app = typer.Typer(help="Check how well health predicted churn.", no_args_is_help=True)
export_app = typer.Typer(help="Export computed data for BI tools and audits.", no_args_is_help=True)

DateOpt = Annotated[str | None, typer.Option(help="A date, YYYY-MM-DD.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def parse_date(name: str, value: str) -> date:
    """A YYYY-MM-DD option value, or exit naming the option."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"--{name}: {value!r} is not a date (YYYY-MM-DD)")
        raise


def parse_every(value: str) -> int:
    """'7d' or '2w' as days, or exit naming the option."""
    match = re.fullmatch(r"\s*(\d+)\s*([dw]?)\s*", value)
    if not match or int(match.group(1)) < 1:
        _fail(f"--every: {value!r} is not a period such as 7d or 2w")
        raise AssertionError
    return int(match.group(1)) * (7 if match.group(2) == "w" else 1)


def _context() -> tuple[Any, Any]:
    from lodestar.cli import _migrated_engine, _settings

    settings = _settings()
    return _migrated_engine(settings), settings


def plan_dates(as_of: str | None, start: str | None, end: str | None, every: str, today: date) -> list[date]:
    """The dates a `run` covers: --as-of, or --from/--to every period, or today."""
    from lodestar.snapshots.service import dates_between

    if as_of and (start or end):
        _fail("--as-of: give either --as-of or --from/--to, not both")
    if as_of:
        return [parse_date("as-of", as_of)]
    if start or end:
        if not (start and end):
            _fail("--from and --to go together")
        assert start and end
        return dates_between(parse_date("from", start), parse_date("to", end), parse_every(every))
    return [today]


def run(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The snapshot date, YYYY-MM-DD (default: today).")
    ] = None,
    start: Annotated[str | None, typer.Option("--from", help="Backfill from this date.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Backfill up to this date.")] = None,
    every: Annotated[str, typer.Option(help="Backfill period, e.g. 7d or 1w.")] = "7d",
    wait: Annotated[float, typer.Option(min=0, help="Seconds to wait if another run holds the lock.")] = 0.0,
    as_json: JsonOpt = False,
) -> None:
    """Computes the snapshot (metrics, health, stage, tier) of every account; twice changes nothing."""
    from lodestar.kit.errors import LodestarError
    from lodestar.snapshots.schemas import SnapshotRunRead
    from lodestar.snapshots.tasks import run_job, today

    engine, settings = _context()
    try:
        days = plan_dates(as_of, start, end, every, today(settings))
        record = run_job(engine, settings, days, kind="backfill" if len(days) > 1 else "run", wait_s=wait)
    except LodestarError as exc:
        _fail(exc.message, 1 if exc.status_code == 409 else 2)
        return
    out = SnapshotRunRead.model_validate(record).model_dump(mode="json")
    span = f"{days[0]} .. {days[-1]} ({len(days)} dates)" if len(days) > 1 else str(days[0])
    seconds = (record.finished_at - record.started_at).total_seconds() if record.finished_at else 0.0
    text = (
        f"snapshot {span}: {record.accounts} accounts, {record.transitions} stage changes in {seconds:.1f} s"
    )
    typer.echo(json.dumps(out, indent=2) if as_json else text)


@backtest_app.command("health")
def backtest_health(
    as_of: Annotated[list[str] | None, typer.Option("--as-of", help="A date T to test (repeatable).")] = None,
    horizon: Annotated[int, typer.Option(min=1, max=1095, help="Days after T in which churn counts.")] = 180,
    as_json: JsonOpt = False,
) -> None:
    """How well health at T ranked the accounts that churned within the horizon: AUC and worst-decile lift."""
    from lodestar.db.engine import unit_of_work
    from lodestar.kit.errors import LodestarError
    from lodestar.snapshots import service
    from lodestar.snapshots.schemas import BacktestRead
    from lodestar.snapshots.tasks import today

    engine, settings = _context()
    days = [parse_date("as-of", d) for d in as_of or []]
    try:
        with unit_of_work(engine) as session:
            rows = [
                BacktestRead.model_validate(r).model_dump(mode="json")
                for r in service.backtest_health(session, days or None, horizon, today(settings))
            ]
    except LodestarError as exc:
        _fail(exc.message)
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
    """Writes one row per account with its metrics, health score, grade, coverage, stage and tier."""
    from lodestar.kit.errors import LodestarError
    from lodestar.snapshots import service
    from lodestar.snapshots.tasks import snapshot_root

    _, settings = _context()
    day = parse_date("as-of", as_of)
    try:
        rows = service.export_snapshot(snapshot_root(settings), day, out)
    except LodestarError as exc:
        _fail(exc.message)
    typer.echo(f"wrote {rows} accounts of the {day} snapshot to {out}")


def demo_dates(today: date, weeks: int = 26) -> list[date]:
    """The demo's backfill: every week of the last `weeks` weeks, and today."""
    return [today - timedelta(days=7 * w) for w in range(weeks, -1, -1)]
