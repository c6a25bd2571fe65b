"""Evaluating alert conditions over one snapshot date, set-based over all accounts (no loop per account)."""
