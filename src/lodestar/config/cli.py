"""`lodestar config export [--out FILE]` and `lodestar config apply FILE [--dry-run]`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lodestar.cli_support import fail, migrated_engine, settings_or_exit

config_app = typer.Typer(help="Export and apply all configuration as YAML.", no_args_is_help=True)


@config_app.command("export")
def export(
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file instead of the screen.")
    ] = None,
) -> None:
    """Writes all active configuration (health, lifecycle, tiers, metrics, sop) as one YAML document."""
    from lodestar.config import service
    from lodestar.db.engine import unit_of_work

    with unit_of_work(migrated_engine(settings_or_exit())) as session:
        text = service.export_yaml(session)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote configuration to {out}")


@config_app.command("apply")
def apply(
    file: Annotated[Path, typer.Argument(help="A YAML document as `config export` writes it.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and report; change nothing.")] = False,
    author: Annotated[str, typer.Option(help="Who is applying (kept in the version history).")] = "cli",
) -> None:
    """Validates a configuration file and makes it active; a bad file is refused naming every problem."""
    from lodestar.config import service
    from lodestar.db.engine import unit_of_work
    from lodestar.kit.errors import InvalidInput

    if not file.is_file():
        fail(f"file: {file} does not exist")
    try:
        doc = service.parse_yaml(file.read_text(encoding="utf-8"))
        with unit_of_work(migrated_engine(settings_or_exit())) as session:
            report = service.apply(session, doc, author, dry_run=dry_run)
    except InvalidInput as exc:
        typer.echo(f"refused: {len(exc.problems)} problem(s); nothing was applied", err=True)
        for problem in exc.problems:
            typer.echo(f"  {problem.field}: {problem.message}", err=True)
        raise typer.Exit(2) from None
    verb = "would apply" if dry_run else "applied"
    changed = ", ".join(f"{kind} v{version}" for kind, version in report.changed.items()) or "nothing changed"
    typer.echo(f"{verb}: {changed}")
