"""Renewals: renewal records, retention metrics (GRR, NRR, logo retention), churn reasons and win-back."""
