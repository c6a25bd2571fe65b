"""Daily snapshots: the run of one or many dates (metrics, health, stage, tier), its records, and export."""
