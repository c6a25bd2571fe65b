"""The signals of a span of dates for the backtest: stored ones where they still answer for the rules, the
rest evaluated live (and not stored).

A date's stored signals answer for a rule when every signal of the date carries the active rules version
and the rule's condition and scope are those of the active version (and so are the rules it builds on). A
rule being edited (the editor's preview) is therefore evaluated live, the others read from the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from lodestar.alerts import config_kind, signal_sets
from lodestar.alerts.conditions.evaluate import evaluate
from lodestar.alerts.schemas import AlertRule, AlertRules
from lodestar.kit.progress import Progress, silent

SIGNALS = pa.schema([("as_of", pa.date32()), ("rule_key", pa.string()), ("account_id", pa.int64())])


def _refs(rule: AlertRule) -> set[str]:
    """The rules a rule's condition builds on (`rule` conditions, at any depth)."""
    found, todo = set(), [rule.when]
    while todo:
        cond = todo.pop()
        if cond.kind == "rule":
            found.add(cond.rule)
        todo.extend(getattr(cond, "conditions", None) or [])
    return found


def _closure(keys: set[str], edges: dict[str, set[str]]) -> set[str]:
    seen, todo = set(keys), list(keys)
    while todo:
        for nxt in edges.get(todo.pop(), set()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _fresh_rules(rules: AlertRules, active: AlertRules) -> tuple[set[str], AlertRules | None]:
    """The enabled rules whose stored signals answer, and the rules to evaluate live for the others (with
    the rules they build on), or None when every rule's stored signals answer."""
    enabled = {r.key: r for r in rules.rules if r.enabled}
    before = {r.key: r for r in active.rules if r.enabled}
    changed = {
        k
        for k, r in enabled.items()
        if k not in before or (r.when, r.scope) != (before[k].when, before[k].scope)
    }
    refs = {k: _refs(r) for k, r in enabled.items()}
    users: dict[str, set[str]] = {}
    for k, targets in refs.items():
        for t in targets:
            users.setdefault(t, set()).add(k)
    stale = _closure(changed, users) & set(enabled)
    if not stale:
        return set(enabled), None
    needed = _closure(stale, refs)
    live = AlertRules(rules=[r for r in rules.rules if r.key in needed])
    return set(enabled) - stale, live


def stored_dates(session: Session, days: Sequence[date], version: int) -> set[date]:
    """The dates whose every stored signal carries this rules version."""
    return signal_sets.stored_dates(session, days, version)


def stored_signals(session: Session, days: Sequence[date], rule_keys: set[str]) -> pa.Table:
    """The stored signals of these dates and rules."""
    if not days or not rule_keys:
        return SIGNALS.empty_table()
    return signal_sets.signal_rows(session, days, rule_keys).select(SIGNALS.names)


def _live(session: Session, root: Path, rules: AlertRules, day: date, keys: set[str]) -> pa.Table:
    found = evaluate(session, root, rules, day)
    found = found.filter(pc.is_in(found.column("rule_key"), pa.array(sorted(keys), pa.string())))
    n = found.num_rows
    return pa.table(
        [
            pa.array([day] * n, pa.date32()),
            found.column("rule_key").cast(pa.string()),
            found.column("account_id"),
        ],
        schema=SIGNALS,
    )


def signal_history(
    session: Session, root: Path, rules: AlertRules, days: Sequence[date], progress: Progress = silent
) -> pa.Table:
    """(as_of, rule_key, account_id) of every enabled rule's condition holding on each of these dates."""
    active, version = config_kind.current(session)
    fresh, live_rules = _fresh_rules(rules, active)
    enabled = {r.key for r in rules.rules if r.enabled}
    stored = stored_dates(session, days, version)
    parts = [stored_signals(session, sorted(stored), fresh)]
    progress(0, total=len(days))
    for day in sorted(days):
        if day not in stored:
            parts.append(_live(session, root, rules, day, enabled))
        elif live_rules is not None:
            parts.append(_live(session, root, live_rules, day, enabled - fresh))
        progress(1, note=str(day))
    return pa.concat_tables(parts)
