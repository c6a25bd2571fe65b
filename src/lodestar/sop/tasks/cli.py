"""`lodestar sop tasks|start|digest`: the task inbox, manual playbook starts and the e-mail digest."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from lodestar.cli_support import JsonOpt, context, date_or_today, emit, fail

UserOpt = Annotated[str | None, typer.Option("--user", help="Act as this user (e-mail).")]
TodayOpt = Annotated[str | None, typer.Option("--today", help="The day to count from, YYYY-MM-DD.")]
BUCKETS = ("today", "overdue", "upcoming", "later", "open", "done", "skipped", "expired", "all")


def _user(session: Any, email: str | None) -> Any:
    """The user named by --user; without it, an unsaved admin that sees everything."""
    from lodestar.auth import service as auth_service
    from lodestar.auth.models import Role, User

    if email is None:
        return User(id=0, name="cli", email="cli@localhost", role=Role.ADMIN.value, active=True)
    user = auth_service.find_user_by_email(session, email)
    if user is None:
        fail(f"--user: no user with e-mail {email}")
    return user


def tasks(
    bucket: Annotated[
        str, typer.Option(help="today, overdue, upcoming, later, open, done, skipped, expired or all.")
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
    from lodestar.sop.tasks import service

    if bucket not in BUCKETS:
        fail(f"--bucket: {bucket!r} is not one of {', '.join(BUCKETS)}")
    if mine and user is None:
        fail("--mine needs --user")
    engine, settings = context()
    with unit_of_work(engine) as session:
        viewer = _user(session, user)
        items, total = service.list_tasks(
            session, viewer, bucket=bucket, assignee_id=viewer.id if mine else None,  # type: ignore[arg-type]
            playbook_key=playbook, stage=stage, today=date_or_today("today", today, settings), limit=limit,
        )  # fmt: skip
    lines = [f"{total} task(s) in {bucket}" + (f"; showing {len(items)}" if total > len(items) else "")]
    for t in items:
        who = t.assignee_name or "unassigned"
        lines.append(f"#{t.id:<6} {t.due_on}  {t.status:<7} {t.account_name[:30]:<30} {t.title}  ({who})")
    emit(as_json, {"total": total, "items": [t.model_dump(mode="json") for t in items]}, "\n".join(lines))


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
    from lodestar.sop.tasks import service

    engine, settings = context()
    try:
        with unit_of_work(engine) as session:
            run = service.start_playbook(
                session, _user(session, user), account_id, playbook, date_or_today("on", on, settings)
            )
            info = {
                "run_id": run.id,
                "playbook": run.playbook_key,
                "account_id": account_id,
                "on": run.triggered_on,
            }
    except LodestarError as exc:
        fail(exc.message)
    emit(as_json, info, f"started {playbook} on account {account_id}: run {info['run_id']}")


def digest(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the digests; send nothing.")] = False,
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """E-mails each person their overdue tasks, tasks due today and the next 7 days (LODESTAR_SMTP_*)."""
    from lodestar.sop.tasks.digest import run_digest

    engine, settings = context()
    if not dry_run and not settings.smtp_host:
        fail("LODESTAR_SMTP_HOST is not set; use --dry-run to see the digests")
    digests, sent = run_digest(engine, settings, date_or_today("today", today, settings), dry_run=dry_run)
    if as_json:
        rows = [{"email": d.email, "subject": d.subject(), **d.counts} for d in digests]
        emit(True, {"sent": sent, "digests": rows}, "")
        return
    for d in digests:
        if dry_run:
            typer.echo(f"To: {d.email}\nSubject: {d.subject()}\n\n{d.body(settings.base_url)}\n")
    typer.echo(f"{'would send' if dry_run else 'sent'} {len(digests) if dry_run else sent} digest(s)")
