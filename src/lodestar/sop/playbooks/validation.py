"""Checks of the `sop` configuration against the rest: stages, metrics, step keys and step order."""

from __future__ import annotations

from collections.abc import Collection

from lodestar.kit.errors import FieldProblem
from lodestar.sop.playbooks.schemas import Outcome, Playbook, SopConfig


def sop_problems(sop: SopConfig, stages: Collection[str], metrics: Collection[str]) -> list[FieldProblem]:
    """Every problem of the playbooks: unknown stage or metric, duplicate keys, unknown or cyclic `after`."""
    problems: list[FieldProblem] = []
    seen: dict[str, int] = {}
    for i, playbook in enumerate(sop.playbooks):
        at = f"sop.playbooks[{i}]"
        if playbook.key in seen:
            problems.append(
                FieldProblem(
                    f"{at}.key",
                    f"duplicate playbook key {playbook.key!r} (also playbooks[{seen[playbook.key]}])",
                )
            )
        seen.setdefault(playbook.key, i)
        stage = playbook.trigger.stage
        if stage is not None and stage not in stages:
            problems.append(
                FieldProblem(f"{at}.trigger.stage", f"unknown stage {stage!r}; known: {', '.join(stages)}")
            )
        problems += _outcome_problems(playbook.outcome, f"{at}.outcome", metrics)
        problems += _step_problems(playbook, at, metrics)
    return problems


def _outcome_problems(outcome: Outcome | None, at: str, metrics: Collection[str]) -> list[FieldProblem]:
    if outcome is None or outcome.metric in metrics:
        return []
    return [FieldProblem(f"{at}.metric", f"unknown metric {outcome.metric!r}")]


def _step_problems(playbook: Playbook, at: str, metrics: Collection[str]) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    position: dict[str, int] = {}
    for j, step in enumerate(playbook.steps):
        where = f"{at}.steps[{j}]"
        if step.key in position:
            problems.append(
                FieldProblem(
                    f"{where}.key", f"duplicate step key {step.key!r} (also steps[{position[step.key]}])"
                )
            )
        position.setdefault(step.key, j)
        metric = step.evidence.metric
        if metric is not None and metric not in metrics:
            problems.append(FieldProblem(f"{where}.evidence.metric", f"unknown metric {metric!r}"))
        problems += _outcome_problems(step.outcome, f"{where}.outcome", metrics)
    for j, step in enumerate(playbook.steps):
        for k, key in enumerate(step.after):
            if key not in position:
                problems.append(FieldProblem(f"{at}.steps[{j}].after[{k}]", f"unknown step {key!r}"))
            elif key == step.key:
                problems.append(FieldProblem(f"{at}.steps[{j}].after[{k}]", "a step cannot follow itself"))
    cycle = find_cycle({s.key: [k for k in s.after if k in position and k != s.key] for s in playbook.steps})
    if cycle:
        j = position[cycle[0]]
        problems.append(
            FieldProblem(
                f"{at}.steps[{j}].after", f"steps follow each other in a cycle: {' -> '.join(cycle)}"
            )
        )
    return problems


def find_cycle(follows: dict[str, list[str]]) -> list[str] | None:
    """A cycle in the 'follows' graph as a closed path (a -> b -> a), or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in follows.get(node, []):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in follows:
        if start not in state and (found := visit(start)):
            return found
    return None
