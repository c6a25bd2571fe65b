"""Health pages are tested on the snapshot company of tests/snapshots/conftest.py: its fixtures, shared."""

from tests.snapshots.conftest import app_for, client, snapped

__all__ = ["app_for", "client", "snapped"]
