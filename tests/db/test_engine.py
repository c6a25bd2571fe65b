"""The SQLite engine's connection settings."""

from sqlalchemy import text

from lodestar.db.engine import make_engine


def test_a_sqlite_connection_has_the_settings_the_writers_rely_on(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'lodestar.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert conn.execute(text("PRAGMA temp_store")).scalar() == 2  # MEMORY: staged rows stay in memory
    engine.dispose()
