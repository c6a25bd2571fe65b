"""The entry point: which rules hold for which accounts on a date, with evidence in words and numbers.

Each condition is judged once for every account of the date's snapshot at a time (arrays, one grouped
query per form), never account by account; a rule's scope then keeps the accounts it watches.
docs/alerts.md ("Conditions") says what each form means.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from datetime import date, tzinfo
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy.orm import Session

from lodestar.alerts.conditions import contract_forms, engagement_forms, metric_forms
from lodestar.alerts.conditions.account_frame import AccountFrame, Reads
from lodestar.alerts.conditions.evidence import texts
from lodestar.alerts.conditions.outcome import Outcome, all_of, any_of
from lodestar.alerts.conditions.scope import scope_reads, watched
from lodestar.alerts.schemas import AlertRule, AlertRules, AllOf, AnyOf, Condition, RuleHolds
from lodestar.settings import get_settings

# The findings table: one row per (rule, account) whose condition holds on the date.
FINDINGS = pa.schema(
    [
        ("rule_key", pa.string()),
        ("account_id", pa.int64()),
        # JSON text: [{"msgid": "active users %(before)s → %(now)s (%(pct)s) vs the prior 4 weeks",
        #              "values": {...}}] — sentences a page or message renders in the reader's language.
        ("evidence", pa.string()),
    ]
)

Judge = Callable[[AccountFrame, Any], Outcome]
Needs = Callable[[AccountFrame, Any], Reads]


def _none(frame: AccountFrame, cond: Any) -> Reads:
    """A form over the operational tables reads nothing of the snapshot store."""
    return []


# Each leaf form: how it is judged, and what it reads of the snapshot store (read before, once per date).
FORMS: dict[str, tuple[Judge, Needs]] = {
    "threshold": (metric_forms.threshold, metric_forms.threshold_reads),
    "change": (metric_forms.change, metric_forms.change_reads),
    "swing": (metric_forms.swing, metric_forms.swing_reads),
    "absence": (engagement_forms.absence, engagement_forms.absence_reads),
    "contact_left": (engagement_forms.contact_left, _none),
    "nps_detractor": (engagement_forms.nps_detractor, _none),
    "ticket_spike": (engagement_forms.ticket_spike, _none),
    "renewal_window": (contract_forms.renewal_window, contract_forms.renewal_window_reads),
    "contract_ending": (contract_forms.contract_ending, _none),
}


class Conditions:
    """Judges conditions over one frame, each distinct condition once (rules that share a leaf, or build
    on another rule, reuse its outcome)."""

    def __init__(self, frame: AccountFrame, rules: AlertRules) -> None:
        self.frame, self.rules = frame, {r.key: r for r in rules.rules}
        self._done: dict[str, Outcome] = {}
        self._open: list[str] = []  # rules being judged, to refuse a cycle config_kind let through

    def of_rule(self, key: str) -> Outcome:
        """The outcome of a rule's condition (its scope aside)."""
        rule = self.rules.get(key)
        if rule is None:
            raise ValueError(f"a condition names the rule {key!r}, which does not exist")
        if key in self._open:
            raise ValueError("rules build on each other in a cycle: " + " → ".join([*self._open, key]))
        self._open.append(key)
        try:
            return self.of(rule.when)
        finally:
            self._open.pop()

    def of(self, cond: Condition) -> Outcome:
        """The outcome of a condition: a leaf form, all/any of others, or another rule's."""
        key = cond.model_dump_json()
        if key not in self._done:
            if isinstance(cond, RuleHolds):
                outcome = self.of_rule(cond.rule)
            elif isinstance(cond, AllOf | AnyOf):
                parts = [self.of(c) for c in cond.conditions]
                outcome = all_of(parts) if isinstance(cond, AllOf) else any_of(parts)
            else:
                outcome = FORMS[cond.kind][0](self.frame, cond)
            self._done[key] = outcome
        return self._done[key]


def _leaves(cond: Condition, rules: dict[str, AlertRule], seen: set[str]) -> Iterator[Condition]:
    """The leaf conditions under a condition, through the rules it names (each rule once)."""
    if isinstance(cond, AllOf | AnyOf):
        for inner in cond.conditions:
            yield from _leaves(inner, rules, seen)
    elif isinstance(cond, RuleHolds):
        if cond.rule in rules and cond.rule not in seen:
            seen.add(cond.rule)
            yield from _leaves(rules[cond.rule].when, rules, seen)
    else:
        yield cond


def _reads(frame: AccountFrame, rules: AlertRules, enabled: list[AlertRule]) -> Reads:
    """Every (date, column) the enabled rules read: their scopes' and their leaf forms'."""
    by_key, seen = {r.key: r for r in rules.rules}, set[str]()
    reads = [read for rule in enabled for read in scope_reads(frame, rule.scope)]
    for rule in enabled:
        for leaf in _leaves(rule.when, by_key, seen):
            reads += FORMS[leaf.kind][1](frame, leaf)
    return reads


def _findings(rule: AlertRule, frame: AccountFrame, outcome: Outcome) -> pa.Table:
    """The rule's rows: accounts it watches where its condition holds, each with its evidence."""
    keep = outcome.holds & watched(frame, rule.scope)
    positions, evidence = texts(outcome.sentences, keep)
    return pa.table(
        {
            "rule_key": pa.array([rule.key] * len(positions), pa.string()),
            "account_id": pa.array(frame.ids[positions], pa.int64()),
            "evidence": evidence,
        },
        schema=FINDINGS,
    )


def evaluate(
    session: Session,
    root: Path,
    rules: AlertRules,
    as_of: date,
    account_ids: Collection[int] | None = None,
    zone: tzinfo | None = None,
) -> pa.Table:
    """Every enabled rule's condition on `as_of` over the accounts (all, or these): the rows that hold.

    Windows over tickets and answers are company-zone days (`zone`, else the settings' time zone).
    """
    enabled = [r for r in rules.rules if r.enabled]
    if not enabled:
        return FINDINGS.empty_table()
    session.flush()  # rows read below by plain statements include what the session holds
    frame = AccountFrame(session, root, as_of, zone or get_settings().zone, account_ids)
    frame.open(_reads(frame, rules, enabled))
    if not len(frame):
        return FINDINGS.empty_table()
    conditions = Conditions(frame, rules)
    parts = [_findings(rule, frame, conditions.of_rule(rule.key)) for rule in enabled]
    return pa.concat_tables(parts)
