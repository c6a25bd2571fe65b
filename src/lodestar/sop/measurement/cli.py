"""`lodestar sop report [--as-of D] [--json]`: attainment and effectiveness as tables or JSON."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from lodestar.cli_support import JsonOpt, context, date_or_today, fail
from lodestar.sop.measurement.report import SopReport

AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="The as-of date, YYYY-MM-DD (default: today).")]
VERDICTS = {
    "effective": "effective",
    "harmful": "harmful",
    "needs_review": "no effect - needs review",
    "not_enough_data": "not enough data",
}


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:+.3f}"


def tables(report: SopReport) -> list[tuple[str, list[str], list[list[str]]]]:
    """The report as (title, header, rows) tables, shared by the rich and the plain printer."""
    head = ["", "due", "on time", "late", "skipped", "missed", "rate"]

    def attained(rows: list[Any]) -> list[list[str]]:
        return [
            [r.label, str(r.due), str(r.on_time), str(r.late), str(r.skipped), str(r.missed), _pct(r.rate)]
            for r in rows
        ]

    eff = report.effectiveness
    steps = [
        [
            f"{r.playbook_key}/{r.step_key or '*'}",
            f"{r.outcome_metric} +{r.after_days}d",
            str(r.treated),
            str(r.untreated),
            str(r.not_yet_measurable),
            _num(r.effect),
            f"[{_num(r.ci_low)}, {_num(r.ci_high)}]",
            VERDICTS[r.verdict],
        ]
        for r in eff.steps
    ]
    csms = [
        [
            r.csm_name,
            r.playbook_key,
            r.outcome_metric,
            str(r.accounts),
            _num(r.rho),
            f"[{_num(r.ci_low)}, {_num(r.ci_high)}]",
            VERDICTS[r.verdict],
        ]
        for r in eff.csms
    ]
    return [
        ("Attainment by playbook", ["playbook", *head[1:]], attained(report.attainment_by_playbook)),
        ("Attainment by step", ["step", *head[1:]], attained(report.attainment_by_step)),
        ("Attainment by CSM", ["CSM", *head[1:]], attained(report.attainment_by_csm)),
        (
            "Effectiveness by step (* = whole playbook)",
            ["step", "outcome", "treated", "untreated", "not yet", "effect", "95% CI", "verdict"],
            steps,
        ),
        (
            "Attainment vs outcome per CSM (Spearman)",
            ["CSM", "playbook", "outcome", "accounts", "rho", "95% CI", "verdict"],
            csms,
        ),
    ]


def _print(report: SopReport) -> None:
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:  # rich is optional: fall back to aligned plain text
        for title, header, rows in tables(report):
            widths = [max(len(c) for c in col) for col in zip(header, *rows, strict=False)]
            typer.echo(f"\n{title}")
            for line in [header, *rows]:
                typer.echo("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=False)))
        return
    console = Console(width=160)
    console.print(f"SOP report as of {report.as_of}")
    for title, header, rows in tables(report):
        table = Table(title=title, title_justify="left")
        for name in header:
            table.add_column(name)
        for row in rows:
            table.add_row(*row)
        console.print(table)
    console.print(report.effectiveness.rule)


def report(as_of: AsOfOpt = None, as_json: JsonOpt = False) -> None:
    """Prints SOP attainment and effectiveness per playbook, step and CSM."""
    from lodestar.analytics.snapshot_store import root_of as snapshot_root
    from lodestar.db.engine import unit_of_work
    from lodestar.kit.errors import LodestarError
    from lodestar.sop.measurement.report import sop_report

    engine, settings = context()
    day = date_or_today("as-of", as_of, settings)
    try:
        with unit_of_work(engine) as session:
            result = sop_report(session, snapshot_root(settings), as_of=day)
    except LodestarError as exc:
        fail(exc.message)
    if as_json:  # pydantic's own JSON: NaN and infinities become null, as the JSON API gives them
        typer.echo(result.model_dump_json(indent=2))
        return
    _print(result)
