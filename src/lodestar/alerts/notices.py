"""What a new alert tells, and whom: one Notice per alert that reaches anyone, for the notifications outbox.

The title is the rule's configured name in both languages: `Text("%(name_en)s", name_en=…, name_zh=…)`,
whose catalogue entry is `"%(name_zh)s"` in zh_CN, so any reader's catalogue picks the right name with no
special case. The lines are the evidence sentences (catalogue ids with their values).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.alerts.conditions.evidence import sentences
from lodestar.alerts.schemas import SEVERITIES, AlertRule
from lodestar.auth import service as auth_service
from lodestar.kit.text import Text
from lodestar.notifications.schemas import Notice

CONFIGURED_NAME = "%(name_en)s"  # zh_CN: "%(name_zh)s"


@dataclass(frozen=True)
class NewAlert:
    """An alert just raised, as the notice needs it."""

    id: int
    rule_key: str
    account_id: int
    severity: str
    evidence: str | list[dict[str, Any]]  # the findings' JSON text, or its parsed list


def rule_title(rule: AlertRule) -> Text:
    """The rule's name, shown in the reader's language."""
    return Text(CONFIGURED_NAME, name_en=rule.name, name_zh=rule.name_zh)


def evidence_lines(evidence: str | list[dict[str, Any]] | None) -> list[Text]:
    """The evidence's sentences as Texts (nested labels too), translated where they are shown."""
    return sentences(evidence if isinstance(evidence, str) else json.dumps(evidence or []))


def _rank(severity: str | None) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


@dataclass(frozen=True)
class Audience:
    """Who may be told of alerts on some accounts: each account's owner, each user's active manager, and
    the active users."""

    owners: dict[int, int | None]
    managers: dict[int, int]
    active: set[int]

    def told(self, rule: AlertRule, account_id: int, severity: str) -> list[int]:
        """The people told of an alert of this rule on this account: the owner (when the rule says so) and
        the owner's manager from the rule's severity up."""
        owner = self.owners.get(account_id)
        told: list[int] = []
        if rule.notify.owner and owner is not None and owner in self.active:
            told.append(owner)
        floor = rule.notify.manager_from
        manager = self.managers.get(owner) if owner is not None else None
        if floor is not None and manager is not None and _rank(severity) >= _rank(floor):
            told.append(manager)
        return list(dict.fromkeys(told))


def audience(session: Session, account_ids: set[int]) -> Audience:
    """The people who may hear of alerts on these accounts (no owner is looked up when no one is active)."""
    users = auth_service.list_users(session)
    active = {u.id for u in users if u.active}
    managers = {u.id: u.manager_id for u in users if u.manager_id is not None and u.manager_id in active}
    if not active:  # nobody could be told: the owners of a whole portfolio's new alerts are not read
        return Audience({}, managers, active)
    owners = {a: fact[0] for a, fact in accounts_service.owner_tier_stage(session, account_ids).items()}
    return Audience(owners, managers, active)


def heard(rule: AlertRule, told: Sequence[int]) -> bool:
    """Whether a notice would reach anyone: a person told, or a channel the rule names."""
    return bool(told) or bool(rule.notify.channels)


def notice(rule: AlertRule, alert: NewAlert, told: list[int]) -> Notice:
    """The notice of one new alert: its rule's name, the evidence, a link to the account's alerts, the
    people told and the rule's channels."""
    return Notice(
        key=f"alert:{alert.id}",
        severity=alert.severity,
        title=rule_title(rule),
        lines=evidence_lines(alert.evidence),
        link=f"/accounts/{alert.account_id}#alerts",
        user_ids=told,
        channel_keys=list(rule.notify.channels),
        alert_id=alert.id,
    )


def build_notices(
    session: Session, rules: Mapping[str, AlertRule], alerts: Sequence[NewAlert]
) -> list[Notice]:
    """A notice per new alert that reaches anyone: told to the owner (when the rule says so), the owner's
    manager from the rule's severity up, and the rule's channels. An alert that would reach no one makes no
    notice (notify would write nothing for it), so its evidence is not even worded."""
    if not alerts:
        return []
    people = audience(session, {a.account_id for a in alerts})
    out = []
    for alert in alerts:
        rule = rules[alert.rule_key]
        told = people.told(rule, alert.account_id, alert.severity)
        if heard(rule, told):
            out.append(notice(rule, alert, told))
    return out
