"""The planted ground truth, written beside the data for graders; the product never reads it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from lodestar.demo.people import group_id
from lodestar.demo.world import World

EFFECTS = [
    "Latent value (value_realisation, 0-1) drives usage intensity (share of seats adopted, events per active "
    "user, breadth of key features), NPS, ticket load and renewal: low-value accounts churn more, "
    "high-value accounts expand seats at renewal.",
    "Most churners (about 85%) show a usage decline that starts 60-150 days before the end of their last "
    "contract (usage_decline_start); the rest churn without warning.",
    "A champion leaving (champion_left_on) during the last year of a contract raises the odds of churn at "
    "that renewal about 13-fold (logit +2.6) and lowers adoption by 15% afterwards.",
    "CSMs with follows_onboarding_sop deliver a targeted 'Onboarding training' touch (kind training) within "
    "21 days of a new customer's first contract start for ~90% of new customers (others do so ~10% of the "
    "time, often later); a targeted training raises the share of seats that fire 'Training Completed' by "
    "about 30 percentage points.",
    "The 'Welcome e-mail' touch (kind email) within 2 days of start is sent at random (50%) by every CSM "
    "and has no effect on any outcome.",
]


def _day(value: int) -> str | None:
    return None if value < 0 else str(np.datetime64(int(value), "D"))


def build_truth(
    world: World, seed: int, today: date, account_ids: list[int], csm_emails: list[str]
) -> dict[str, Any]:
    """The truth document for this world."""
    w = world
    accounts = []
    for i in range(w.n):
        end = int(w.final_end[i])
        left = int(w.champion_left[i])
        accounts.append(
            {
                "account_id": account_ids[i],
                "crm_id": f"CRM-{i + 1:06d}",
                "segment_group_id": group_id(i),
                "owner": csm_emails[w.owner[i]],
                "value_realisation": round(float(w.value[i]), 4),
                "churned": bool(w.churned[i]),
                "last_contract_end": _day(end),
                "churn_date": _day(end) if w.churned[i] else None,
                "usage_decline_start": _day(int(w.decline_start[i])),
                "has_champion": bool(w.champion[i]),
                "champion_left_on": _day(left),
                "champion_left_in_last_contract_year": bool(left >= 0 and end - 365 <= left < end),
                "first_contract_start": _day(int(w.start0[i])),
                "onboarding_training_on": _day(int(w.training_day[i])),
                "targeted_training": bool(w.targeted_training[i]),
                "welcome_email": bool(w.welcome_email[i]),
                "planted_training_completion": round(float(w.training_rate[i]), 4),
            }
        )
    csms = [{"email": e, "follows_onboarding_sop": bool(w.sop_csm[c])} for c, e in enumerate(csm_emails)]
    return {
        "seed": seed,
        "today": today.isoformat(),
        "accounts_count": w.n,
        "effects": EFFECTS,
        "csms": csms,
        "accounts": accounts,
    }


def write_truth(path: Path, truth: dict[str, Any]) -> None:
    """Writes the truth file atomically."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)
