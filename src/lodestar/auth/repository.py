"""Queries for users, tokens and the audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, insert, literal, select
from sqlalchemy.orm import Session

from lodestar.auth.models import ApiToken, AuditEntry, User
from lodestar.db.bulk import insert_rows


def get_user(session: Session, user_id: int) -> User | None:
    """Gets a user by id."""
    return session.get(User, user_id)


def get_user_by_email(session: Session, email: str) -> User | None:
    """Gets a user by e-mail, ignoring case."""
    return session.scalars(select(User).where(func.lower(User.email) == email.lower())).first()


def list_users(session: Session) -> list[User]:
    """Lists every user by name."""
    return list(session.scalars(select(User).order_by(User.name)))


def team_ids(session: Session, manager_id: int) -> list[int]:
    """Ids of the users who report to this manager."""
    return list(session.scalars(select(User.id).where(User.manager_id == manager_id)))


def existing_user_ids(session: Session, ids: set[int]) -> set[int]:
    """Which of these user ids exist."""
    if not ids:
        return set()
    return set(session.scalars(select(User.id).where(User.id.in_(ids))))


def add(session: Session, obj: Any) -> None:
    """Adds a new row and flushes so it gets its id."""
    session.add(obj)
    session.flush()


def token_by_hash(session: Session, token_hash: str) -> ApiToken | None:
    """Gets a live (not revoked) token by its hash."""
    stmt = select(ApiToken).where(ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None))
    return session.scalars(stmt).first()


def tokens(session: Session, user_id: int | None) -> list[ApiToken]:
    """API tokens, newest first: one user's, or everyone's when user_id is None."""
    stmt = select(ApiToken).order_by(ApiToken.id.desc())
    if user_id is not None:
        stmt = stmt.where(ApiToken.user_id == user_id)
    return list(session.scalars(stmt))


def get_token(session: Session, token_id: int) -> ApiToken | None:
    """An API token by id, revoked or not."""
    return session.get(ApiToken, token_id)


def audit_entries(session: Session, entity: str, entity_id: int, limit: int = 50) -> list[AuditEntry]:
    """The newest audit entries of one record."""
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def add_audit_entries(session: Session, rows: list[dict[str, Any]]) -> None:
    """Inserts many audit-log rows in bulk (db/bulk.py: the driver's executemany, COPY on PostgreSQL)."""
    insert_rows(session, AuditEntry, rows)


def add_audit_entries_from(session: Session, fixed: dict[str, Any], entries: Select[tuple[int, Any]]) -> int:
    """Inserts one audit-log row per row of `entries` (entity id, changes) with the `fixed` values (at,
    actor_id, action, entity) in one INSERT … SELECT, in the select's order; rows inserted."""
    columns = AuditEntry.__table__.c
    sub = entries.subquery()
    entity_id, changes = sub.c
    values = [literal(v, columns[k].type).label(k) for k, v in fixed.items()]
    source = select(*values, entity_id.label("entity_id"), changes.label("changes"))
    names = [*fixed, "entity_id", "changes"]
    stmt = insert(AuditEntry).from_select(names, source.order_by(entity_id))
    # An INSERT … SELECT reports no rowcount through SQLAlchemy on psycopg: count what it returns.
    return len(session.execute(stmt.returning(literal(1))).all())
