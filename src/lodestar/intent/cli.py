"""`lodestar backtest stars` and `lodestar predict stars score`: purchase-intent stars, proved then given."""

from __future__ import annotations

from typing import Annotated

import typer

from lodestar.cli_support import (
    JsonOpt,
    LangOpt,
    context,
    emit_lines,
    failing_in,
    parse_date,
    reader_language,
)
from lodestar.kit.time import today_in

stars_app = typer.Typer(help="Purchase-intent stars 1-3: score every account.", no_args_is_help=True)
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="The date, YYYY-MM-DD (default: today).")]


def backtest_stars(
    as_of: Annotated[str, typer.Option("--as-of", help="The date the stars are given, YYYY-MM-DD.")],
    horizon: Annotated[
        int | None, typer.Option(min=14, max=365, help="Days after it in which the target counts.")
    ] = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The stars as given at a past date against what happened since, beside a recency-frequency baseline."""
    from lodestar.analytics import snapshot_store
    from lodestar.db.engine import unit_of_work
    from lodestar.intent import service
    from lodestar.intent.text import backtest_lines
    from lodestar.web.i18n import gettext_for

    _ = gettext_for(reader_language(lang))
    engine, settings = context()
    day = parse_date("as-of", as_of)
    with failing_in(_), unit_of_work(engine) as session:
        root = snapshot_store.root_of(settings)
        found = service.backtest(session, root, settings.events_dir, day, today_in(settings.zone), horizon)
    emit_lines(as_json, found, lambda: backtest_lines(found, _))


@stars_app.command("score")
def score_stars(as_of: AsOfOpt = None, lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """Gives every account its stars at a snapshot date and keeps them on the account."""
    from lodestar.analytics import snapshot_store
    from lodestar.db.engine import unit_of_work
    from lodestar.intent import service
    from lodestar.intent.text import score_lines
    from lodestar.web.i18n import gettext_for

    _ = gettext_for(reader_language(lang))
    engine, settings = context()
    day = parse_date("as-of", as_of) if as_of else today_in(settings.zone)
    with failing_in(_), unit_of_work(engine) as session:
        found = service.score(session, snapshot_store.root_of(settings), settings.events_dir, day)
    emit_lines(as_json, found, lambda: score_lines(found, _))
