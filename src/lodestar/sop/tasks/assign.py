"""Who takes the tasks of an account without an active owner: a CSM by least load or round robin."""

from __future__ import annotations

from dataclasses import dataclass, field

from lodestar.sop.playbooks.schemas import Assignment


@dataclass
class Team:
    """The people tasks can go to, and how loaded each CSM is (kept up to date while assigning)."""

    managers: dict[int, int | None]  # user id -> manager id, for every active user
    csms: list[int]  # active CSMs by id: the pool for accounts without an owner
    load: dict[int, int] = field(default_factory=dict)  # open tasks per user
    last: int | None = None  # the pool member who got the last unowned account (round robin)

    def pick(self, rule: Assignment, tasks: int) -> int | None:
        """A CSM for an account without owner; `tasks` is how many tasks they take on."""
        if not self.csms:
            return None
        if rule == "least_load":
            chosen = min(self.csms, key=lambda u: (self.load.get(u, 0), u))
        else:
            later = [u for u in self.csms if self.last is None or u > self.last]
            chosen = later[0] if later else self.csms[0]
        self.load[chosen] = self.load.get(chosen, 0) + tasks
        self.last = chosen
        return chosen
