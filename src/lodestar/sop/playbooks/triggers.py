"""When playbooks fire: one occurrence per trigger, including stage entries and the stages they pass over."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from lodestar.kit.errors import InvalidInput
from lodestar.sop.playbooks.schemas import Playbook, SopConfig


@dataclass(frozen=True)
class Occurrence:
    """One trigger firing for one account: what the unique run key and the dates come from."""

    playbook: Playbook
    account_id: int
    kind: str  # stage_entered, alert, manual
    ref: str
    on: date
    stage: str | None = None  # None: the account's current stage


def stage_ref(stage: str, on: date) -> str:
    """The trigger ref of a stage entry."""
    return f"stage:{stage}:{on.isoformat()}"


def passed_over(order: Sequence[str], from_stage: str | None, to_stage: str) -> list[str]:
    """The stages strictly between two stages of the model's order (none when the move goes backwards,
    starts nowhere, or leaves the order: at-risk and churn moves pass over nothing)."""
    if from_stage not in order or to_stage not in order:
        return []
    start, end = order.index(from_stage), order.index(to_stage)
    return list(order[start + 1 : end]) if end > start + 1 else []


def stage_occurrences(
    config: SopConfig,
    transitions: Iterable[Mapping[str, Any]],
    first_stage: str,
    contract_order: Sequence[str] = (),
) -> list[Occurrence]:
    """Occurrences of stage entries; an account's first snapshot counts only in the first stage.

    `contract_order` is the order of the stages an account walks through by its contract (at-risk and
    churned left out); a playbook with `also_when_passed_over` fires for a stage a move jumps across.
    """
    by_stage: dict[str, list[Playbook]] = {}
    skipped: dict[str, list[Playbook]] = {}
    for playbook in config.playbooks:
        trigger = playbook.trigger
        if playbook.enabled and trigger.kind == "stage_entered" and trigger.stage:
            by_stage.setdefault(trigger.stage, []).append(playbook)
            if trigger.also_when_passed_over:
                skipped.setdefault(trigger.stage, []).append(playbook)
    out: list[Occurrence] = []
    for move in transitions:
        stage, before = move.get("to_stage"), move.get("from_stage")
        if stage is None:
            continue
        if before is None and stage != first_stage:
            continue  # an existing customer seen for the first time, not a new entry
        on, account = move["on"], int(move["account_id"])
        if skipped:
            for between in passed_over(contract_order, before, stage):
                out.extend(
                    Occurrence(p, account, "stage_entered", stage_ref(between, on), on, between)
                    for p in skipped.get(between, [])
                )
        out.extend(
            Occurrence(p, account, "stage_entered", stage_ref(stage, on), on, stage)
            for p in by_stage.get(stage, [])
        )
    return out


def alert_occurrences(
    config: SopConfig, account_id: int, alert_type: str, ref: str, on: date
) -> list[Occurrence]:
    """Occurrences of one alert of a type on an account: one per enabled playbook it triggers."""
    trigger_ref = f"alert:{ref}"
    if not ref or len(trigger_ref) > 120:
        raise InvalidInput.one("ref", "must be 1-114 characters")
    return [
        Occurrence(p, account_id, "alert", trigger_ref, on)
        for p in config.playbooks
        if p.enabled and p.trigger.kind == "alert" and p.trigger.alert == alert_type
    ]


@dataclass(frozen=True)
class AlertStart:
    """A newly raised alert: its id (the trigger ref is "alert:<id>"), account, rule and the playbook the
    rule names (None: only the playbooks triggered by the rule key start)."""

    alert_id: int
    account_id: int
    rule_key: str
    playbook: str | None
    on: date


def alert_start_occurrences(config: SopConfig, starts: Iterable[AlertStart]) -> list[Occurrence]:
    """For each alert, the playbook its rule names (when enabled) and every enabled playbook whose trigger is
    the rule's key (fire_alert's match): one occurrence each, the named one first."""
    enabled = {p.key: p for p in config.playbooks if p.enabled}
    by_type: dict[str, list[Playbook]] = {}
    for p in enabled.values():
        if p.trigger.kind == "alert" and p.trigger.alert:
            by_type.setdefault(p.trigger.alert, []).append(p)
    out: list[Occurrence] = []
    for start in starts:
        ref = f"alert:{start.alert_id}"
        named = enabled.get(start.playbook) if start.playbook else None
        chosen = [named] if named is not None else []
        chosen += [p for p in by_type.get(start.rule_key, []) if p is not named]
        out.extend(Occurrence(p, start.account_id, "alert", ref, start.on) for p in chosen)
    return out


def rules_starting_playbooks(config: SopConfig, named: Mapping[str, str | None]) -> set[str]:
    """Of these alert rules (each with the playbook it names), the keys whose alerts start an enabled
    playbook: the one named, or one whose trigger is the rule's key (alert_start_occurrences' choice)."""
    enabled = {p.key for p in config.playbooks if p.enabled}
    triggered = {p.trigger.alert for p in config.playbooks if p.enabled and p.trigger.kind == "alert"}
    return {key for key, playbook in named.items() if playbook in enabled or key in triggered}


def enabled_playbook(config: SopConfig, key: str) -> Playbook:
    """The enabled playbook with this key, or InvalidInput naming the known keys."""
    for playbook in config.playbooks:
        if playbook.key == key:
            if not playbook.enabled:
                raise InvalidInput.one("playbook_key", f"playbook {key!r} is disabled")
            return playbook
    known = ", ".join(p.key for p in config.playbooks)
    raise InvalidInput.one("playbook_key", f"unknown playbook {key!r}; known: {known}")


def manual_occurrence(playbook: Playbook, account_id: int, on: date) -> Occurrence:
    """A person's start of a playbook on an account (each start is its own occurrence)."""
    return Occurrence(playbook, account_id, "manual", f"manual:{uuid.uuid4().hex}", on)


# One win-back flow per churn: a churn recorded without a reason, or with a reason no enabled playbook is for
# (a key a company added to the taxonomy), takes the playbooks of "other".
UNKNOWN_REASON = "other"


@dataclass(frozen=True)
class ChurnStart:
    """A win-back just opened: its id (the trigger ref is "winback:<id>"), account, churn reason and day."""

    win_back_id: int
    account_id: int
    reason: str | None
    on: date


def churn_reason_occurrences(config: SopConfig, starts: Iterable[ChurnStart]) -> list[Occurrence]:
    """For each win-back, every enabled playbook whose trigger is its churn reason; when the reason is unknown
    or no playbook is for it, those of "other"."""
    by_reason: dict[str, list[Playbook]] = {}
    for p in config.playbooks:
        if p.enabled and p.trigger.kind == "churn_reason" and p.trigger.reason:
            by_reason.setdefault(p.trigger.reason, []).append(p)
    return [
        Occurrence(p, start.account_id, "churn_reason", f"winback:{start.win_back_id}", start.on)
        for start in starts
        for p in by_reason.get(start.reason or UNKNOWN_REASON) or by_reason.get(UNKNOWN_REASON, [])
    ]


@dataclass(frozen=True)
class RequestStart:
    """A feature request's status change to tell one account that asked: the change's id (the trigger ref is
    "feature_request:<change id>"), the account and the day."""

    change_id: int
    account_id: int
    on: date


def request_ref(change_id: int) -> str:
    """The trigger ref of a feature request's status change."""
    return f"feature_request:{change_id}"


def request_occurrences(config: SopConfig, starts: Iterable[RequestStart]) -> list[Occurrence]:
    """For each status change and account, every enabled playbook triggered by feature-request changes."""
    chosen = [p for p in config.playbooks if p.enabled and p.trigger.kind == "feature_request"]
    return [
        Occurrence(p, s.account_id, "feature_request", request_ref(s.change_id), s.on)
        for s in starts
        for p in chosen
    ]
