"""An evaluation as lines for people, in their language (the CLI prints them; `--json` prints the data)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from lodestar.kit.text import N_, Text
from lodestar.predictions.schemas import CandidateRead, IntervalRead, TableEvaluationRead

MODEL_NAMES = {"lightgbm": N_("Gradient-boosted trees (LightGBM)"), "logistic": N_("Logistic regression")}
CALIBRATIONS = {"isotonic": N_("isotonic calibration"), "sigmoid": N_("Platt (sigmoid) calibration")}
KINDS = {
    "number": N_("number"),
    "number_text": N_("number written as text"),
    "boolean": N_("yes/no"),
    "date": N_("date, as an age in days"),
    "category": N_("category"),
}
FIGURES = (
    ("auc", N_("AUC")),
    ("pr_auc", N_("PR-AUC")),
    ("top_decile_lift", N_("Top-decile lift")),
    ("brier", N_("Brier score (lower is better)")),
)


def _shown_width(text: str) -> int:
    """Terminal columns a text takes: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _shown_width(text))


def _figure(found: IntervalRead) -> str:
    if found.value is None:
        return "-"
    if found.low is None or found.high is None:
        return f"{found.value:.3f}"
    return f"{found.value:.3f} [{found.low:.3f}, {found.high:.3f}]"


def _validation(result: TableEvaluationRead) -> Text:
    v = result.validation
    if v.kind == "k_fold":
        return Text(
            "Validation: %(k)s-fold stratified cross-validation over %(n)s rows", k=v.folds, n=v.test_rows
        )
    return Text(
        "Validation: trained on the %(train)s rows before %(cut)s, tested on the %(test)s rows from it",
        train=v.train_rows,
        cut=v.split_at,
        test=v.test_rows,
    )


def candidate_table(candidates: list[CandidateRead], _: Callable[[Any], str]) -> list[str]:
    """Both candidates' figures side by side, one figure a line."""
    return _table(candidates, _)


def reliability_lines(chosen: CandidateRead, _: Callable[[Any], str]) -> list[str]:
    """The chosen candidate's reliability curve, a tenth of the rows a line."""
    return _reliability(chosen, _)


def _table(candidates: list[CandidateRead], _: Callable[[Any], str]) -> list[str]:
    heads = [f"{_(MODEL_NAMES[c.model])}, {_(CALIBRATIONS[c.calibration])}" for c in candidates]
    width = max(_shown_width(h) for h in heads) + 2
    label_width = max(_shown_width(_(label)) for _key, label in FIGURES) + 2
    lines = [" " * label_width + "".join(_pad(h, width) for h in heads)]
    for key, label in FIGURES:
        cells = "".join(_pad(_figure(getattr(c.figures, key)), width) for c in candidates)
        lines.append(_pad(_(label), label_width) + cells)
    return lines


def _reliability(chosen: CandidateRead, _: Callable[[Any], str]) -> list[str]:
    lines = [_(Text("Reliability of the chosen model (tenths of the rows by predicted probability):"))]
    lines.append("  " + _(Text("rows  predicted  observed [95% interval]")))
    for part in chosen.figures.reliability:
        o = part.observed
        lines.append(f"  {part.rows:>4}  {part.predicted:9.3f}  {o.value:.3f} [{o.low:.3f}, {o.high:.3f}]")
    return lines


def evaluation_lines(result: TableEvaluationRead, _: Callable[[Any], str]) -> list[str]:
    """The evaluation of a table: rows, features, validation, both models side by side, the choice."""
    share = result.positives / result.rows
    lines = [
        _(
            Text(
                "Table: %(n)s rows, %(p)s positive (%(share)s)",
                n=result.rows,
                p=result.positives,
                share=f"{share:.1%}",
            )
        ),
        _(Text("Features (%(n)s):", n=len(result.features))),
    ]
    lines += [f"  {f.name}: {_(KINDS[f.kind])}" for f in result.features]
    if result.dropped:
        lines.append(_(Text("Left out:")))
        lines += [f"  {d.name}: {_(d.reason)}" for d in result.dropped]
    lines += [_(_validation(result)), ""]
    lines += _table(result.candidates, _)
    chosen = next(c for c in result.candidates if c.model == result.chosen)
    lines += [
        "",
        _(Text("Chosen: %(model)s; %(why)s", model=Text(MODEL_NAMES[result.chosen]), why=result.reason)),
    ]
    return [line.rstrip() for line in [*lines, "", *_reliability(chosen, _)]]
