"""Why the demo's churned customers left: one reason of the taxonomy per contract that ended unrenewed.

The reason follows the world's own story, as a CSM would have written it down: a champion who left in the
contract's last year mostly reads `champion_left`, low value realisation mostly `no_usage` or `product_gap`,
the rest spread over price, competitors, service and the like. Seeded, so the same demo always gets the same
reasons; the renewal analysis report's "lost by reason" and the win-backs read them from the contracts.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np

from lodestar.demo.world import World

# Reasons for a churn with no champion story, by value realisation (low, middle, high).
OTHER_REASONS = (
    "no_usage",
    "product_gap",
    "price_budget",
    "competitor",
    "service",
    "business_closed",
    "other",
)
WEIGHTS = {
    "low": (0.45, 0.2, 0.15, 0.06, 0.06, 0.04, 0.04),
    "middle": (0.15, 0.2, 0.25, 0.17, 0.1, 0.07, 0.06),
    "high": (0.03, 0.15, 0.3, 0.22, 0.12, 0.1, 0.08),
}
EPOCH = date(1970, 1, 1)
CHAMPION_SHARE = 0.75  # a champion who left is named as the reason this often
RAW = {  # the words of the CRM's loss field (churn_reason_raw), as a sales ops team would type them
    "no_usage": "Low adoption",
    "champion_left": "Sponsor left the company",
    "product_gap": "Missing features",
    "price_budget": "Budget cut",
    "competitor": "Moved to competitor",
    "service": "Unhappy with support",
    "business_closed": "Company closed",
    "other": "Other",
}


def churn_rows(
    world: World, seed: int, account_ids: list[int], contract_ids: np.ndarray
) -> list[dict[str, Any]]:
    """One `record_churn` row per contract that ended without renewal: account, contract, day, reason."""
    c = world.contracts
    rng = np.random.default_rng([seed, 13])
    lost = np.flatnonzero(c.status == 2)
    draws = rng.random((len(lost), 2))
    rows = []
    for i, (u_champion, u_reason) in zip(lost.tolist(), draws, strict=True):
        account = int(c.account[i])
        left = int(world.champion_left[account])
        champion_story = left >= 0 and c.end[i] - 365 <= left < c.end[i]
        if champion_story and u_champion < CHAMPION_SHARE:
            reason = "champion_left"
        else:
            value = float(world.value[account])
            band = "low" if value < 0.35 else "middle" if value < 0.65 else "high"
            cumulative = np.cumsum(WEIGHTS[band])
            reason = OTHER_REASONS[min(int(np.searchsorted(cumulative, u_reason * cumulative[-1])), 6)]
        rows.append(
            {
                "account_id": account_ids[account],
                "contract_id": int(contract_ids[i]),
                "churned_on": EPOCH + timedelta(days=int(c.end[i])),
                "churn_reason": reason,
                "churn_reason_raw": RAW[reason],
            }
        )
    return rows


# What churned customers write in the survey's free text, per reason, in English and Chinese.
FEEDBACK = {
    "no_usage": (
        "The team never really adopted it; we kept using spreadsheets.",
        "团队一直没有真正用起来，大家还是习惯用表格。",
    ),
    "champion_left": (
        "Our project lead left and nobody picked the tool up after that.",
        "负责这个项目的同事离职了，之后就没人推动了。",
    ),
    "product_gap": (
        "We needed deeper reporting and an on-premise option.",
        "我们需要更灵活的报表和私有化部署，目前的版本满足不了。",
    ),
    "price_budget": (
        "Budgets were cut this year and the renewal price was too high for us.",
        "今年预算缩减，续费价格超出了我们的承受范围。",
    ),
    "competitor": (
        "A competitor offered a bundle with our CRM at a lower price.",
        "另一家厂商和我们的 CRM 打包报价，价格更低。",
    ),
    "service": (
        "Support answers took too long when we had problems.",
        "遇到问题时客服响应太慢。",
    ),
    "business_closed": ("We closed that business line.", "这块业务已经关停了。"),
    "other": ("Our priorities changed.", "公司战略方向调整了。"),
}
