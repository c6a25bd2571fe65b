"""Analytics engines: the Ibis engine port (DuckDB, Spark, PostgreSQL) and DuckDB's compiled-plan cache."""
