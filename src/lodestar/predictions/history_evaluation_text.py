"""`predict churn evaluate` on the history as lines for people, in their language (`--json`: the data)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lodestar.kit.text import Text
from lodestar.predictions.evaluation_text import MODEL_NAMES, candidate_table, reliability_lines
from lodestar.predictions.schemas import HistoryCheckRead, HistoryEvaluationRead, IntervalRead


def _interval(found: IntervalRead) -> str:
    if found.value is None:
        return "-"
    if found.low is None or found.high is None:
        return f"{found.value:.3f}"
    return f"{found.value:.3f} [{found.low:.3f}, {found.high:.3f}]"


def _health(check: HistoryCheckRead, _: Callable[[Any], str]) -> str:
    h = check.health
    return _(Text(
        "Against the health score on the same %(rows)s accounts and dates: %(model)s AUC %(auc)s, health "
        "score AUC %(health)s", rows=h.rows, model=Text(MODEL_NAMES[check.chosen]),
        auc=_interval(h.model_auc), health=_interval(h.auc),
    ))  # fmt: skip


def _check(check: HistoryCheckRead, head: Text, _: Callable[[Any], str]) -> list[str]:
    lines = ["", _(head), *candidate_table(check.candidates, _), _health(check, _)]
    return lines


def history_lines(result: HistoryEvaluationRead, _: Callable[[Any], str]) -> list[str]:
    """The backtests, the k-fold and the health score beside each, then the k-fold's reliability curve."""
    share = result.positives / result.rows if result.rows else 0.0
    lines = [
        _(Text("History up to %(as_of)s: %(n)s rows (accounts × snapshot dates %(first)s .. %(last)s), "
               "%(p)s not renewed within %(h)s days (%(share)s); %(f)s features",
               as_of=result.as_of, n=result.rows, first=result.first_date, last=result.last_date,
               p=result.positives, h=result.horizon_days, share=f"{share:.1%}", f=len(result.features))),
    ]  # fmt: skip
    for check in result.backtests:
        head = Text(
            "Backtest at %(cut)s: learnt from %(train)s rows whose window closed by then, tested on the "
            "%(test)s rows of %(cut)s .. %(until)s", cut=check.split_at, train=check.train_rows,
            test=check.test_rows, until=check.test_until,
        )  # fmt: skip
        lines += _check(check, head, _)
    for skipped in result.skipped:
        lines += [
            "",
            _(Text("Backtest at %(cut)s left out: %(why)s", cut=skipped.split_at, why=skipped.reason)),
        ]
    k = result.k_fold
    head = Text(
        "%(k)s-fold cross-validation over %(n)s rows, grouped by account (no account on both sides of a "
        "fold; time is not respected)", k=k.folds, n=k.test_rows,
    )  # fmt: skip
    lines += _check(k, head, _)
    chosen = next(c for c in k.candidates if c.model == k.chosen)
    lines += ["", *reliability_lines(chosen, _)]
    return [line.rstrip() for line in lines]
