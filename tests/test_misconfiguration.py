"""Misconfiguration gets a sentence naming what to change, not a traceback."""

from __future__ import annotations

import os
import subprocess
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


def test_a_missing_java_gets_a_hint(tmp_path) -> None:
    pytest.importorskip("pyspark")
    # A fresh interpreter: in this one an earlier test may already hold a Spark session, which
    # getOrCreate would hand back without starting Java at all.
    probe = (
        "from lodestar.analytics.engines import engine\n"
        "try:\n    engine.spark_session()\n"
        "except engine.EngineUnavailable as exc:\n    print(exc.message)\n"
    )
    env = {**os.environ, "JAVA_HOME": str(tmp_path / "no-java-here")}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
    assert "JAVA_HOME" in done.stdout, done.stdout + done.stderr
