"""What snapshots contribute to the account page: usage per day and key-feature adoption.

Read from the latest-date state the snapshot run keeps beside the roll-ups (one row group per account), so
the page does not scan events. A key feature counts as adopted when it was used in the last 30 days, the
window of the key_features_used_30d metric the health model scores.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.analytics.account_usage import daily_events, features_last_used
from lodestar.settings import Settings
from lodestar.snapshots import config_kind as metrics_kind

USAGE_DAYS = 180  # the days the state keeps per account
ADOPTED_WITHIN_DAYS = 30


def usage_panel(session: Session, settings: Settings, account: Account, today: date) -> dict[str, Any]:
    """`usage`: daily events (zeros filled) of the last 180 days and each key feature's last use."""
    rollup_dir = settings.data_dir / "rollups"  # where the snapshot run keeps roll-ups and their state
    key_features = metrics_kind.current(session)[0].key_features
    if not account.segment_group_id:
        return {
            "usage": {"days": [], "events": [], "features": [], "adopted": 0, "key_features": key_features}
        }
    counts = dict(daily_events(rollup_dir, account.segment_group_id))
    first = today - timedelta(days=USAGE_DAYS - 1)
    days = [(first + timedelta(days=n)).isoformat() for n in range(USAGE_DAYS)] if counts else []
    last_used = features_last_used(rollup_dir, account.segment_group_id, key_features)
    features = []
    for name in key_features:
        day = last_used.get(name)
        since = (today - date.fromisoformat(day)).days if day else None
        features.append({"name": name, "last_used": day, "days_since": since,
                         "adopted": since is not None and since < ADOPTED_WITHIN_DAYS})  # fmt: skip
    return {
        "usage": {
            "days": days,
            "events": [counts.get(d, 0) for d in days],
            "features": features,
            "adopted": sum(f["adopted"] for f in features),
            "key_features": key_features,
        }
    }
