"""How the SOP pages name people: by name, with the e-mail beside it when two people share the name."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from lodestar.auth.models import User


def display_names(users: Iterable[User]) -> dict[int, str]:
    """Each user's name, as "Name (e-mail)" when another user has the same name (so the two can be told
    apart in every table, list and chart)."""
    people = list(users)
    repeated = Counter(u.name.strip().casefold() for u in people)
    return {
        u.id: f"{u.name} ({u.email})" if repeated[u.name.strip().casefold()] > 1 else u.name for u in people
    }
