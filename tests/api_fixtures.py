"""Fixtures of the JSON API tests: the app on the test database, and a seeded team with a token each.

Imported by the conftest of accounts/, auth/ and contracts/, by the OpenAPI test and by sop's API tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from lodestar.app import create_app
from lodestar.auth import service as auth_service
from lodestar.auth.models import Role, User
from lodestar.settings import load_settings
from tests.factories import make_user


@dataclass
class Member:
    """A seeded user and the bearer header that acts as them."""

    user: User
    headers: dict[str, str]

    @property
    def id(self) -> int:
        """The user's id."""
        return self.user.id


@dataclass
class Team:
    """An admin, a manager with one CSM, a CSM outside that team, and a read-only viewer."""

    admin: Member
    manager: Member
    csm: Member
    other_csm: Member
    viewer: Member


def bearer(db: Session, user: User) -> dict[str, str]:
    """Mints a token for the user and returns the header that sends it."""
    _, plaintext = auth_service.create_api_token(db, user, "tests")
    return {"Authorization": f"Bearer {plaintext}"}


def count(engine: Engine, model: type) -> int:
    """Rows of a table as committed, read on a fresh connection."""
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2id with the lightest parameters: these tests seed five users each and never log in."""
    monkeypatch.setattr(auth_service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def client(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """A client of the app built on the test database."""
    app = create_app(load_settings(database_url=db_url, data_dir=tmp_path))
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def team(db: Session) -> Team:
    """Seeds the team (committed, so the app sees it)."""
    admin = make_user(db, Role.ADMIN, name="Ada Admin")
    manager = make_user(db, Role.MANAGER, name="Max Manager")
    csm = make_user(db, Role.CSM, manager=manager, name="Cora Csm")
    other = make_user(db, Role.CSM, name="Otto Other")
    viewer = make_user(db, Role.VIEWER, name="Vera Viewer")
    members = [Member(u, bearer(db, u)) for u in (admin, manager, csm, other, viewer)]
    db.commit()
    return Team(*members)
