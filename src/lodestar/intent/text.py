"""A stars backtest and a scoring run as lines a person reads, in their language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lodestar.intent.schemas import IntentTarget, Ranking, StarsBacktestRead, StarsScoreRead
from lodestar.kit.text import N_

Gettext = Callable[[Any], str]
TARGETS = {
    "expansion": N_("an expansion (a contract that raises ARR)"),
    "contract": N_("a new contract"),
    "event": N_("the event %(event)s"),
}


def target_text(target: IntentTarget, _: Gettext) -> str:
    """What the stars predict, in words."""
    return _(TARGETS[target.kind]) % {"event": target.event}


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _ranking(title: str, found: Ranking, _: Gettext) -> list[str]:
    auc = found.auc
    lines = [
        _("%(title)s: AUC %(auc)s [%(low)s, %(high)s]")
        % {
            "title": title,
            "auc": "n/a" if auc.value is None else f"{auc.value:.3f}",
            "low": "n/a" if auc.low is None else f"{auc.low:.3f}",
            "high": "n/a" if auc.high is None else f"{auc.high:.3f}",
        }
    ]
    for g in found.groups:
        lines.append(
            _("  %(stars)s: %(hits)s of %(accounts)s accounts, %(rate)s [%(low)s, %(high)s]")
            % {
                "stars": "★" * g.stars,
                "hits": g.hits,
                "accounts": g.accounts,
                "rate": _pct(g.rate),
                "low": _pct(g.low),
                "high": _pct(g.high),
            }
        )
    if found.separated:
        lines.append(_("  the rate rises from 1 to 3 stars, each interval above the one below"))
    elif found.rising:
        lines.append(_("  the rate rises from 1 to 3 stars, but neighbouring intervals overlap"))
    else:
        lines.append(_("  the rate does not rise from 1 to 3 stars: do not act on these stars"))
    return lines


def backtest_lines(found: StarsBacktestRead, _: Gettext) -> list[str]:
    """The backtest: the model's stars, then the recency-frequency baseline's, on the same accounts."""
    head = _(
        "Stars at %(day)s for %(target)s within %(horizon)s days: %(hits)s of %(accounts)s accounts hit it; "
        "learnt from %(rows)s rows of %(dates)s earlier snapshots."
    ) % {
        "day": found.as_of.isoformat(),
        "target": target_text(found.target, _),
        "horizon": found.horizon_days,
        "hits": found.hits,
        "accounts": found.accounts,
        "rows": found.training_rows,
        "dates": found.training_dates,
    }
    return [
        head,
        *_ranking(_("Model"), found.model, _),
        *_ranking(_("Recency-frequency baseline"), found.baseline, _),
    ]


def score_lines(found: StarsScoreRead, _: Gettext) -> list[str]:
    """How many accounts got each star."""
    counts = ", ".join(f"{'★' * level} {found.stars.get(level, 0)}" for level in (1, 2, 3))
    return [
        _("Stars at %(day)s for %(target)s within %(horizon)s days: %(counts)s.")
        % {
            "day": found.as_of.isoformat(),
            "target": target_text(found.target, _),
            "horizon": found.horizon_days,
            "counts": counts,
        }
    ]
