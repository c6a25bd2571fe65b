"""`lodestar retention`: GRR, NRR, logo retention and renewal rate per period, as a table or JSON."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from lodestar.cli_support import JsonOpt, context, fail
from lodestar.kit.time import today_in
from lodestar.renewals.retention.schemas import RetentionReport, RetentionRow

PeriodOpt = Annotated[str, typer.Option("--period", help="month, quarter or year.")]
ByOpt = Annotated[
    str | None,
    typer.Option(
        "--by", help="tier, csm, industry, plan, region or cohort (signing year); several: tier,csm."
    ),
]
FromOpt = Annotated[
    str | None, typer.Option("--from", help="First day, YYYY-MM-DD (default: 8 quarters back).")
]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD (default: today).")]


def _pct(value: Any) -> str:
    return "-" if value is None else f"{float(value):.1%}"


def _line(row: RetentionRow) -> list[str]:
    f = row.figures
    group = " / ".join(row.label.values())
    cells = [
        f"{row.period}{' *' if row.partial else ''}",
        group,
        f"{f.start_arr:,.0f}",
        f"{f.expansion:,.0f}",
    ]
    cells += [f"{f.contraction:,.0f}", f"{f.churn:,.0f}", f"{f.end_arr:,.0f}", _pct(f.grr), _pct(f.nrr)]
    return [*cells, _pct(f.logo_retention), _pct(f.renewal_rate)]


def _print(report: RetentionReport) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=170)
    head = ["period", "group", "start ARR", "expansion", "contraction", "churn", "end ARR", "GRR", "NRR"]
    table = Table(
        title=f"Retention ({report.currency}), {report.first} to {report.last}", title_justify="left"
    )
    for name in [*head, "logos", "renewal rate"]:
        table.add_column(name, justify="left" if name in ("period", "group") else "right")
    rows = report.totals + report.groups + [report.whole_range, report.trailing_12_months]
    for row in rows:
        table.add_row(*_line(row))
    console.print(table)
    console.print("* the period is still running: its figures will move.")
    console.print(report.rate_rule)


def retention(
    period: PeriodOpt = "quarter",
    by: ByOpt = None,
    first: FromOpt = None,
    last: ToOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Prints GRR, NRR, logo retention and renewal rate per period (and group), with their components."""
    from pydantic import ValidationError

    from lodestar.db.engine import unit_of_work
    from lodestar.kit.errors import InvalidInput, LodestarError, problems_from_pydantic
    from lodestar.renewals.retention import service
    from lodestar.renewals.retention.schemas import RetentionQuery

    engine, settings = context()
    raw = {"period": period, "by": by, "from": first, "to": last}
    try:
        try:
            query = RetentionQuery.model_validate({k: v for k, v in raw.items() if v is not None})
        except ValidationError as bad:
            raise problems_from_pydantic(list(bad.errors())) from None  # type: ignore[arg-type]
        with unit_of_work(engine) as session:
            report = service.retention(session, None, query, today_in(settings.zone))
    except InvalidInput as exc:
        fail("; ".join(f"--{p.field}: {p.message}" for p in exc.problems))
    except LodestarError as exc:
        fail(exc.message)
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
        return
    _print(report)
