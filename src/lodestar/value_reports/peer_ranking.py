"""Where an account stands among its peers (same industry, same size band): an anonymous percentile."""

from __future__ import annotations

from bisect import bisect_right
from typing import Any


def size_band(employees: int | None, bands: list[int]) -> str:
    """The band of an employee count, named by its bounds (`100-499`, `2000+`, `<100`; `unknown`)."""
    if employees is None:
        return "unknown"
    at = bisect_right(bands, employees)
    if at == 0:
        return f"<{bands[0]}" if bands else "all"
    if at == len(bands):
        return f"{bands[-1]}+"
    return f"{bands[at - 1]}-{bands[at] - 1}"


def percentile(value: float | None, others: list[float]) -> float | None:
    """The share (0-100) of the other values below this one, ties counted half; None without either."""
    if value is None or not others:
        return None
    below = sum(o < value for o in others)
    ties = sum(o == value for o in others)
    return 100 * (below + ties / 2) / len(others)


def peers_of(
    account_id: int, profiles: list[dict[str, Any]], bands: list[int]
) -> tuple[list[int], str, str | None]:
    """The other accounts of the same industry and size band, the band, and the industry."""
    mine = next((p for p in profiles if p["account_id"] == account_id), None)
    if mine is None:
        return [], "unknown", None
    band = size_band(mine["employees"], bands)
    same = [
        p["account_id"]
        for p in profiles
        if p["account_id"] != account_id
        and p["industry"] == mine["industry"]
        and size_band(p["employees"], bands) == band
    ]
    return same, band, mine["industry"]
