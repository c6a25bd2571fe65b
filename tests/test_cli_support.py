"""The helpers every command shares: dates named by their option, JSON or text, clean exits, progress bars."""

from __future__ import annotations

import io
from datetime import date

import pytest
import typer
from rich.console import Console

from lodestar.cli_support import emit, fail, parse_date, progress
from lodestar.kit.progress import silent


def test_parse_date_names_the_option_on_a_bad_value(capsys: pytest.CaptureFixture[str]):
    assert parse_date("as-of", "2026-03-01") == date(2026, 3, 1)
    with pytest.raises(typer.Exit) as info:
        parse_date("as-of", "March")
    assert info.value.exit_code == 2
    assert "--as-of: 'March' is not a date (YYYY-MM-DD)" in capsys.readouterr().err


def test_fail_prints_on_stderr_and_exits_with_the_code(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(typer.Exit) as info:
        fail("no such user", 1)
    assert info.value.exit_code == 1 and capsys.readouterr().err == "error: no such user\n"


def test_emit_prints_json_or_text(capsys: pytest.CaptureFixture[str]):
    emit(True, {"名字": "张三", "day": date(2026, 1, 2)}, "text")
    assert capsys.readouterr().out == '{\n  "名字": "张三",\n  "day": "2026-01-02"\n}\n'
    emit(False, {"a": 1}, "plain words")
    assert capsys.readouterr().out == "plain words\n"


def _terminal() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=True, width=120, color_system=None), out


def test_progress_shows_the_count_and_what_is_being_done_on_a_terminal():
    console, out = _terminal()
    with progress("snapshot", 3, console=console) as step:
        step(0, note="roll-ups")
        step(1, note="2026-03-17")
        step(2, note="2026-03-31")
    shown = out.getvalue()
    assert "snapshot: 2026-03-31" in shown and "3/3" in shown and "100%" in shown and "━" in shown


def test_progress_takes_a_total_learnt_on_the_way():
    console, out = _terminal()
    with progress("backtest", console=console) as step:
        step(0, total=4)
        step(4)
    assert "4/4" in out.getvalue()


def test_progress_is_silent_when_disabled_or_not_on_a_terminal():
    console, out = _terminal()
    with progress("snapshot", 3, enabled=False, console=console) as step:
        step(3, note="done")
    assert step is silent and out.getvalue() == ""
    piped = io.StringIO()
    with progress("snapshot", 3, console=Console(file=piped)) as step:
        step(3)
    assert step is silent and piped.getvalue() == ""
    with progress("snapshot", 3) as step:  # pytest captures stdout and stderr: not a terminal
        step(3)
    assert step is silent
