"""`lodestar reports build`: the value reports of a period as PDFs, for a tier or chosen accounts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lodestar.cli_support import JsonOpt, context, emit, fail, progress

reports_app = typer.Typer(
    help="Customer value reports (数据报告): build the PDFs of a period.", no_args_is_help=True
)


@reports_app.command("build")
def build(
    period: Annotated[str, typer.Option(help="A quarter (2026Q3) or a year (2026).")],
    tier: Annotated[str | None, typer.Option(help="Only accounts of this tier (e.g. KA).")] = None,
    accounts: Annotated[str | None, typer.Option(help="Account ids or CRM ids, comma-separated.")] = None,
    locale: Annotated[str, typer.Option(help="The reports' language: en or zh_CN.")] = "en",
    out: Annotated[
        Path | None, typer.Option(help="Folder for the PDFs (default: <data dir>/reports).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Writes one PDF per account under <out>/<period>/ with a progress bar; nothing is written when the
    period is in the future or an account is unknown."""
    from lodestar.db.engine import unit_of_work
    from lodestar.kit.errors import LodestarError
    from lodestar.kit.time import today_in
    from lodestar.value_reports import service
    from lodestar.web.i18n import gettext_for

    if locale not in service.LOCALES:
        fail(f"--locale: {locale!r} is not one of {', '.join(service.LOCALES)}")
    engine, settings = context()
    place = service.place_of(settings)
    wanted = [a.strip() for a in accounts.split(",") if a.strip()] if accounts else None
    _ = gettext_for(locale)
    try:
        with unit_of_work(engine) as session:
            service.periods.parse(period, today_in(settings.zone))
            ids = service.choose_accounts(session, tier, wanted)
            with progress("reports", total=len(ids), enabled=not as_json) as tick:
                built = service.build_batch(
                    session,
                    period,
                    today_in(settings.zone),
                    ids,
                    locale,
                    out or place.reports_dir,
                    place.store,
                    tick,
                )
    except LodestarError as exc:
        problems = getattr(exc, "problems", None) or []
        fail("; ".join(f"--{p.field}: {_(p.message)}" for p in problems) or _(exc.message))
    payload = [b.__dict__ for b in built]
    emit(as_json, payload, "\n".join([*(b.path for b in built), f"{len(built)} reports"]))
