"""What the alert inbox reads and sends: an alert with its account, owner and rule; the actions' inputs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lodestar.alerts.evidence_text import evidence_texts
from lodestar.alerts.schemas import Severity
from lodestar.kit.text import Text

# `live` is every alert that is not resolved (open, acknowledged, snoozed).
StateFilter = Literal["live", "open", "acknowledged", "snoozed", "resolved", "all"]
STATE_FILTERS: tuple[str, ...] = ("live", "open", "acknowledged", "snoozed", "resolved", "all")
MAX_BULK = 200


class AlertRead(BaseModel):
    """One alert as a reader sees it: its rule's names, the account, its owner and ARR, the evidence."""

    id: int
    rule_key: str
    rule_name: str  # the rule's name (English), or its key when the rule is no longer configured
    rule_name_zh: str
    severity: Severity
    state: str
    account_id: int
    account_name: str
    owner_id: int | None
    owner_name: str | None
    account_arr: float | None
    raised_on: date
    raised_at: datetime
    last_seen_on: date
    # As stored: [{"msgid", "values"}]; `evidence_text` is the same in the reader's language.
    evidence: list[dict[str, Any]] = Field(default_factory=list)
    evidence_text: list[str] = Field(default_factory=list)
    acknowledged_at: datetime | None = None
    acknowledged_by: int | None = None
    snoozed_until: date | None = None
    resolved_on: date | None = None
    resolved_at: datetime | None = None
    resolved_by: int | None = None
    resolve_reason: str | None = None
    playbook_run_id: int | None = None

    def sentences(self) -> list[Text]:
        """The evidence as sentences a page translates."""
        return evidence_texts(self.evidence)

    def rule_label(self, chinese: bool) -> str:
        """The rule's name in the reader's language."""
        return self.rule_name_zh if chinese else self.rule_name


class AlertPage(BaseModel):
    """One page of alerts and how many match in all."""

    items: list[AlertRead]
    total: int


class SnoozeIn(BaseModel):
    """Hide an alert until a day after today (it stays live)."""

    model_config = ConfigDict(extra="forbid")

    until: date


class ResolveIn(BaseModel):
    """Close an alert by hand; the reason is required."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=1, max_length=2_000)


class BulkAcknowledgeIn(BaseModel):
    """Acknowledge many open alerts at once: all of them, or none."""

    model_config = ConfigDict(extra="forbid")

    alert_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(min_length=1, max_length=MAX_BULK)


class BulkAcknowledged(BaseModel):
    """The alerts acknowledged."""

    alert_ids: list[int]


class AlertCounts(BaseModel):
    """The viewer's alerts that need attention (open or acknowledged, not snoozed): by severity, how many
    are new (not yet acknowledged), and the newest few."""

    by_severity: dict[str, int]
    new: int
    total: int
    newest: list[AlertRead]
