"""The `lodestar` command: demo, serve, migrate and user administration."""

from __future__ import annotations

import importlib
import shutil
import sys
from collections.abc import Callable
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any

import typer
from sqlalchemy import Engine
from typer import _click
from typer.core import TyperGroup
from typer.main import get_command_from_info, get_group_from_info
from typer.models import CommandInfo, TyperInfo

from lodestar import configuration  # noqa: F401  (registers every configuration kind)
from lodestar.cli_support import JsonOpt, emit, fail, migrated_engine, progress, settings_or_exit
from lodestar.kit.time import today_in
from lodestar.settings import Settings

if TYPE_CHECKING:  # the demo package loads lazily: most commands never need it
    from lodestar.demo import DemoResult


def _attr(module: str, name: str) -> Any:
    return getattr(importlib.import_module(module), name)


@cache
def _backtest() -> typer.Typer:
    backtest_app: typer.Typer = _attr("lodestar.snapshots.cli", "backtest_app")
    backtest_app.command("alerts")(_attr("lodestar.alerts.backtest_cli", "backtest_alerts"))
    backtest_app.command("stars")(_attr("lodestar.intent.cli", "backtest_stars"))
    return backtest_app


@cache
def _predict() -> typer.Typer:
    predict_app: typer.Typer = _attr("lodestar.predictions.cli", "predict_app")
    predict_app.add_typer(_attr("lodestar.intent.cli", "stars_app"), name="stars")
    churn_app: typer.Typer = _attr("lodestar.predictions.cli", "churn_app")
    for name in ("evaluate", "train", "score"):
        churn_app.command(name)(_attr("lodestar.pipeline.churn_training", f"{name}_churn"))
    return predict_app


# Each domain's commands, imported when named: `lodestar run` loads the pipeline, not every domain's CLI
# (the SOP report's pandas, the PDF engine...). `lodestar --help` lists them all, and so imports them all.
LAZY: dict[str, Callable[[], Any]] = {
    "keys": lambda: _attr("lodestar.events.cli", "keys_app"),
    "events": lambda: _attr("lodestar.events.cli", "events_app"),
    "config": lambda: _attr("lodestar.config.cli", "config_app"),
    "import": lambda: _attr("lodestar.imports.cli", "import_file"),
    "backtest": _backtest,
    "export": lambda: _attr("lodestar.snapshots.cli", "export_app"),
    "sop": lambda: _attr("lodestar.sop.cli", "sop_app"),
    "alerts": lambda: _attr("lodestar.alerts.cli", "alerts_app"),
    "renewals": lambda: _attr("lodestar.renewals.records.cli", "renewals_app"),
    "reports": lambda: _attr("lodestar.value_reports.cli", "reports_app"),
    "notify": lambda: _attr("lodestar.notifications.cli", "notify_app"),
    "predict": _predict,
    "run": lambda: _attr("lodestar.pipeline.cli", "run"),
    "backup": lambda: _attr("lodestar.backup.cli", "backup"),
    "restore": lambda: _attr("lodestar.backup.cli", "restore"),
    "retention": lambda: _attr("lodestar.renewals.retention.cli", "retention"),
}


class LazyGroup(TyperGroup):
    """The command tree with the domains' commands (LAZY) built from their modules on first use."""

    def list_commands(self, ctx: _click.Context) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in LAZY if n not in self.commands)]

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        if cmd_name in LAZY and cmd_name not in self.commands:
            found, short = LAZY[cmd_name](), app.pretty_exceptions_short
            built: _click.Command
            if isinstance(found, typer.Typer):  # as add_typer would have built it
                built = get_group_from_info(
                    TyperInfo(found, name=cmd_name),
                    pretty_exceptions_short=short,
                    rich_markup_mode=app.rich_markup_mode,
                    suggest_commands=app.suggest_commands,
                )
            else:
                built = get_command_from_info(
                    CommandInfo(name=cmd_name, callback=found),
                    pretty_exceptions_short=short,
                    rich_markup_mode=app.rich_markup_mode,
                )
            self.add_command(built, cmd_name)
        return super().get_command(ctx, cmd_name)


app = typer.Typer(
    help="Lodestar: a self-hosted customer-success platform.",
    no_args_is_help=True,
    add_completion=False,
    cls=LazyGroup,
)
users_app = typer.Typer(help="Create and list users, and mint API tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")

HostOpt = Annotated[str, typer.Option(help="Interface to listen on.")]
PortOpt = Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")]


@app.command()
def migrate(as_json: JsonOpt = False) -> None:
    """Creates or upgrades the database schema to the newest version."""
    from lodestar.db.migrate import current_revision

    settings = settings_or_exit()
    engine = migrated_engine(settings)
    revision = current_revision(engine)
    url = engine.url.render_as_string(hide_password=True)
    emit(as_json, {"database": url, "revision": revision}, f"database {url} is at revision {revision}")


@app.command()
def serve(host: HostOpt = "127.0.0.1", port: PortOpt = 8000) -> None:
    """Serves the web UI and the JSON API (migrating the database first)."""
    settings = settings_or_exit()
    migrated_engine(settings)
    _serve(settings, host, port)


def _serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from lodestar.app import create_app
    from lodestar.web.security_headers import exposure_warnings

    for warning in exposure_warnings(settings, host):
        typer.echo(f"warning: {warning}", err=True)
    typer.echo(f"Lodestar is serving on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    web_app = create_app(settings, scheduler=True)
    uvicorn.run(web_app, host=host, port=port, log_level="warning", server_header=False)


def _reset_embedded(settings: Settings) -> None:
    if settings.database_url:
        fail("--fresh only resets the embedded SQLite store; empty the PostgreSQL database yourself")
    from lodestar.db.engine import engine_for

    engine_for.cache_clear()
    for name in ("lodestar.db", "lodestar.db-wal", "lodestar.db-shm", "demo-truth.json"):
        (settings.data_dir / name).unlink(missing_ok=True)
    shutil.rmtree(settings.events_dir, ignore_errors=True)


@app.command()
def demo(
    accounts: Annotated[
        int, typer.Option(min=10, max=200_000, help="How many accounts the company has.")
    ] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same company.")] = 7,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Generate only; do not start the web UI.")
    ] = False,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Throw away an existing embedded demo first.")
    ] = False,
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8000,
    as_json: JsonOpt = False,
) -> None:
    """Generates a realistic demo company into the data directory, then serves the UI."""
    from lodestar.accounts import service as accounts_service
    from lodestar.db.engine import unit_of_work
    from lodestar.demo import DemoError, generate_demo

    settings = settings_or_exit()
    if fresh:
        _reset_embedded(settings)
    engine = migrated_engine(settings)
    with unit_of_work(engine) as session:
        existing = accounts_service.count_accounts(session)
    if existing:
        emit(
            as_json,
            {"generated": False, "accounts": existing},
            f"The database already holds {existing} accounts; keeping them (use --fresh to regenerate).",
        )
    else:
        today = today_in(settings.zone)
        try:
            with progress("demo company", enabled=not as_json) as step:
                result = generate_demo(
                    engine, settings.data_dir, accounts=accounts, seed=seed, today=today, progress=step
                )
        except DemoError as exc:
            fail(exc.message, 1)
        payload, lines = _demo_report(result)
        payload["snapshot"], line = _demo_snapshot(engine, settings, today, seed, show=not as_json)
        lines.insert(1, line)
        emit(as_json, payload, "\n".join(lines))
    if not no_serve:
        _serve(settings, host, port)


def _demo_report(result: DemoResult) -> tuple[dict[str, Any], list[str]]:
    """What the demo generated: the JSON payload and the lines a person reads (with the sign-ins)."""
    counts = {
        k: getattr(result, k)
        for k in ("accounts", "contacts", "contracts", "users", "events", "tickets", "touches", "surveys")
    }
    payload = {
        "generated": True,
        **counts,
        "seconds": round(result.seconds, 2),
        "truth_file": str(result.truth_path),
        "logins": [{"role": r, "email": e, "password": p} for r, e, p in result.logins],
    }
    lines = [
        f"Generated the demo company in {result.seconds:.1f} s: "
        + ", ".join(f"{v:,} {k}" for k, v in counts.items()),
        "Sign in with:",
    ]
    lines += [f"  {role:<8} {email}  /  {password}" for role, email, password in result.logins]
    return payload, lines


def _demo_snapshot(
    engine: Engine, settings: Settings, today: date, seed: int, show: bool = False
) -> tuple[dict[str, Any], str]:
    """Backfills the demo's last 26 weeks and today so health, trends and stages are there to browse.

    The snapshot run also starts the SOP playbooks and opens the renewals and win-backs; then the demo
    team's own SOP work, its renewal forecast calls and the churned customers' survey answers are simulated.
    """
    from lodestar.demo.renewal_work import simulate_renewal_work
    from lodestar.demo.sop import simulate_sop_work
    from lodestar.pipeline.daily import run_job
    from lodestar.snapshots.cli import demo_dates

    days = demo_dates(today)
    with progress("demo snapshots", len(days), enabled=show) as step:
        run = run_job(engine, settings, days, kind="demo", progress=step)
    seconds = (run.finished_at - run.started_at).total_seconds() if run.finished_at else 0.0
    work = simulate_sop_work(engine, seed, today)
    renewal_work = simulate_renewal_work(engine, seed, today)
    info = {
        "dates": len(days),
        "first": str(days[0]),
        "last": str(days[-1]),
        "seconds": round(seconds, 2),
        "sop_work": work,
        "renewal_work": renewal_work,
    }
    return info, f"Computed {len(days)} weekly snapshots ({days[0]} .. {days[-1]}) in {seconds:.1f} s"


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="Login e-mail.")],
    name: Annotated[str, typer.Option(help="Full name.")],
    role: Annotated[str, typer.Option(help="admin, manager, csm or viewer.")] = "csm",
    manager_email: Annotated[str | None, typer.Option(help="E-mail of the user's manager.")] = None,
    locale: Annotated[str, typer.Option(help="UI language: en or zh_CN.")] = "en",
    password: Annotated[
        str | None, typer.Option(help="Password (asked for when omitted; at least 8 characters).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Creates a user who can sign in."""
    from pydantic import ValidationError

    from lodestar.auth import service as auth_service
    from lodestar.auth.schemas import UserCreate, UserRead
    from lodestar.db.engine import unit_of_work
    from lodestar.kit.errors import LodestarError, problems_from_pydantic

    settings = settings_or_exit()
    engine = migrated_engine(settings)
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with unit_of_work(engine) as session:
            manager_id = None
            if manager_email:
                manager = auth_service.find_user_by_email(session, manager_email)
                if manager is None:
                    fail(f"manager_email: no user with e-mail {manager_email}")
                manager_id = manager.id
            data = UserCreate.model_validate(
                {
                    "email": email,
                    "name": name,
                    "role": role,
                    "locale": locale,
                    "manager_id": manager_id,
                    "password": password,
                }
            )
            user = auth_service.create_user(session, data)
            out = UserRead.model_validate(user).model_dump(mode="json")
    except ValidationError as exc:
        fail(problems_from_pydantic(exc.errors()).message)  # type: ignore[arg-type]
    except LodestarError as exc:
        fail(exc.message)
    emit(as_json, out, f"created {out['role']} {out['email']} (id {out['id']})")


@users_app.command("list")
def users_list(as_json: JsonOpt = False) -> None:
    """Lists every user with role and manager."""
    from lodestar.auth import service as auth_service
    from lodestar.auth.schemas import UserRead
    from lodestar.db.engine import unit_of_work

    engine = migrated_engine(settings_or_exit())
    with unit_of_work(engine) as session:
        users = [UserRead.model_validate(u).model_dump(mode="json") for u in auth_service.list_users(session)]
    text = "\n".join(f"{u['id']:>4}  {u['role']:<8} {u['email']:<32} {u['name']}" for u in users)
    emit(as_json, {"users": users}, text or "no users yet")


@users_app.command("token")
def users_token(
    email: Annotated[str, typer.Argument(help="Whose token.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
    as_json: JsonOpt = False,
) -> None:
    """Mints an API token for a user and prints it (only this once)."""
    from lodestar.auth import service as auth_service
    from lodestar.db.engine import unit_of_work

    engine = migrated_engine(settings_or_exit())
    with unit_of_work(engine) as session:
        user = auth_service.find_user_by_email(session, email)
        if user is None:
            fail(f"email: no user with e-mail {email}")
        token, plaintext = auth_service.create_api_token(session, user, name)
    emit(as_json, {"id": token.id, "name": token.name, "token": plaintext}, plaintext)


def load_command(args: list[str]) -> None:
    """Imports the modules of the domain command the arguments name (the first word that is one), as
    running it would; nothing for the commands defined here or a word that names none."""
    name = next((a for a in args if not a.startswith("-")), None)
    if name in LAZY:
        LAZY[name]()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
