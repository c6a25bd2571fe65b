"""Pydantic models: the `value_reports` configuration, a report's figures, narrative, links."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Locale = Literal["en", "zh_CN"]
KEY = r"^[a-z][a-z0-9_]{0,59}$"
TRAIT = r"^[A-Za-z_][A-Za-z0-9_]{0,59}$"  # a key of an identify call's traits
# The period's own figures a value metric may multiply (besides `feature:<event>` and snapshot metrics).
REPORT_METRICS = (
    "events",
    "active_users",
    "logins",
    "data_created",
    "trainings",
    "touches",
    "tickets_resolved",
)
FEATURE_PREFIX = "feature:"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ValueMetric(_Strict):
    """A result the customer got, as `metric × multiplier ÷ divisor` (e.g. hours saved = workflows run ×
    12 minutes ÷ 60), the formula stated in the report."""

    key: str = Field(pattern=KEY)
    label: str = Field(min_length=1, max_length=80)
    label_zh: str = Field(min_length=1, max_length=80)
    metric: str = Field(
        min_length=1, max_length=120, description="A report figure, feature:<event> or a metric."
    )
    multiplier: float = Field(1.0, gt=0, allow_inf_nan=False)
    divisor: float = Field(1.0, gt=0, allow_inf_nan=False)
    unit: str = Field("", max_length=40)
    unit_zh: str = Field("", max_length=40)
    note: str = Field("", max_length=200, description="What the multiplier means, e.g. minutes saved each.")
    note_zh: str = Field("", max_length=200)


class ValueReportSettings(_Strict):
    """Value metrics, the events that create data, the size bands of peers and the ranking metric."""

    value_metrics: list[ValueMetric] = Field(default_factory=list)
    creation_features: list[str] = Field(default_factory=list)
    size_bands: list[int] = Field(default_factory=lambda: [100, 500, 2000])
    ranking_metric: str = Field("active_user_ratio_30d", min_length=1, max_length=80)
    top_features: int = Field(5, ge=1, le=20)
    link_days: int = Field(30, ge=1, le=365)
    team_traits: list[Annotated[str, Field(pattern=TRAIT)]] = Field(
        default_factory=lambda: ["department", "team"],
        max_length=5,
        description="User traits (identify calls) that name a user's team, the first one present wins.",
    )
    top_teams: int = Field(10, ge=1, le=50)


class FeatureCount(BaseModel):
    """A feature and its events in the period."""

    name: str
    events: int


class UsageFigures(BaseModel):
    """Process data: seats, active users, logins (active user-days), usage volume, top features, data."""

    seats: int | None
    active_users: int
    active_share: float | None  # active users / seats
    logins: int
    events: int
    data_created: int
    top_features: list[FeatureCount]
    buckets: list[tuple[str, int]]  # (first day of the week or month, events) for the chart


class ValueFigure(BaseModel):
    """One value metric's result with its formula."""

    key: str
    label: str
    metric: str
    input_value: float
    multiplier: float
    divisor: float
    value: float
    unit: str
    note: str
    input_label: str = ""  # the input's metric label; a feature's input is its event name, shown as code


class RankingFigures(BaseModel):
    """The account's percentile among peers of its industry and size band (anonymous)."""

    metric: str
    value: float | None
    percentile: float | None  # 0-100: the share of peers the account is ahead of
    peers: int  # other accounts compared
    industry: str | None
    size_band: str
    metric_label: str = ""  # the ranking metric's label (English; pages and PDFs translate it)


class TeamLine(BaseModel):
    """One of the customer's teams in the period: its rank, active users and their usage."""

    rank: int
    name: str
    active_users: int
    events: int
    events_per_user: float


class TeamFigures(BaseModel):
    """The customer's own teams ranked by usage per active user (the top ones; the rest counted), and the
    active users whose team nobody named."""

    teams: list[TeamLine]
    other_teams: int
    other_users: int
    users_without_team: int


class ServiceFigures(BaseModel):
    """Tickets against the tier's SLA, touches, trainings and NPS in the period."""

    tickets_opened: int
    tickets_resolved: int
    resolution_rate: float | None
    first_response_hours: float | None  # median
    resolution_hours: float | None  # median
    sla_first_response_hours: float | None
    sla_resolution_hours: float | None
    first_response_in_sla: float | None  # share of responded tickets
    resolved_in_sla: float | None  # share of resolved tickets
    touches: int
    visits: int
    trainings: int
    nps: float | None  # promoters % - detractors %
    nps_answers: int


class MilestoneLine(BaseModel):
    """A milestone as the report lists it."""

    title: str
    target_on: date
    reached_on: date | None
    status: str


class MilestoneFigures(BaseModel):
    """Milestones due in the period reached (on time or late) and missed, and those of the next period."""

    reached: list[MilestoneLine]
    missed: list[MilestoneLine]
    next: list[MilestoneLine]


class ReportFigures(BaseModel):
    """Every figure of one account's report for one period."""

    account_id: int
    account_name: str
    period: str
    kind: str
    start: date
    end: date
    through: date
    next_period: str
    usage: UsageFigures
    value: list[ValueFigure]
    ranking: RankingFigures
    service: ServiceFigures
    milestones: MilestoneFigures
    teams: TeamFigures | None = None  # None: no user's team is known (reports published before: none)


class NarrativeUpdate(_Strict):
    """What the CSM writes: highlights and the plan for the next period, and the report's language."""

    locale: Locale = "en"
    highlights: str | None = Field(None, max_length=4000)
    next_plan: str | None = Field(None, max_length=4000)


class ReportRead(BaseModel):
    """A stored report (draft or published) with its figures as published."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    account_id: int
    period: str
    locale: str
    status: str
    highlights: str | None
    next_plan: str | None
    published_at: datetime | None
    figures: dict | None


class LinkCreate(_Strict):
    """A share link's lifetime in days (the configured default when left out)."""

    days: int | None = Field(None, ge=1, le=365)


class LinkRead(BaseModel):
    """A share link: its URL path, expiry, revocation, page views and PDF downloads."""

    id: int
    report_id: int
    path: str | None  # only when just made: the token is not stored
    expires_on: date
    revoked_at: datetime | None
    views: int
    downloads: int = 0
