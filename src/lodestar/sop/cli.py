"""The `lodestar sop` command group: tasks, start, playbooks, digest and report."""

from __future__ import annotations

import typer

from lodestar.sop.measurement import cli as measurement_cli
from lodestar.sop.playbooks import cli as playbooks_cli
from lodestar.sop.tasks import cli as tasks_cli

sop_app = typer.Typer(
    help="SOP playbooks and tasks: inbox, manual starts, e-mail digest.", no_args_is_help=True
)
sop_app.command("tasks")(tasks_cli.tasks)
sop_app.command("start")(tasks_cli.start)
sop_app.command("playbooks")(playbooks_cli.playbooks)
sop_app.command("digest")(tasks_cli.digest)
sop_app.command("report")(measurement_cli.report)
