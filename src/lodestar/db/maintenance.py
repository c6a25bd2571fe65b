"""Database upkeep after bulk loads."""

from __future__ import annotations

from sqlalchemy import Engine


def refresh_statistics(engine: Engine) -> None:
    """Refreshes the planner's statistics (ANALYZE) so queries after a bulk load pick the right indexes."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        else:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
