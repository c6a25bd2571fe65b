"""The names people read for a request's status and the list's sort orders (translated by the catalogue)."""

from __future__ import annotations

from lodestar.kit.text import N_

STATUSES = {
    "new": N_("New"),
    "under_review": N_("Under review"),
    "planned": N_("Planned"),
    "in_progress": N_("In progress"),
    "shipped": N_("Shipped"),
    "declined": N_("Declined"),
}
SORTS = {
    "arr": N_("ARR behind it"),
    "accounts": N_("Accounts that asked"),
    "at_stake": N_("ARR at risk or renewing"),
    "newest": N_("Newest"),
}
SOURCES = {"person": N_("By hand"), "webhook": N_("Tracker webhook"), "import": N_("Tracker import")}
