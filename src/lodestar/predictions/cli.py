"""`lodestar predict churn evaluate | train | score`: churn likelihood from a table or from history."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from lodestar.cli_support import JsonOpt, fail

predict_app = typer.Typer(help="Predictions that prove themselves: churn likelihood.", no_args_is_help=True)
churn_app = typer.Typer(help="Churn likelihood: evaluate on a table, train and score.", no_args_is_help=True)
predict_app.add_typer(churn_app, name="churn")

LangOpt = Annotated[
    str | None,
    typer.Option("--lang", help="Language of the text: en or zh_CN (default: from LANG / LC_ALL)."),
]


def reader_language(lang: str | None) -> str:
    """The language asked for, else the terminal's (LC_ALL, LC_MESSAGES, LANG): zh_CN for any Chinese."""
    asked = lang or os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG") or ""
    return "zh_CN" if asked.lower().startswith("zh") else "en"


def translated_error(exc: Exception, _: Callable[[Any], str]) -> str:
    """A business error in the reader's language, each bad field named."""
    problems = getattr(exc, "problems", None)
    if problems:
        return "; ".join(f"{p.field}: {_(p.message)}" for p in problems)
    return _(getattr(exc, "message", str(exc)))


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
    from lodestar.kit.errors import LodestarError
    from lodestar.predictions import service
    from lodestar.predictions.evaluation_text import evaluation_lines
    from lodestar.web.i18n import gettext_for

    _ = gettext_for(reader_language(lang))
    try:
        result = service.evaluate_table(table, id_column, label, time, positive)
    except LodestarError as exc:
        fail(translated_error(exc, _))
    if as_json:
        import json

        typer.echo(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    typer.echo("\n".join(evaluation_lines(result, _)))
