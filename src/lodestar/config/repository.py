"""Queries on config_versions."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from lodestar.config.models import ConfigVersion


def active(session: Session, kind: str) -> ConfigVersion | None:
    """The active version of a kind, if any was stored."""
    stmt = select(ConfigVersion).where(ConfigVersion.kind == kind, ConfigVersion.active.is_(True))
    return session.scalars(stmt).first()


def newest_number(session: Session, kind: str) -> int:
    """The highest version number stored for a kind (0 when none)."""
    return session.scalar(select(func.max(ConfigVersion.version)).where(ConfigVersion.kind == kind)) or 0


def history(session: Session, kind: str) -> list[ConfigVersion]:
    """Every version of a kind, newest first."""
    stmt = select(ConfigVersion).where(ConfigVersion.kind == kind).order_by(ConfigVersion.version.desc())
    return list(session.scalars(stmt))


def by_number(session: Session, kind: str, version: int) -> ConfigVersion | None:
    """One version of a kind."""
    stmt = select(ConfigVersion).where(ConfigVersion.kind == kind, ConfigVersion.version == version)
    return session.scalars(stmt).first()


def deactivate(session: Session, kind: str) -> None:
    """Marks every version of a kind inactive."""
    session.execute(update(ConfigVersion).where(ConfigVersion.kind == kind).values(active=False))
