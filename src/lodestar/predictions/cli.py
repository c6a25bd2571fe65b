"""`lodestar predict churn evaluate | train | score`: churn likelihood from a table or from history."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from lodestar.cli_support import fail

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
