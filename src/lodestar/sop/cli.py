"""`lodestar sop tasks|start|playbooks|digest` (and `report`, from sop/report_cli.py)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any

import typer

sop_app = typer.Typer(
    help="SOP playbooks and tasks: inbox, manual starts, e-mail digest.", no_args_is_help=True
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
UserOpt = Annotated[str | None, typer.Option("--user", help="Act as this user (e-mail).")]
TodayOpt = Annotated[str | None, typer.Option("--today", help="The day to count from, YYYY-MM-DD.")]


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _context() -> tuple[Any, Any]:
    """The settings and the migrated database (built here: importing lodestar.cli would load the web app)."""
    from lodestar.db.engine import engine_for
    from lodestar.db.migrate import upgrade
    from lodestar.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        _fail(str(exc))
        raise
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = engine_for(settings.resolved_database_url)
    upgrade(engine)
    return engine, settings


def _day(value: str | None, settings: Any) -> date:
    if value is None:
        return datetime.now(settings.zone).date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"--today: {value!r} is not a date (YYYY-MM-DD)")
        raise


def _user(session: Any, email: str | None) -> Any:
    """The user named by --user; without it, an unsaved admin that sees everything."""
    from lodestar.auth import service as auth_service
    from lodestar.auth.models import Role, User

    if email is None:
        return User(id=0, name="cli", email="cli@localhost", role=Role.ADMIN.value, active=True)
    user = auth_service.find_user_by_email(session, email)
    if user is None:
        _fail(f"--user: no user with e-mail {email}")
    return user


@sop_app.command("tasks")
def tasks(
    bucket: Annotated[
        str, typer.Option(help="today, overdue, upcoming, open, done, skipped or all.")
    ] = "open",
    user: UserOpt = None,
    mine: Annotated[bool, typer.Option("--mine", help="Only tasks assigned to --user.")] = False,
    playbook: Annotated[str | None, typer.Option(help="Only this playbook's tasks.")] = None,
    stage: Annotated[str | None, typer.Option(help="Only tasks of runs started in this stage.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="At most this many tasks.")] = 50,
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Lists tasks (those --user may see; all of them without --user), soonest due first."""
    from lodestar.db.engine import unit_of_work
    from lodestar.sop import service

    if bucket not in ("today", "overdue", "upcoming", "open", "done", "skipped", "all"):
        _fail(f"--bucket: {bucket!r} is not one of today, overdue, upcoming, open, done, skipped, all")
    if mine and user is None:
        _fail("--mine needs --user")
    engine, settings = _context()
    with unit_of_work(engine) as session:
        viewer = _user(session, user)
        items, total = service.list_tasks(
            session, viewer, bucket=bucket, assignee_id=viewer.id if mine else None,  # type: ignore[arg-type]
            playbook_key=playbook, stage=stage, today=_day(today, settings), limit=limit,
        )  # fmt: skip
    if as_json:
        typer.echo(
            json.dumps({"total": total, "items": [t.model_dump(mode="json") for t in items]}, indent=2)
        )
        return
    typer.echo(f"{total} task(s) in {bucket}" + (f"; showing {len(items)}" if total > len(items) else ""))
    for t in items:
        who = t.assignee_name or "unassigned"
        typer.echo(f"#{t.id:<6} {t.due_on}  {t.status:<7} {t.account_name[:30]:<30} {t.title}  ({who})")


@sop_app.command("start")
def start(
    account_id: Annotated[int, typer.Argument(help="The account's id.")],
    playbook: Annotated[str, typer.Argument(help="The playbook's key (see `lodestar sop playbooks`).")],
    user: Annotated[str, typer.Option("--user", help="Who starts it (e-mail).")],
    on: Annotated[
        str | None, typer.Option("--on", help="The trigger day, YYYY-MM-DD (default today).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Starts a playbook on an account by hand; its steps become tasks."""
    from lodestar.db.engine import unit_of_work
    from lodestar.kit.errors import LodestarError
    from lodestar.sop import service

    engine, settings = _context()
    try:
        with unit_of_work(engine) as session:
            run = service.start_playbook(
                session, _user(session, user), account_id, playbook, _day(on, settings)
            )
            info = {
                "run_id": run.id,
                "playbook": run.playbook_key,
                "account_id": account_id,
                "on": run.triggered_on,
            }
    except LodestarError as exc:
        _fail(exc.message)
    typer.echo(
        json.dumps(info, default=str)
        if as_json
        else f"started {playbook} on account {account_id}: run {info['run_id']}"
    )


@sop_app.command("playbooks")
def playbooks(as_json: JsonOpt = False) -> None:
    """Lists the active playbooks: trigger and steps."""
    from lodestar.db.engine import unit_of_work
    from lodestar.sop import service

    engine, _ = _context()
    with unit_of_work(engine) as session:
        config, version = service.current_config(session)
    if as_json:
        body = {"version": version, "playbooks": [p.model_dump(mode="json") for p in config.playbooks]}
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    typer.echo(f"sop configuration v{version} ({'package default' if version == 0 else 'stored'})")
    for p in config.playbooks:
        trigger = p.trigger.stage or p.trigger.alert or "manual"
        flag = "" if p.enabled else "  [disabled]"
        typer.echo(f"{p.key:<14} {p.trigger.kind}:{trigger:<12} {len(p.steps)} step(s)  {p.name}{flag}")
        for s in p.steps:
            optional = "" if s.required else " (optional)"
            typer.echo(f"    +{s.due_days:>3}d  {s.evidence.kind:<8} {s.key:<20} {s.title}{optional}")


@sop_app.command("digest")
def digest(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the digests; send nothing.")] = False,
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """E-mails each person their overdue tasks, tasks due today and the next 7 days (LODESTAR_SMTP_*)."""
    from lodestar.sop.digest import run_digest

    engine, settings = _context()
    if not dry_run and not settings.smtp_host:
        _fail("LODESTAR_SMTP_HOST is not set; use --dry-run to see the digests")
    digests, sent = run_digest(engine, settings, _day(today, settings), dry_run=dry_run)
    if as_json:
        rows = [{"email": d.email, "subject": d.subject(), **d.counts} for d in digests]
        typer.echo(json.dumps({"sent": sent, "digests": rows}, ensure_ascii=False, indent=2))
        return
    for d in digests:
        if dry_run:
            typer.echo(f"To: {d.email}\nSubject: {d.subject()}\n\n{d.body(settings.base_url)}\n")
    typer.echo(f"{'would send' if dry_run else 'sent'} {len(digests) if dry_run else sent} digest(s)")


try:  # `report` lives beside these commands (sop/report_cli.py) when the analytics are installed
    from lodestar.sop.report_cli import register
except ImportError:  # pragma: no cover - the report module is part of the package
    pass
else:
    register(sop_app)
