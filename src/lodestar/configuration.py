"""Every configuration kind, registered with the configuration store in document order.

The composers (app, cli) import this module so that export, apply and the editors' cross-checks see the
whole document; each domain's `config_kind` module declares its own kind.
"""

from __future__ import annotations

from lodestar.accounts import config_kind as tiers
from lodestar.alerts import config_kind as alerts
from lodestar.config.kinds import ConfigKind
from lodestar.health import config_kind as health
from lodestar.intent import config_kind as intent
from lodestar.levels import config_kind as levels
from lodestar.lifecycle import config_kind as lifecycle
from lodestar.renewals import config_kind as renewals
from lodestar.snapshots import config_kind as metrics
from lodestar.sop.playbooks import config_kind as sop
from lodestar.success_plans import config_kind as success_plans
from lodestar.value_reports import config_kind as value_reports

KINDS: tuple[ConfigKind, ...] = (
    health.KIND,
    lifecycle.KIND,
    tiers.KIND,
    metrics.KIND,
    sop.KIND,
    alerts.KIND,
    renewals.KIND,
    levels.KIND,
    success_plans.KIND,
    intent.KIND,
    value_reports.KIND,
)
