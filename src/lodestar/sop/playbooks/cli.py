"""`lodestar sop playbooks`: the active playbooks, their triggers and steps."""

from __future__ import annotations

from lodestar.cli_support import JsonOpt, context, emit


def playbooks(as_json: JsonOpt = False) -> None:
    """Lists the active playbooks: trigger and steps."""
    from lodestar.db.engine import unit_of_work
    from lodestar.sop.playbooks import service

    engine, _ = context()
    with unit_of_work(engine) as session:
        config, version = service.current_config(session)
    lines = [f"sop configuration v{version} ({'package default' if version == 0 else 'stored'})"]
    for p in config.playbooks:
        trigger = p.trigger.stage or p.trigger.alert or p.trigger.reason or "manual"
        flag = "" if p.enabled else "  [disabled]"
        lines.append(f"{p.key:<14} {p.trigger.kind}:{trigger:<12} {len(p.steps)} step(s)  {p.name}{flag}")
        for s in p.steps:
            optional = "" if s.required else " (optional)"
            lines.append(f"    +{s.due_days:>3}d  {s.evidence.kind:<8} {s.key:<20} {s.title}{optional}")
    body = {"version": version, "playbooks": [p.model_dump(mode="json") for p in config.playbooks]}
    emit(as_json, body, "\n".join(lines))
