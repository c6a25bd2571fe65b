"""The entry point: which rules hold for which accounts on a date, with evidence in words and numbers.

Each condition is judged once for every account of the date's snapshot at a time (arrays, one grouped
query per form), never account by account; a rule's scope then keeps the accounts it watches.
docs/alerts.md ("Conditions") says what each form means.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date, tzinfo
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy.orm import Session

from lodestar.alerts.conditions import contract_forms, engagement_forms, metric_forms
from lodestar.alerts.conditions.account_frame import AccountFrame
from lodestar.alerts.conditions.evidence import texts
from lodestar.alerts.conditions.outcome import Outcome, all_of, any_of
from lodestar.alerts.conditions.scope import watched
from lodestar.alerts.schemas import AlertRule, AlertRules, Condition
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

FORMS: dict[str, Callable[[AccountFrame, Any], Outcome]] = {
    "threshold": metric_forms.threshold,
    "change": metric_forms.change,
    "swing": metric_forms.swing,
    "absence": engagement_forms.absence,
    "contact_left": engagement_forms.contact_left,
    "nps_detractor": engagement_forms.nps_detractor,
    "ticket_spike": engagement_forms.ticket_spike,
    "renewal_window": contract_forms.renewal_window,
    "contract_ending": contract_forms.contract_ending,
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
            if cond.kind == "rule":
                outcome = self.of_rule(cond.rule)
            elif cond.kind in ("all", "any"):
                parts = [self.of(c) for c in cond.conditions]
                outcome = all_of(parts) if cond.kind == "all" else any_of(parts)
            else:
                outcome = FORMS[cond.kind](self.frame, cond)
            self._done[key] = outcome
        return self._done[key]


def _findings(rule: AlertRule, frame: AccountFrame, outcome: Outcome) -> pa.Table:
    keep = outcome.holds & watched(frame, rule.scope)
    positions, evidence = texts(outcome.sentences, keep)
    return pa.table(
        {
            "rule_key": pa.array([rule.key] * len(positions), pa.string()),
            "account_id": pa.array(frame.ids[positions], pa.int64()),
            "evidence": pa.array(evidence, pa.string()),
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
    frame = AccountFrame(session, root, as_of, zone or get_settings().zone, account_ids)
    enabled = [r for r in rules.rules if r.enabled]
    if not len(frame) or not enabled:
        return FINDINGS.empty_table()
    conditions = Conditions(frame, rules)
    parts = [_findings(rule, frame, conditions.of_rule(rule.key)) for rule in enabled]
    return pa.concat_tables(parts)
