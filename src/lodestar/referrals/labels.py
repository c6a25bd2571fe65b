"""The names people read for a referral's status (translated by the catalogue)."""

from __future__ import annotations

from lodestar.kit.text import N_

STATUSES = {
    "received": N_("Received"),
    "contacted": N_("Contacted"),
    "qualified": N_("Qualified"),
    "won": N_("Won"),
    "lost": N_("Lost"),
}
