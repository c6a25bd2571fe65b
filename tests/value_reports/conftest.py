"""The API fixtures (the app client, the seeded team, light password hashes) for this folder's tests."""

from tests.api_fixtures import client, quick_password_hashes, team

__all__ = ["client", "quick_password_hashes", "team"]
