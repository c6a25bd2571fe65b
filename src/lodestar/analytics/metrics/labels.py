"""What people call each built-in metric, and the unit its values are in (see kit.labels).

The labels match the default health models' measure labels, so a measure reads the same whether its
label comes from configuration or from here.
"""

from __future__ import annotations

from lodestar.kit.labels import register
from lodestar.kit.text import N_

LABELS = {
    "events_7d": N_("events in 7 days"),
    "events_30d": N_("events in 30 days"),
    "events_90d": N_("events in 90 days"),
    "events_180d": N_("events in 180 days"),
    "active_users_7d": N_("active users in 7 days"),
    "active_users_30d": N_("active users in 30 days"),
    "active_users_90d": N_("active users in 90 days"),
    "seats": N_("seats"),
    "active_user_ratio_30d": N_("active-user ratio"),
    "usage_trend_30d": N_("usage trend"),
    "key_features_used_30d": N_("key features used"),
    "days_since_last_activity": N_("last activity"),
    "training_completion": N_("training completion"),
    "tickets_open": N_("open tickets"),
    "tickets_critical_open": N_("open critical tickets"),
    "sla_breaches_90d": N_("SLA breaches"),
    "first_response_hours_90d": N_("first response time"),
    "resolution_hours_90d": N_("resolution time"),
    "nps_latest": N_("NPS"),
    "csat_latest": N_("CSAT"),
    "days_since_last_touch": N_("last touch"),
    "trainings_180d": N_("trainings in 180 days"),
    "milestones_due": N_("milestones due"),
    "milestone_attainment": N_("milestones on time"),
    "referrals_made": N_("referrals made"),
    "has_referred": N_("has referred"),
    "arr": N_("ARR"),
    "days_to_end": N_("days to contract end"),
    "term_elapsed_share": N_("term elapsed"),
    "champion_present": N_("champion present"),
    "decision_maker_left_90d": N_("decision maker left"),
}

# The unit of each metric's values (kit.labels.with_unit): shares are shown as percentages.
UNITS = {
    "active_user_ratio_30d": "share",
    "usage_trend_30d": "share",
    "training_completion": "share",
    "term_elapsed_share": "share",
    "milestone_attainment": "share",
    "days_since_last_activity": "days",
    "days_since_last_touch": "days",
    "days_to_end": "days",
    "first_response_hours_90d": "hours",
    "resolution_hours_90d": "hours",
    "champion_present": "flag",
    "decision_maker_left_90d": "flag",
    "arr": "money",
}

register("metric", LABELS)
register("metric_unit", UNITS)
