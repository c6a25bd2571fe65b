"""What every `lodestar` command shares: settings or a clean exit, the migrated database, errors, JSON output.

A leaf: domain CLIs import this, never `lodestar.cli` (which imports them to build the command tree).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, NoReturn

import typer
from sqlalchemy import Engine

from lodestar.kit.time import today_in
from lodestar.settings import Settings, SettingsError, load_settings

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
DateOpt = Annotated[str | None, typer.Option(help="A date, YYYY-MM-DD.")]


def fail(message: str, code: int = 2) -> NoReturn:
    """Prints `error: message` on stderr and exits with the code (2: bad usage or input)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def settings_or_exit() -> Settings:
    """The process settings, or exit 2 naming the bad setting."""
    try:
        return load_settings()
    except SettingsError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None


def migrated_engine(settings: Settings) -> Engine:
    """The engine of the configured database, with the schema upgraded to the newest version."""
    from lodestar.db.engine import engine_for
    from lodestar.db.migrate import upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = engine_for(settings.resolved_database_url)
    upgrade(engine)
    return engine


def context() -> tuple[Engine, Settings]:
    """The migrated engine and the settings a command works with."""
    settings = settings_or_exit()
    return migrated_engine(settings), settings


def emit(as_json: bool, payload: Any, text: str) -> None:
    """Prints the payload as JSON under --json, the human text otherwise."""
    typer.echo(json.dumps(payload, ensure_ascii=False, default=str, indent=2) if as_json else text)


def parse_date(name: str, value: str) -> date:
    """A YYYY-MM-DD option value, or exit naming the option."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"--{name}: {value!r} is not a date (YYYY-MM-DD)")


def date_or_today(name: str, value: str | None, settings: Settings) -> date:
    """The date an option names, or today in the company's time zone when it is left out."""
    return today_in(settings.zone) if value is None else parse_date(name, value)
