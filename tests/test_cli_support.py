"""The helpers every command shares: dates named by their option, JSON or text, clean exits."""

from __future__ import annotations

from datetime import date

import pytest
import typer

from lodestar.cli_support import emit, fail, parse_date


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
