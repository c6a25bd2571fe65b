"""Operational store: engine, unit of work, base model and migrations."""
