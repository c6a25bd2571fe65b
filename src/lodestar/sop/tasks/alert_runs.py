"""Playbook runs started by raised alerts: many at once, each playbook once per alert."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from lodestar.sop.playbooks import service as playbooks_service
from lodestar.sop.playbooks.triggers import AlertStart, alert_start_occurrences, rules_starting_playbooks
from lodestar.sop.tasks import repository
from lodestar.sop.tasks.runs import create_runs


def start_alert_playbooks(session: Session, starts: Sequence[AlertStart]) -> dict[int, int]:
    """Starts the playbooks of these alerts (the one each rule names, and those whose trigger is the rule's
    key), idempotent by the run's unique key (trigger ref "alert:<id>"); each alert's run by alert id: the
    named playbook's run, else the first run its rule key triggered."""
    if not starts:
        return {}
    config, version = playbooks_service.current_config(session)
    occurrences = alert_start_occurrences(config, starts)
    if not occurrences:
        return {}
    create_runs(session, occurrences, config, version)
    wanted = {(o.ref, o.playbook.key): rank for rank, o in enumerate(occurrences)}
    best: dict[str, tuple[int, int]] = {}  # ref -> (rank of its playbook, run id)
    for run_id, playbook_key, ref in repository.runs_of_refs(session, {o.ref for o in occurrences}):
        rank = wanted.get((ref, playbook_key))
        if rank is not None and (ref not in best or rank < best[ref][0]):
            best[ref] = (rank, run_id)
    return {int(ref.removeprefix("alert:")): run_id for ref, (_, run_id) in best.items()}


def alert_rules_with_playbooks(session: Session, named: Mapping[str, str | None]) -> set[str]:
    """The keys of the alert rules (each with the playbook it names) whose new alerts start a playbook now,
    so a run raising many alerts builds starts only for those."""
    config, _ = playbooks_service.current_config(session)
    return rules_starting_playbooks(config, named)
