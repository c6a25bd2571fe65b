from pathlib import Path

import pytest

from lodestar.settings import SettingsError, load_settings


def test_defaults_put_sqlite_in_the_data_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("LODESTAR_DATABASE_URL", raising=False)
    monkeypatch.setenv("LODESTAR_DATA_DIR", str(tmp_path))
    settings = load_settings()
    assert settings.resolved_database_url == f"sqlite:///{tmp_path.resolve() / 'lodestar.db'}"
    assert settings.events_dir == Path(tmp_path) / "events"
    assert settings.default_locale == "en"


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("LODESTAR_TIMEZONE", "Mars/Base", "LODESTAR_TIMEZONE: is not an IANA time zone"),
        ("LODESTAR_DEFAULT_LOCALE", "fr", "LODESTAR_DEFAULT_LOCALE: must be one of en, zh_CN"),
        ("LODESTAR_DATABASE_URL", "mysql://x", "LODESTAR_DATABASE_URL: must be a sqlite"),
        ("LODESTAR_SECRET_KEY", "short", "LODESTAR_SECRET_KEY"),
        ("LODESTAR_COOKIE_SECURE", "maybe", "LODESTAR_COOKIE_SECURE"),
    ],
)
def test_a_bad_setting_fails_naming_the_variable(monkeypatch, variable, value, problem):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=problem):
        load_settings()


def test_postgres_url_is_taken_as_given(monkeypatch):
    monkeypatch.setenv("LODESTAR_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert load_settings().resolved_database_url == "postgresql+psycopg://u@h/db"
