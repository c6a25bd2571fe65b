"""The words for forecast categories and outcomes (catalogue ids, translated where they are shown)."""

from __future__ import annotations

from lodestar.kit.text import N_

FORECAST_LABELS = {
    "commit": N_("Commit"),
    "likely": N_("Likely"),
    "at_risk": N_("At risk"),
    "lost": N_("Lost"),
    "none": N_("No forecast"),
}
OUTCOME_LABELS = {
    "renewed_flat": N_("Renewed flat"),
    "expanded": N_("Expanded"),
    "contracted": N_("Contracted"),
    "churned": N_("Churned"),
    "early_renewed": N_("Renewed early"),
}
