"""`lodestar predict churn evaluate | train | score`: churn likelihood from a table or from history."""

from __future__ import annotations

from pathlib import Path

import typer

from lodestar.cli_support import emit_lines, failing_in, reader_language

predict_app = typer.Typer(help="Predictions that prove themselves: churn likelihood.", no_args_is_help=True)
churn_app = typer.Typer(help="Churn likelihood: evaluate on a table, train and score.", no_args_is_help=True)
predict_app.add_typer(churn_app, name="churn")


def evaluate_table(
    table: Path,
    id_column: str,
    label: str,
    time: str | None,
    positive: str | None,
    lang: str | None,
    as_json: bool,
) -> None:
    """Evaluates LightGBM and logistic regression, calibrated, out of sample on a labelled table."""
    from lodestar.predictions import service
    from lodestar.predictions.evaluation_text import evaluation_lines
    from lodestar.web.i18n import gettext_for

    _ = gettext_for(reader_language(lang))
    with failing_in(_):
        result = service.evaluate_table(table, id_column, label, time, positive)
    emit_lines(as_json, result, lambda: evaluation_lines(result, _))
