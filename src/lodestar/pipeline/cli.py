"""`lodestar run`: the daily pipeline for one date, a backfill of many, or today."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Annotated

import typer

from lodestar.cli_support import JsonOpt, context, fail, parse_date, progress
from lodestar.kit.errors import LodestarError
from lodestar.kit.time import today_in
from lodestar.pipeline.daily import run_job
from lodestar.snapshots.schemas import SnapshotRunRead
from lodestar.snapshots.service import dates_between


def parse_every(value: str) -> int:
    """'7d' or '2w' as days, or exit naming the option."""
    match = re.fullmatch(r"\s*(\d+)\s*([dw]?)\s*", value)
    if not match or int(match.group(1)) < 1:
        fail(f"--every: {value!r} is not a period such as 7d or 2w")
    return int(match.group(1)) * (7 if match.group(2) == "w" else 1)


def plan_dates(as_of: str | None, start: str | None, end: str | None, every: str, today: date) -> list[date]:
    """The dates a `run` covers: --as-of, or --from/--to every period, or today."""
    if as_of and (start or end):
        fail("--as-of: give either --as-of or --from/--to, not both")
    if as_of:
        return [parse_date("as-of", as_of)]
    if start or end:
        if not (start and end):
            fail("--from and --to go together")
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
    engine, settings = context()
    try:
        days = plan_dates(as_of, start, end, every, today_in(settings.zone))
        with progress("snapshot", len(days), enabled=not as_json) as step:
            kind = "backfill" if len(days) > 1 else "run"
            record = run_job(engine, settings, days, kind=kind, wait_s=wait, progress=step)
    except LodestarError as exc:
        fail(exc.message, 1 if exc.status_code == 409 else 2)
    out = SnapshotRunRead.model_validate(record).model_dump(mode="json")
    span = f"{days[0]} .. {days[-1]} ({len(days)} dates)" if len(days) > 1 else str(days[0])
    seconds = (record.finished_at - record.started_at).total_seconds() if record.finished_at else 0.0
    text = (
        f"snapshot {span}: {record.accounts} accounts, {record.transitions} stage changes in {seconds:.1f} s"
    )
    if record.phases:
        text += "\nphases: " + ", ".join(f"{p['name']} {p['seconds']:.2f} s" for p in record.phases)
    typer.echo(json.dumps(out, indent=2) if as_json else text)
