"""The unit of each metric a health measure scores, so the account page shows "24%" or "12 days", not 0.24.

Known by the metric's key: the registry's ratios and shares are fractions, `days_*` are days, `*_hours_*`
hours, NPS is 0-10 and CSAT 1-5, the two stakeholder flags are yes/no; everything else is a count.
"""

from __future__ import annotations

PERCENT = frozenset({"active_user_ratio_30d", "training_completion", "term_elapsed_share"})
SIGNED_PERCENT = frozenset({"usage_trend_30d"})
FLAGS = frozenset({"champion_present", "decision_maker_left_90d"})


def unit_of(metric: str) -> str:
    """percent, signed_percent, days, hours, nps, csat, flag, money or count."""
    if metric in PERCENT:
        return "percent"
    if metric in SIGNED_PERCENT:
        return "signed_percent"
    if metric in FLAGS:
        return "flag"
    if metric.startswith("days_"):
        return "days"
    if "_hours" in metric:
        return "hours"
    if metric == "nps_latest":
        return "nps"
    if metric == "csat_latest":
        return "csat"
    if metric == "arr":
        return "money"
    return "count"
