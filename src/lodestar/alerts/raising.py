"""Raising alerts from a date's findings: signals for every date, alerts and their episodes for the present.

For every evaluated date the date's signals become the findings (the history the backtest reads). Only on
the present date (see snapshot_step.present_date) do alerts change, all set-based (alerts/episodes.py):
alerts of removed or disabled rules resolve; snoozed alerts whose snooze ended open again; live alerts
whose condition holds are seen again with fresh evidence; live alerts not seen for their rule's
resolve_after_days resolve by themselves and start the rule's cool-down; findings with no live alert and no
cool-down running become new alerts, which start their playbook once, write their audit entries and hand
their notices to the outbox, all in the caller's transaction. The same date twice raises nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from lodestar.alerts import episodes, notices, raised_audit, reasons, signal_sets
from lodestar.alerts.schemas import AlertRule, AlertRules
from lodestar.auth import service as auth_service
from lodestar.kit.time import utcnow
from lodestar.notifications import service as notifications_service
from lodestar.notifications.schemas import Notice
from lodestar.sop import service as sop_service

ENTITY = raised_audit.ENTITY


@dataclass
class RaiseReport:
    """What raising on one date changed (rows of signals; alerts by what happened to them)."""

    as_of: date
    present: bool
    signals: int = 0  # signal rows deleted or added
    raised: list[int] = field(default_factory=list)  # new alert ids
    seen: int = 0  # live alerts whose condition held again
    resolved: list[int] = field(default_factory=list)  # resolved by themselves or with their rule
    woken: list[int] = field(default_factory=list)  # snoozed alerts open again
    playbook_runs: int = 0  # alerts that started a playbook
    notices: int = 0


def _enabled(rules: AlertRules) -> dict[str, AlertRule]:
    return {r.key: r for r in rules.rules if r.enabled}


def kept_findings(findings: pa.Table, rules: dict[str, AlertRule]) -> pa.Table:
    """The findings of enabled rules, once per rule and account, with each rule's severity."""
    findings = findings.select(["rule_key", "account_id", "evidence"]).combine_chunks()
    findings = findings.filter(pc.is_in(findings.column("rule_key"), pa.array(sorted(rules), pa.string())))
    findings = findings.sort_by([("rule_key", "ascending"), ("account_id", "ascending")])
    keys, ids = findings.column("rule_key").to_numpy(zero_copy_only=False), findings.column("account_id")
    ids_np = ids.to_numpy()
    repeat = np.zeros(len(ids_np), dtype=bool)
    if len(ids_np) > 1:
        repeat[1:] = (keys[1:] == keys[:-1]) & (ids_np[1:] == ids_np[:-1])
    findings = findings.filter(pa.array(~repeat))
    severity = [rules[k].severity for k in findings.column("rule_key").to_pylist()]
    return findings.append_column("severity", pa.array(severity, pa.string())).select(
        ["rule_key", "account_id", "severity", "evidence"]
    )


def raise_alerts(
    session: Session,
    rules: AlertRules,
    rules_version: int,
    as_of: date,
    findings: pa.Table,
    present: bool,
    accounts_evaluated: pa.Array | None = None,
) -> RaiseReport:
    """Records the date's signals and, on the present date, raises, refreshes and resolves alerts.

    `findings` is what alerts.conditions.evaluate returned (rule_key, account_id, evidence);
    `accounts_evaluated` limits every change to these accounts (None: every account was evaluated).
    """
    enabled = _enabled(rules)
    kept = kept_findings(findings, enabled)
    report = RaiseReport(as_of, present)
    with episodes.staged_accounts(session, accounts_evaluated) as accounts:
        report.signals = signal_sets.replace_signals(session, as_of, rules_version, kept, accounts_evaluated)
        if not present:
            return report
        now = utcnow()
        with episodes.staged_findings(session, kept) as staging:
            gone = episodes.resolve_rules_gone(session, set(enabled), as_of, now, accounts)
            woken = episodes.wake_snoozed(session, as_of, accounts)
            report.seen = episodes.refresh_held(session, staging, as_of)
            cleared = [
                found
                for rule in enabled.values()
                for found in episodes.resolve_cleared(session, rule, as_of, now, accounts)
            ]
            new = episodes.insert_new(session, staging, rules_version, as_of, now)
    report.resolved = sorted(i for i, _ in gone + cleared)
    report.woken = [i for i, _ in woken]
    report.raised = [i for i, *_ in new]
    _audit_changes(session, enabled, as_of, gone, cleared, woken)
    report.playbook_runs = _start_playbooks(session, enabled, new, as_of)
    raised_audit.audit_raised(session, as_of, report.raised)  # after the runs: entries name them
    told = _notices(session, enabled, new, kept)
    notifications_service.notify(session, told)
    report.notices = len(told)
    return report


def _start_playbooks(
    session: Session, rules: dict[str, AlertRule], new: list[tuple[int, str, int, str]], as_of: date
) -> int:
    """Starts each new alert's playbooks once and records the run on the alert; alerts that started one.

    Starts are built only for the rules whose alerts start a playbook at all: a portfolio's alerts of rules
    without one cost nothing here."""
    named = {k: r.playbook for k, r in rules.items()}
    starting = sop_service.alert_rules_with_playbooks(session, named)
    starts = [
        sop_service.AlertStart(i, a, k, rules[k].playbook, as_of) for i, k, a, _ in new if k in starting
    ]
    runs = sop_service.start_alert_playbooks(session, starts)
    episodes.set_playbook_runs(session, runs)
    return len(runs)


def _notices(
    session: Session, rules: dict[str, AlertRule], new: list[tuple[int, str, int, str]], kept: pa.Table
) -> list[Notice]:
    """The notices of the new alerts that reach anyone (build_notices' choice); only theirs read evidence."""
    if not new:
        return []
    people = notices.audience(session, {a for _, _, a, _ in new})
    heard = []
    for alert_id, key, account_id, severity in new:
        told = people.told(rules[key], account_id, severity)
        if notices.heard(rules[key], told):
            heard.append((alert_id, key, account_id, severity, told))
    if not heard:
        return []
    evidence = _evidence_of(kept)
    return [
        notices.notice(rules[k], notices.NewAlert(i, k, a, s, evidence[(k, a)]), told)
        for i, k, a, s, told in heard
    ]


def _evidence_of(kept: pa.Table) -> dict[tuple[str, int], str]:
    columns = (kept.column(n).to_pylist() for n in ("rule_key", "account_id", "evidence"))
    return {(k, a): e for k, a, e in zip(*columns, strict=True)}


def _audit_changes(
    session: Session,
    rules: dict[str, AlertRule],
    as_of: date,
    gone: list[tuple[int, str]],
    cleared: list[tuple[int, str]],
    woken: list[tuple[int, date]],
) -> None:
    """The system's audit entries (no actor) for the alerts that resolved or woke up on as_of."""
    on = as_of.isoformat()
    resolved = [(i, {"rule": k, "resolved_on": on, "reason": str(reasons.rule_gone())}) for i, k in gone]
    resolved += [
        (i, {"rule": k, "resolved_on": on, "reason": str(reasons.cleared(rules[k].resolve_after_days))})
        for i, k in cleared
    ]
    auth_service.record_many(session, None, "alert.resolve", ENTITY, resolved)
    ended = [(i, {"snoozed_until": until.isoformat() if until else None}) for i, until in woken]
    auth_service.record_many(session, None, "alert.snooze_end", ENTITY, ended)
