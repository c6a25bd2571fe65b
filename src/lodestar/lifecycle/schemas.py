"""Lifecycle models as validated configuration: stages, contract-phase rules, at-risk override, win-back."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

# The phases the engine computes; a model's stages each cover one or more of them.
Phase = Literal["handover", "onboarding", "growth", "maturity", "at_risk", "renewal", "churned"]
Grade = Literal["green", "yellow", "red"]
PHASES: tuple[str, ...] = ("handover", "onboarding", "growth", "maturity", "at_risk", "renewal", "churned")
LEAD_POOL = "lead_pool"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Stage(_Strict):
    """One stage of the model: a key, labels in both languages, and the phases it covers."""

    key: str = Field(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1)
    label_zh: str | None = None
    covers: list[Phase] = Field(min_length=1)


class GoLive(_Strict):
    """Onboarding criteria met: a metric reaching a value (e.g. activation)."""

    metric: str = Field(min_length=1)
    at_least: float


class PhaseRules(_Strict):
    """Contract-phase rules; days count from the start of the account's first contract in a chain."""

    onboarding_after_days: int = Field(default=14, ge=0)
    growth_after_days: int = Field(default=90, gt=0)
    go_live: GoLive | None = None
    maturity_after_days: int = Field(default=120, gt=0)
    maturity_grades: list[Grade] = Field(default_factory=lambda: list[Grade](["green"]))
    renewal_share: float | None = Field(default=1 / 3, gt=0, lt=1)
    renewal_lead_days: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_renewal_rule(self) -> Self:
        if (self.renewal_share is None) == (self.renewal_lead_days is None):
            raise ValueError("set exactly one of renewal_share and renewal_lead_days")
        if self.onboarding_after_days >= self.growth_after_days:
            raise ValueError("onboarding_after_days must be < growth_after_days")
        return self


class AtRisk(_Strict):
    """Status override with hysteresis: enter below a score, leave above a higher one for K snapshots."""

    enter_below: float = Field(default=40, gt=0, le=100)
    leave_above: float = Field(default=55, gt=0, le=100)
    leave_after: int = Field(default=2, ge=1)
    inactive_days: int | None = Field(default=30, gt=0)

    @model_validator(mode="after")
    def _gap(self) -> Self:
        if self.leave_above < self.enter_below:
            raise ValueError("leave_above must be >= enter_below")
        return self


class Churn(_Strict):
    """After a contract ends without renewal: the win-back window (30-90 days), then the sales lead pool."""

    win_back_days: int = Field(default=90, ge=30, le=90)


class LifecycleModel(_Strict):
    """A lifecycle model: its stages, the contract-phase rules, the at-risk override and churn handling."""

    name: str = Field(min_length=1, max_length=60)
    stages: list[Stage] = Field(min_length=2)
    # The key stays `timeline`: stored configuration versions and exported YAML files use it.
    timeline: PhaseRules = Field(default_factory=PhaseRules)
    at_risk: AtRisk = Field(default_factory=AtRisk)
    churn: Churn = Field(default_factory=Churn)

    @model_validator(mode="after")
    def _covers_each_phase_once(self) -> Self:
        keys = [s.key for s in self.stages]
        if len(set(keys)) != len(keys) or LEAD_POOL in keys:
            raise ValueError(f"stage keys must be unique and not {LEAD_POOL!r}")
        covered = [p for s in self.stages for p in s.covers]
        twice = sorted({p for p in covered if covered.count(p) > 1})
        missing = [p for p in PHASES if p not in covered and p != "at_risk"]
        if twice or missing:
            raise ValueError(
                "every phase but at_risk must be covered exactly once"
                + (f"; covered twice: {', '.join(twice)}" if twice else "")
                + (f"; not covered: {', '.join(missing)}" if missing else "")
            )
        return self

    def stage_of(self, phase: str) -> str | None:
        """The key of the stage covering a phase (None when no stage covers it)."""
        return next((s.key for s in self.stages if phase in s.covers), None)
