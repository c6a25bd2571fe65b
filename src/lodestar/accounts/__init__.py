"""Accounts (customers), their stakeholders and portraits."""
