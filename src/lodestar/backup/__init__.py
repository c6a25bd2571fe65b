"""Backup and restore of a whole Lodestar installation: database, event store, data files, configuration."""
