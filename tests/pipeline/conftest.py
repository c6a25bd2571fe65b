"""The daily pipeline is tested on the tiny company of tests/snapshots/conftest.py: its `world`, shared."""

from tests.snapshots.conftest import world

__all__ = ["world"]
