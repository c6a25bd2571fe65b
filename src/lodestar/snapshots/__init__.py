"""Daily snapshots: the run (metrics, health, stage, tier), history, backtests and export."""
