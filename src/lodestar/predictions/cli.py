"""`lodestar predict churn evaluate | train | score`: churn likelihood from a table or from history."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lodestar.cli_support import JsonOpt, LangOpt, emit_lines, failing_in, reader_language

predict_app = typer.Typer(help="Predictions that prove themselves: churn likelihood.", no_args_is_help=True)
churn_app = typer.Typer(help="Churn likelihood: evaluate on a table, train and score.", no_args_is_help=True)
predict_app.add_typer(churn_app, name="churn")


@churn_app.command("evaluate")
def evaluate(
    table: Annotated[
        Path, typer.Option("--table", help="A labelled table: .csv (UTF-8 or GBK), .xlsx, .parquet.")
    ],
    id_column: Annotated[str, typer.Option("--id", help="The column naming each customer (one row each).")],
    label: Annotated[
        str, typer.Option("--label", help="The outcome column: 1/0, true/false, yes/no, 是/否.")
    ],
    time: Annotated[
        str | None,
        typer.Option("--time", help="A date column: test on the latest quarter of rows instead of k-fold."),
    ] = None,
    positive: Annotated[
        str | None,
        typer.Option("--positive", help="The label value that means churned, if not 1/true/yes/是."),
    ] = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Evaluates LightGBM and logistic regression, calibrated, out of sample on a labelled table."""
    from lodestar.predictions import service
    from lodestar.predictions.evaluation_text import evaluation_lines
    from lodestar.web.i18n import gettext_for

    _ = gettext_for(reader_language(lang))
    with failing_in(_):
        result = service.evaluate_table(table, id_column, label, time, positive)
    emit_lines(as_json, result, lambda: evaluation_lines(result, _))
