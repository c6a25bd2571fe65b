"""`lodestar backtest alerts`: which rules would have warned before churn, and at what noise."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated, Any

import typer

from lodestar.cli_support import JsonOpt, context, fail, parse_date, progress


def backtest_alerts(
    start: Annotated[str | None, typer.Option("--from", help="First snapshot date, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last snapshot date, YYYY-MM-DD.")] = None,
    horizon: Annotated[
        int, typer.Option(min=1, max=1095, help="Days after a date in which churn counts.")
    ] = 180,
    as_json: JsonOpt = False,
) -> None:
    """Per alert rule over the history: recall, precision, median lead time and alerts per CSM per week."""
    # Imported here so that `lodestar --help` does not load the engines.
    from lodestar.alerts import config_kind
    from lodestar.alerts.backtest import backtest_rules
    from lodestar.analytics import snapshot_store
    from lodestar.db.engine import unit_of_work
    from lodestar.kit.errors import LodestarError
    from lodestar.kit.time import today_in

    engine, settings = context()
    first = parse_date("from", start) if start else None
    last = parse_date("to", end) if end else None
    try:
        with unit_of_work(engine) as session, progress("backtest", enabled=not as_json) as step:
            rules, _ = config_kind.current(session)
            root = snapshot_store.root_of(settings)
            found = backtest_rules(session, root, rules, first, last, horizon, today_in(settings.zone), step)
    except LodestarError as exc:
        fail(exc.message)
    rows = [asdict(f) for f in found]
    if as_json:
        typer.echo(json.dumps({"horizon_days": horizon, "rules": rows}, indent=2))
        return
    for r in rows:
        typer.echo(_line(r))


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _num(value: float | None, digits: int = 0) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _line(r: dict[str, Any]) -> str:
    """One rule's figures on one line."""
    name = "any warning rule" if r["rule_key"] == "*" else r["rule_key"]
    return (
        f"{name}: {r['alerts']} alerts on {r['accounts_warned']} accounts over {r['dates']} dates; "
        f"recall {_pct(r['recall'])} [{_pct(r['recall_low'])}, {_pct(r['recall_high'])}] "
        f"of {r['churned']} churned; precision {_pct(r['precision'])} "
        f"[{_pct(r['precision_low'])}, {_pct(r['precision_high'])}] (base rate {_pct(r['base_rate'])}); "
        f"median lead {_num(r['median_lead_days'])} days [{_num(r['lead_low'])}, {_num(r['lead_high'])}]; "
        f"{_num(r['alerts_per_csm_week'], 2)} alerts per CSM per week "
        f"[{_num(r['noise_low'], 2)}, {_num(r['noise_high'], 2)}]"
    )
