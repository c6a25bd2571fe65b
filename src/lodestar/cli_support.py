"""What every `lodestar` command shares: settings or a clean exit, the migrated database, errors, JSON output.

A leaf: domain CLIs import this, never `lodestar.cli` (which imports them to build the command tree).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from sqlalchemy import Engine

from lodestar.kit.progress import Progress, silent
from lodestar.kit.time import today_in
from lodestar.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:  # Rich loads only when a bar is shown: `lodestar --help` stays quick
    from rich.console import Console

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
DateOpt = Annotated[str | None, typer.Option(help="A date, YYYY-MM-DD.")]
LangOpt = Annotated[
    str | None,
    typer.Option("--lang", help="Language of the text: en or zh_CN (default: from LANG / LC_ALL)."),
]
Translate = Callable[[Any], str]


def fail(message: str, code: int = 2) -> NoReturn:
    """Prints `error: message` on stderr and exits with the code (2: bad usage or input)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def reader_language(lang: str | None) -> str:
    """The language asked for, else the terminal's (LC_ALL, LC_MESSAGES, LANG): zh_CN for any Chinese."""
    asked = lang or os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG") or ""
    return "zh_CN" if asked.lower().startswith("zh") else "en"


def translated_error(exc: Exception, _: Translate) -> str:
    """A business error in the reader's language, each bad field named."""
    problems = getattr(exc, "problems", None)
    if problems:
        return "; ".join(f"{p.field}: {_(p.message)}" for p in problems)
    return _(getattr(exc, "message", str(exc)))


@contextmanager
def failing_in(_: Translate) -> Iterator[None]:
    """Ends the command with a business error raised inside, in the reader's language (exit code 2)."""
    from lodestar.kit.errors import LodestarError

    try:
        yield
    except LodestarError as exc:
        fail(translated_error(exc, _))


def emit_lines(as_json: bool, result: Any, lines: Callable[[], list[str]]) -> None:
    """Prints a Pydantic result as JSON under --json, else the lines that say it in words."""
    if as_json:
        typer.echo(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        typer.echo("\n".join(lines()))


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


@contextmanager
def progress(
    label: str, total: int | None = None, enabled: bool = True, console: Console | None = None
) -> Iterator[Progress]:
    """A progress bar (count, rate, time left) on stderr while the block runs; the block gets its callback.

    Silent, and the callback a no-op, when `enabled` is false (pass `not as_json`) or when stdout or stderr
    is not a terminal (a pipe, a log file, a test runner), so scripted output stays clean. `console` is for
    tests: a Rich console of their own (a terminal one writing to a string).
    """
    if not enabled or (console is None and not (sys.stdout.isatty() and sys.stderr.isatty())):
        yield silent
        return
    from rich import console as rich_console
    from rich import progress as rich_progress

    console = console or rich_console.Console(stderr=True)
    if not console.is_terminal:
        yield silent
        return
    columns = (
        rich_progress.TextColumn("{task.description}"),
        rich_progress.BarColumn(),
        rich_progress.MofNCompleteColumn(),
        rich_progress.TaskProgressColumn(),
        rich_progress.TextColumn("{task.fields[rate]}"),
        rich_progress.TimeElapsedColumn(),
        rich_progress.TextColumn("eta"),
        rich_progress.TimeRemainingColumn(),
    )
    with rich_progress.Progress(*columns, console=console) as bar:
        task = bar.add_task(label, total=total, rate="")

        def advance(step: int = 1, /, *, total: int | None = None, note: str | None = None) -> None:
            if total is not None:
                bar.update(task, total=total)
            if note is not None:
                bar.update(task, description=f"{label}: {note}")
            bar.advance(task, step)
            speed = next(t.speed for t in bar.tasks if t.id == task)
            bar.update(task, rate=f"{speed:,.1f}/s" if speed else "")

        yield advance
