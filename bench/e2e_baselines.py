"""The end-to-end benchmark's baselines, each a whole `python -c` process, and the check of Lodestar's values.

The hand-written DuckDB query computes the usage measures a `lodestar run` computes (the default metrics
configuration: key features, the approvals custom metric, trained users) straight from the raw Parquet.
"""

from __future__ import annotations

import sqlite3
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import yaml

_DEFAULTS = Path(__file__).resolve().parent.parent / "src/lodestar/snapshots/defaults/metrics.yaml"
TRAINING_EVENT = "Training Completed"  # lodestar.analytics.last_active_state.TRAINING_EVENT

PYARROW_READ_WRITE = (
    "import sys, pyarrow.parquet as pq; pq.write_table(pq.read_table(sys.argv[1]), sys.argv[2])"
)
CSV_READ_WRITE = (
    "import sys, pyarrow.csv as c, pyarrow.parquet as pq; "
    "pq.write_table(c.read_csv(sys.argv[1]), sys.argv[2])"
)
RUN_SQL = "import sys, duckdb; duckdb.connect().execute(sys.argv[1])"

_MEASURES = """
SET TimeZone = 'UTC';
COPY (
  WITH e AS (
    SELECT account, "user" AS user_id, feature,
           date_diff('day', CAST("timestamp" AS DATE), DATE '{as_of}') AS age
    FROM read_parquet([{files}]) WHERE "timestamp" < TIMESTAMPTZ '{end}')
  SELECT account,
    count(*) FILTER (WHERE age < 7) AS events_7d,
    count(*) FILTER (WHERE age < 30) AS events_30d,
    count(*) FILTER (WHERE age < 90) AS events_90d,
    count(*) FILTER (WHERE age < 180) AS events_180d,
    count(*) FILTER (WHERE age >= 30 AND age < 60) AS events_prev_30d,
    count(DISTINCT user_id) FILTER (WHERE age < 7) AS active_users_7d,
    count(DISTINCT user_id) FILTER (WHERE age < 30) AS active_users_30d,
    count(DISTINCT user_id) FILTER (WHERE age < 90) AS active_users_90d,
    count(DISTINCT feature) FILTER (WHERE age < 30 AND feature IN ({key_features})) AS key_features_used_30d,
    {custom}
    count(DISTINCT user_id) FILTER (WHERE feature = '{training}') AS trained_users,
    min(age) AS days_since_last_activity
  FROM e GROUP BY account
) TO '{out}' (FORMAT parquet)
"""


def _quoted(values: list[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def measures_sql(files: list[Path], as_of: date, out: Path) -> str:
    """The hand-written query of every usage measure as of a date, written to a Parquet file."""
    config = yaml.safe_load(_DEFAULTS.read_text(encoding="utf-8"))
    custom = []
    for m in config.get("custom", []):
        value = "*" if m["aggregate"] == "count_events" else "DISTINCT user_id"
        custom.append(
            f"count({value}) FILTER (WHERE age < {int(m['window_days'])} "
            f"AND feature IN ({_quoted(m['events'])})) AS {m['slug']},"
        )
    return _MEASURES.format(
        as_of=as_of,
        end=f"{as_of + timedelta(days=1)} 00:00:00+00",
        files=_quoted([str(f) for f in files]),
        key_features=_quoted(config["key_features"]),
        custom="\n    ".join(custom),
        training=TRAINING_EVENT,
        out=out,
    )


def custom_slugs() -> list[str]:
    config = yaml.safe_load(_DEFAULTS.read_text(encoding="utf-8"))
    return [m["slug"] for m in config.get("custom", [])]


def python_c(code: str, *args: str | Path) -> list[str]:
    return [sys.executable, "-c", code, *map(str, args)]


COMPARED = [
    "events_7d",
    "events_30d",
    "events_90d",
    "events_180d",
    "active_users_7d",
    "active_users_30d",
    "active_users_90d",
    "key_features_used_30d",
]


def mismatches(snapshot: Path, expected: Path, database: Path) -> tuple[int, int, list[str]]:
    """Accounts compared, accounts whose values differ, and the columns that did (Lodestar vs the query).

    The snapshot names accounts by id; the SQLite store maps the id to the CRM id the raw events carry. An
    account without events has no row in the query: there every count must be 0 and the days since the
    last activity empty.
    """
    with sqlite3.connect(database) as db:
        ids = db.execute("SELECT id, crm_id FROM accounts").fetchall()
    con = duckdb.connect()
    con.execute("CREATE TABLE crm (account_id BIGINT, account VARCHAR)")
    con.executemany("INSERT INTO crm VALUES (?, ?)", ids)
    counted = [*COMPARED, *custom_slugs()]
    checks = {c: f"l.{c} IS DISTINCT FROM coalesce(q.{c}, 0)" for c in counted}
    checks["days_since_last_activity"] = (
        "l.days_since_last_activity IS DISTINCT FROM q.days_since_last_activity"
    )
    checks["usage_trend_30d"] = (
        "abs(coalesce(l.usage_trend_30d, -9) - coalesce((q.events_30d - q.events_prev_30d) "
        "/ nullif(q.events_prev_30d, 0), -9)) > 1e-9"
    )
    checks["training_completion"] = (
        "abs(coalesce(l.training_completion, -9) "
        "- coalesce(coalesce(q.trained_users, 0) / nullif(l.seats, 0), -9)) > 1e-9"
    )
    sql = f"""
      SELECT {", ".join(f"count(*) FILTER (WHERE {c}) AS {name}" for name, c in checks.items())},
             count(*) FILTER (WHERE {" OR ".join(checks.values())}) AS accounts_differing,
             count(*) AS compared
      FROM read_parquet('{snapshot}') l JOIN crm USING (account_id)
      FULL JOIN read_parquet('{expected}') q USING (account)
    """
    cur = con.execute(sql)
    row = dict(zip([d[0] for d in cur.description], cur.fetchone() or (), strict=True))
    differing = [name for name in checks if row[name]]
    return int(row["compared"]), int(row["accounts_differing"]), differing
