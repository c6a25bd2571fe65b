"""The names people read for a milestone's kind, status and owner side (translated by the catalogue)."""

from __future__ import annotations

from lodestar.kit.text import N_

KINDS = {
    "module_go_live": N_("Module go-live"),
    "department_rollout": N_("Department rollout"),
    "people_trained": N_("People trained"),
    "usage_target": N_("Usage target"),
    "business_result": N_("Business result"),
}
STATUSES = {
    "planned": N_("Planned"),
    "in_progress": N_("In progress"),
    "reached": N_("Reached"),
    "missed": N_("Missed"),
    "dropped": N_("Dropped"),
}
SIDES = {"ours": N_("Our team"), "theirs": N_("Customer")}
