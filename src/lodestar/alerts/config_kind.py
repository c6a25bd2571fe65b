"""The configuration kind `alerts`: rules checked against the metrics, the playbooks and each other."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.orm import Session

from lodestar.alerts.schemas import SNAPSHOT_FIELDS, TEXT_FIELDS, AlertRules, Condition, RuleHolds, Threshold
from lodestar.analytics.metric_columns import known_metrics
from lodestar.config import service as config_service
from lodestar.config.kinds import ConfigDocument, ConfigKind, register
from lodestar.kit.errors import FieldProblem

DEFAULTS = Path(__file__).parent / "defaults"


def _walk(condition: Condition, path: str) -> Iterator[tuple[Condition, str]]:
    yield condition, path
    for i, inner in enumerate(getattr(condition, "conditions", None) or []):
        yield from _walk(inner, f"{path}.conditions.{i}")


def _cycle(rules: AlertRules) -> list[str] | None:
    """A chain of rules that ends where it began through `rule` conditions, if any."""
    refs = {
        r.key: [c.rule for c, _ in _walk(r.when, "when") if isinstance(c, RuleHolds)] for r in rules.rules
    }
    done: set[str] = set()

    def visit(key: str, trail: list[str]) -> list[str] | None:
        if key in trail:
            return [*trail[trail.index(key) :], key]
        if key in done:
            return None
        for ref in refs.get(key, []):
            if (found := visit(ref, [*trail, key])) is not None:
                return found
        done.add(key)
        return None

    for key in refs:
        if (found := visit(key, [])) is not None:
            return found
    return None


def _metric_problems(cond: Condition, path: str, names: set[str] | frozenset[str]) -> list[FieldProblem]:
    """An unknown metric, or a value of the wrong kind for it: numbers against numbers, the text fields
    (grade, stage, tier) against words with == or != only."""
    metric = getattr(cond, "metric", None)
    if metric is None:
        return []
    if metric not in names:
        return [FieldProblem(f"{path}.metric", f"unknown metric {metric!r}")]
    text = metric in TEXT_FIELDS
    if not isinstance(cond, Threshold):
        return (
            [FieldProblem(f"{path}.metric", f"{metric} is text: only a threshold compares it")]
            if text
            else []
        )
    if isinstance(cond.value, str) and not text:
        return [FieldProblem(f"{path}.value", f"{metric} is a number: compare it with a number")]
    if text and not isinstance(cond.value, str):
        return [FieldProblem(f"{path}.value", f"{metric} is text: compare it with a word such as red")]
    if text and cond.op not in ("==", "!="):
        return [FieldProblem(f"{path}.op", "text is compared with == or != only")]
    return []


def alert_problems(doc: ConfigDocument) -> list[FieldProblem]:
    """Metrics, playbooks, stages and rule references the rules name that the rest does not know."""
    rules: AlertRules | None = doc.alerts
    if rules is None:
        return []
    names = known_metrics(doc) | set(SNAPSHOT_FIELDS)
    # A document without playbooks keeps the stored ones, which this check cannot see: it trusts them.
    playbooks = {p.key for p in doc.sop.playbooks} if doc.sop is not None else None
    stages = {s.key for s in doc.lifecycle.stages}
    keys = {r.key for r in rules.rules}
    problems: list[FieldProblem] = []
    for i, rule in enumerate(rules.rules):
        at = f"alerts.rules.{i}"
        for cond, path in _walk(rule.when, f"{at}.when"):
            problems.extend(_metric_problems(cond, path, names))
            if isinstance(cond, RuleHolds) and cond.rule not in keys:
                problems.append(FieldProblem(f"{path}.rule", f"no rule {cond.rule!r}"))
        if rule.playbook is not None and playbooks is not None and rule.playbook not in playbooks:
            problems.append(FieldProblem(f"{at}.playbook", f"no playbook {rule.playbook!r}"))
        for j, stage in enumerate(rule.scope.stages):
            if stage not in stages:
                problems.append(FieldProblem(f"{at}.scope.stages.{j}", f"no stage {stage!r}"))
    if (cycle := _cycle(rules)) is not None:
        problems.append(
            FieldProblem("alerts.rules", "rules build on each other in a cycle: " + " → ".join(cycle))
        )
    return problems


# Documents exported before alerts existed have no `alerts`; applying one leaves the rules as they are.
KIND = register(
    ConfigKind("alerts", AlertRules, DEFAULTS / "alerts.yaml", order=60, check=alert_problems, optional=True)
)


def current(session: Session) -> tuple[AlertRules, int]:
    """The active alert rules and their version (0 for the package defaults)."""
    return config_service.current(session, KIND.name, AlertRules)
