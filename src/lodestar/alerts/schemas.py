"""Alert rules as validated configuration (kind `alerts`): conditions, scope, cool-down, who is told.

A condition is one of the leaf forms below (told apart by `kind`) or `all` / `any` of others. The forms
read the daily snapshot (metrics, health score and grade, stage) and the operational records (contacts,
survey answers, tickets, contracts); docs/alerts.md says exactly what each one means.
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

Severity = Literal["info", "warning", "critical"]
SEVERITIES: tuple[Severity, ...] = ("info", "warning", "critical")
Operator = Literal["<", "<=", ">", ">=", "==", "!="]
Direction = Literal["falls", "rises"]
SLUG = r"^[a-z][a-z0-9_]{0,59}$"
# The longest window a condition may look back: the roll-ups and snapshot history the store keeps.
MAX_WINDOW_DAYS = 365


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Threshold(_Strict):
    """A snapshot value compared with a constant: `health_score < 40`, `health_grade == red`."""

    kind: Literal["threshold"]
    metric: str = Field(min_length=1)
    op: Operator
    value: float | str


class Change(_Strict):
    """A snapshot value moved by at least `by` (in its own unit) over `days`: health falls 15 in 14 days."""

    kind: Literal["change"]
    metric: str = Field(min_length=1)
    direction: Direction = "falls"
    by: float = Field(gt=0)
    days: int = Field(ge=1, le=MAX_WINDOW_DAYS)


class Swing(_Strict):
    """A value against the account's own baseline: active users fall 40% vs the mean of the prior 4 weeks."""

    kind: Literal["swing"]
    metric: str = Field(min_length=1)
    direction: Direction = "falls"
    percent: float = Field(gt=0, le=1000)
    baseline_days: int = Field(28, ge=7, le=MAX_WINDOW_DAYS)


class Absence(_Strict):
    """No product activity for at least `days` days (a customer that never was active counts too)."""

    kind: Literal["absence"]
    days: int = Field(ge=1, le=MAX_WINDOW_DAYS)


class ContactLeft(_Strict):
    """A contact of one of these roles left within the last `within_days` days."""

    kind: Literal["contact_left"]
    roles: list[str] = Field(default_factory=lambda: ["champion", "decision_maker"], min_length=1)
    within_days: int = Field(7, ge=1, le=MAX_WINDOW_DAYS)


class NpsDetractor(_Strict):
    """An NPS answer of at most `max_score` within the last `within_days` days."""

    kind: Literal["nps_detractor"]
    max_score: int = Field(6, ge=0, le=10)
    within_days: int = Field(7, ge=1, le=MAX_WINDOW_DAYS)


class TicketSpike(_Strict):
    """Tickets opened in the last `days` days at least `factor` times the account's daily mean over the
    `baseline_days` before them, and at least `min_tickets` (one ticket after a quiet quarter is no spike).
    """

    kind: Literal["ticket_spike"]
    factor: float = Field(3.0, gt=1)
    days: int = Field(7, ge=1, le=90)
    baseline_days: int = Field(90, ge=7, le=MAX_WINDOW_DAYS)
    min_tickets: int = Field(3, ge=1)


class RenewalWindow(_Strict):
    """The account's renewal window opened within the last `within_days` days."""

    kind: Literal["renewal_window"]
    within_days: int = Field(7, ge=1, le=MAX_WINDOW_DAYS)


class ContractEnding(_Strict):
    """The current contract ends within `days` days and no renewing contract follows it yet."""

    kind: Literal["contract_ending"]
    days: int = Field(30, ge=1, le=MAX_WINDOW_DAYS)


class RuleHolds(_Strict):
    """Another rule's condition holds (to build on a rule; a cycle of rules is refused)."""

    kind: Literal["rule"]
    rule: str = Field(pattern=SLUG)


class AllOf(_Strict):
    kind: Literal["all"]
    conditions: list[Condition] = Field(min_length=1)


class AnyOf(_Strict):
    kind: Literal["any"]
    conditions: list[Condition] = Field(min_length=1)


Condition = Annotated[
    Threshold
    | Change
    | Swing
    | Absence
    | ContactLeft
    | NpsDetractor
    | TicketSpike
    | RenewalWindow
    | ContractEnding
    | RuleHolds
    | AllOf
    | AnyOf,
    Field(discriminator="kind"),
]
AllOf.model_rebuild()
AnyOf.model_rebuild()


class Scope(_Strict):
    """Which accounts a rule watches; an empty list means no limit on that field."""

    tiers: list[str] = Field(default_factory=list)
    stages: list[str] = Field(default_factory=list)
    plans: list[str] = Field(default_factory=list)
    industries: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)


class Recipients(_Strict):
    """Who is told: the account's owner, the owner's manager from a severity up, named channels."""

    owner: bool = True
    manager_from: Severity | None = "critical"
    channels: list[str] = Field(default_factory=list)


class AlertRule(_Strict):
    """One alert rule: a condition over the snapshot, its severity, cool-down, recipients and playbook."""

    key: str = Field(pattern=SLUG)
    name: str = Field(min_length=1, max_length=120)
    name_zh: str = Field(min_length=1, max_length=120)
    description: str = ""
    description_zh: str = ""
    enabled: bool = True
    severity: Severity = "warning"
    when: Condition
    scope: Scope = Field(default_factory=Scope)
    # After an alert is resolved, no new alert of the rule on the account for this many days.
    cooldown_days: int = Field(14, ge=0, le=MAX_WINDOW_DAYS)
    # An open alert resolves itself once its condition has not held for this many days (0: by hand only).
    resolve_after_days: int = Field(7, ge=0, le=MAX_WINDOW_DAYS)
    notify: Recipients = Field(default_factory=Recipients)
    playbook: str | None = Field(None, pattern=SLUG)


class AlertRules(_Strict):
    """The alert rules of the company (kind `alerts`)."""

    rules: list[AlertRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _keys_unique(self) -> Self:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.key in seen:
                raise ValueError(f"rule key {rule.key!r} is used twice")
            seen.add(rule.key)
        return self

    def rule(self, key: str) -> AlertRule | None:
        """The rule of this key, if any."""
        return next((r for r in self.rules if r.key == key), None)


# What a condition may name besides the metrics: the snapshot's health, stage and tier columns, by the
# names users know them under (the snapshot file stores the health score as `score`, its grade as `grade`).
SNAPSHOT_FIELDS: dict[str, str] = {
    "health_score": "score",
    "health_grade": "grade",
    "co_score": "co_score",
    "cx_score": "cx_score",
    "health_coverage": "coverage",
    "stage": "stage",
    "tier": "tier",
}
# The snapshot fields whose values are words (compared with == or != only); every other one is a number.
TEXT_FIELDS = frozenset({"health_grade", "stage", "tier"})
