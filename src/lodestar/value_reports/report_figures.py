"""Every figure of the reports of many accounts for one period, read once for the batch through the other
domains' services and the analytical store (roll-ups for usage, the period's last snapshot for seats,
snapshot metrics and the peer ranking)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from lodestar.accounts import config_kind as tiers_kind
from lodestar.accounts import service as accounts_service
from lodestar.analytics import snapshot_store
from lodestar.engagement import service as engagement_service
from lodestar.kit.labels import label_of
from lodestar.success_plans import service as success_plans_service
from lodestar.value_reports import config_kind
from lodestar.value_reports.engagement_figures import service_figures
from lodestar.value_reports.peer_ranking import percentile, size_band
from lodestar.value_reports.periods import Period
from lodestar.value_reports.schemas import (
    FEATURE_PREFIX,
    FeatureCount,
    RankingFigures,
    ReportFigures,
    ServiceFigures,
    UsageFigures,
    ValueReportSettings,
)
from lodestar.value_reports.team_usage import TeamUsage, team_figures, team_usage
from lodestar.value_reports.usage_figures import PeriodUsage, buckets, period_usage
from lodestar.value_reports.value_figures import milestone_figures, value_figures


@dataclass(frozen=True)
class Store:
    """Where the analytical store keeps the snapshots, the roll-ups and the events (for the users' teams),
    and the company's zone."""

    snapshot_root: Path
    rollup_dir: Path
    zone: ZoneInfo
    events_dir: Path | None = None  # None: no team is known


def _snapshot(store: Store, period: Period, columns: list[str]) -> dict[int, dict[str, Any]]:
    """Every account's values of these columns on the period's last snapshot (none before the period)."""
    day = snapshot_store.latest_before(store.snapshot_root, period.through + timedelta(days=1))
    if day is None or day < period.start:
        return {}
    present = [c for c in columns if c in snapshot_store.column_names(store.snapshot_root, day)]
    table = snapshot_store.read(store.snapshot_root, day, ["account_id", *present])
    return {row["account_id"]: row for row in table.to_pylist()} if table is not None else {}


def _ranks(
    settings: ValueReportSettings,
    profiles: list[dict[str, Any]],
    snap: dict[int, dict[str, Any]],
    wanted: set[int],
) -> dict[int, RankingFigures]:
    metric, groups = settings.ranking_metric, defaultdict(list)
    place = {}
    for p in profiles:
        key = (p["industry"], size_band(p["employees"], settings.size_bands))
        place[p["account_id"]] = key
        value = snap.get(p["account_id"], {}).get(metric)
        if value is not None:
            groups[key].append((p["account_id"], float(value)))
    out = {}
    for account_id in wanted:
        industry, band = place.get(account_id, (None, "unknown"))
        value = snap.get(account_id, {}).get(metric)
        others = [v for a, v in groups[(industry, band)] if a != account_id]
        out[account_id] = RankingFigures(
            metric=metric,
            value=value,
            percentile=percentile(value, others),
            peers=len(others),
            industry=industry,
            size_band=band,
            metric_label=str(label_of("metric", metric)),
        )
    return out


def _usage(
    used: PeriodUsage, seats: int | None, period: Period, settings: ValueReportSettings
) -> UsageFigures:
    top = sorted(used.features.items(), key=lambda kv: (-kv[1], kv[0]))[: settings.top_features]
    return UsageFigures(
        seats=seats,
        active_users=used.active_users,
        active_share=used.active_users / seats if seats else None,
        logins=used.logins,
        events=used.events,
        data_created=sum(used.features.get(f, 0) for f in settings.creation_features),
        top_features=[FeatureCount(name=n, events=e) for n, e in top],
        buckets=buckets(used.by_day, period.start, period.through, monthly=period.kind == "year"),
    )


def _own_figures(usage: UsageFigures, service: ServiceFigures) -> dict[str, float]:
    """The period's figures a value metric may name (schemas.REPORT_METRICS)."""
    return {
        "events": usage.events,
        "active_users": usage.active_users,
        "logins": usage.logins,
        "data_created": usage.data_created,
        "trainings": service.trainings,
        "touches": service.touches,
        "tickets_resolved": service.tickets_resolved,
    }


def _teams(
    store: Store,
    settings: ValueReportSettings,
    groups: dict[str, int],
    used: dict[int, PeriodUsage],
    period: Period,
) -> dict[int, TeamUsage]:
    """Each account's active users and events of the period by team, where the events name teams."""
    if store.events_dir is None:
        return {}
    active = {g: used[a].by_user for g, a in groups.items() if a in used and used[a].by_user}
    found = team_usage(store.events_dir, active, period.through, store.zone, settings.team_traits)
    return {groups[g]: u for g, u in found.items()}


def _by_account(rows: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        out[row["account_id"]].append(row)
    return out


def figures_for(
    session: Session, account_ids: list[int], period: Period, store: Store, chinese: bool
) -> dict[int, ReportFigures]:
    """The figures of these accounts' reports for the period (labels of value metrics in 中文 or English)."""
    settings = config_kind.current(session)[0]
    accounts = {a.id: a for a in accounts_service.accounts_by_ids(session, account_ids)}
    snapshot_inputs = [m.metric for m in settings.value_metrics if not m.metric.startswith(FEATURE_PREFIX)]
    snap = _snapshot(store, period, ["seats", settings.ranking_metric, *snapshot_inputs])
    groups = {a.segment_group_id: a.id for a in accounts.values() if a.segment_group_id}
    used = {
        groups[g]: u
        for g, u in period_usage(
            store.rollup_dir, list(groups), period.start, period.through, store.events_dir
        ).items()
    }
    teams = _teams(store, settings, groups, used, period)
    ranks = _ranks(settings, accounts_service.tier_profiles(session), snap, set(accounts))
    tickets = _by_account(engagement_service.ticket_rows(session, list(accounts)))
    touches = _by_account(engagement_service.touch_rows(session, list(accounts)))
    surveys = _by_account(engagement_service.survey_rows(session, list(accounts)))
    milestones = success_plans_service.milestones_of(session, list(accounts))
    following = period.next()
    rules = tiers_kind.current(session)[0]
    out = {}
    for account_id, account in accounts.items():
        row = snap.get(account_id, {})
        seats = int(row["seats"]) if row.get("seats") is not None else None
        usage = _usage(used.get(account_id, PeriodUsage()), seats, period, settings)
        tier = rules.tier(account.tier) if account.tier else None
        service = service_figures(
            tickets[account_id],
            touches[account_id],
            surveys[account_id],
            (tier.sla.first_response_hours, tier.sla.resolution_hours) if tier else None,
            period.start,
            period.through,
            store.zone,
        )
        own = _own_figures(usage, service)
        features = used.get(account_id, PeriodUsage()).features
        out[account_id] = ReportFigures(
            account_id=account_id,
            account_name=account.name,
            period=period.key,
            kind=period.kind,
            start=period.start,
            end=period.end,
            through=period.through,
            next_period=following.key,
            usage=usage,
            value=value_figures(settings.value_metrics, own, features, row, chinese),
            ranking=ranks[account_id],
            service=service,
            milestones=milestone_figures(
                milestones.get(account_id, []), period.start, period.through, following.start, following.end
            ),
            teams=team_figures(teams.get(account_id), settings.top_teams),
        )
    return out
