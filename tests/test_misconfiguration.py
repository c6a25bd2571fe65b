"""Misconfiguration gets a sentence naming what to change, not a traceback."""

from __future__ import annotations

import sys

import pytest

from lodestar.analytics.engines import engine
from lodestar.settings import SettingsError, load_settings


def test_the_postgres_engine_on_the_sqlite_store_is_refused_naming_both_settings(tmp_path) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(data_dir=tmp_path, analytics_engine="postgres")
    assert "LODESTAR_ANALYTICS_ENGINE" in str(caught.value) and "LODESTAR_DATABASE_URL" in str(caught.value)
    url = "postgresql+psycopg://u@h/db"
    assert load_settings(data_dir=tmp_path, analytics_engine="postgres", database_url=url).database_url == url


def test_a_missing_spark_extra_names_the_lodestar_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(engine.EngineUnavailable, match=r"pip install 'lodestar\[spark\]'"):
        engine.spark_session()


def test_a_missing_java_gets_a_hint(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    pytest.importorskip("pyspark")
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-java-here"))
    with pytest.raises(engine.EngineUnavailable, match="JAVA_HOME"):
        engine.spark_session()
