"""Summary figures of a set of accounts from their SQL groups: ARR per currency, accounts by grade and stage.

ARR is never added across currencies: each currency keeps its own total.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

GRADE_ORDER = ("green", "yellow", "red", "none")
CENT = Decimal("0.01")


@dataclass
class Summary:
    """How many accounts, their ARR per currency (largest first), and counts by grade and by stage."""

    accounts: int = 0
    arr: list[tuple[str, Decimal]] = field(default_factory=list)
    grades: dict[str, int] = field(default_factory=dict)
    stages: list[tuple[str, int]] = field(default_factory=list)

    def grade(self, key: str) -> int:
        """Accounts of one grade ("none": not scored)."""
        return self.grades.get(key, 0)

    def stage(self, key: str) -> int:
        """Accounts in one stage."""
        return dict(self.stages).get(key, 0)


def summarise(groups: Iterable[Sequence[Any]], stage_order: Sequence[str]) -> Summary:
    """Rolls (currency, grade, stage, accounts, ARR) groups up; stages in model order, unknown ones after."""
    total, arr = 0, defaultdict[str, Decimal](Decimal)
    grades, stages = Counter[str](), Counter[str]()
    for currency, grade, stage, count, amount in groups:
        total += count
        # SQLite sums NUMERIC as a float: through str, so 0.1 + 0.2 stays 0.30, then to cents.
        arr[currency or "CNY"] += Decimal(str(amount or 0)).quantize(CENT)
        grades[grade or "none"] += count
        stages[stage or "none"] += count
    known = [k for k in stage_order if stages[k]]
    rest = sorted(k for k in stages if k not in stage_order)
    return Summary(
        accounts=total,
        arr=sorted(arr.items(), key=lambda kv: (-kv[1], kv[0])),
        grades={g: grades[g] for g in GRADE_ORDER if grades[g]},
        stages=[(k, stages[k]) for k in known + rest],
    )
