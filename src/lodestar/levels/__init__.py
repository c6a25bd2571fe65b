"""Maturity levels 0-4: capability dimensions scored from snapshot metrics, and per-level minimums."""
