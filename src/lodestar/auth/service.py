"""Users, passwords, API tokens, visibility scopes and the audit log."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select
from sqlalchemy.orm import Session

from lodestar.auth import repository
from lodestar.auth.models import ApiToken, AuditEntry, Role, User
from lodestar.auth.schemas import UserCreate, UserUpdate
from lodestar.kit.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lodestar.kit.time import utcnow

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the e-mail is unknown, so a login takes as long either way. Made on first
    need: hashing costs half a second, which every command would otherwise pay as it starts."""
    return _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    """Hashes a password with argon2id."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Checks a password against its argon2 hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Scope:
    """Which accounts a user may see: all of them, or those owned by owner_ids."""

    owner_ids: frozenset[int] | None

    @property
    def everything(self) -> bool:
        """True when no row-level restriction applies."""
        return self.owner_ids is None

    def allows_owner(self, owner_id: int | None) -> bool:
        """Whether an account with this owner is visible."""
        return self.owner_ids is None or (owner_id is not None and owner_id in self.owner_ids)


def scope_for(session: Session, user: User) -> Scope:
    """The row-level rule: CSMs see their own accounts, managers their team's, admins and viewers all."""
    if user.role in (Role.ADMIN, Role.VIEWER):
        return Scope(None)
    if user.role == Role.MANAGER:
        return Scope(frozenset([user.id, *repository.team_ids(session, user.id)]))
    return Scope(frozenset([user.id]))


def can_edit(user: User) -> bool:
    """Viewers read; everyone else may change what they can see."""
    return user.role != Role.VIEWER


def require_editor(user: User) -> None:
    """Refuses a change by a read-only user."""
    if not can_edit(user):
        raise PermissionDenied("viewers cannot change data")


def require_admin(user: User) -> None:
    """Refuses anything but an admin."""
    if user.role != Role.ADMIN:
        raise PermissionDenied("only admins can do this")


def record(
    session: Session,
    actor: User | None,
    action: str,
    entity: str,
    entity_id: int | None,
    changes: dict[str, Any] | None = None,
) -> None:
    """Writes one audit-log entry in the caller's transaction."""
    session.add(
        AuditEntry(
            actor_id=actor.id if actor else None,
            action=action,
            entity=entity,
            entity_id=entity_id,
            changes=_jsonable(changes or {}),
        )
    )


def record_many(
    session: Session,
    actor: User | None,
    action: str,
    entity: str,
    entries: Sequence[tuple[int | None, dict[str, Any]]],
) -> int:
    """Writes one audit-log entry per (entity id, changes) in one bulk insert; entries written.

    For changes made many at a time (a run raising or resolving alerts): the same rows `record` writes.
    """
    if not entries:
        return 0
    actor_id, now = (actor.id if actor else None), utcnow()
    rows = [
        {
            "at": now,
            "actor_id": actor_id,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "changes": _jsonable(changes),
        }
        for entity_id, changes in entries
    ]
    repository.add_audit_entries(session, rows)
    return len(rows)


def record_selected(
    session: Session, actor: User | None, action: str, entity: str, entries: Select[tuple[int, Any]]
) -> int:
    """Writes one audit-log entry per row of `entries` (entity id, changes as a JSON object the database
    builds: db/json_sql.py) in one INSERT … SELECT, by entity id; entries written.

    For many changes whose record is already in the database (a run raising a portfolio's alerts): the
    rows `record_many` would write, with no Python per entry.
    """
    fixed = {"at": utcnow(), "actor_id": actor.id if actor else None, "action": action, "entity": entity}
    return repository.add_audit_entries_from(session, fixed, entries)


def _jsonable(changes: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v if isinstance(v, str | int | float | bool | list | dict | type(None)) else str(v)
        for k, v in changes.items()
    }


def _check_manager(session: Session, manager_id: int | None) -> None:
    if manager_id is None:
        return
    manager = repository.get_user(session, manager_id)
    if manager is None:
        raise InvalidInput.one("manager_id", f"no user with id {manager_id}")
    if manager.role not in (Role.MANAGER, Role.ADMIN):
        raise InvalidInput.one("manager_id", f"user {manager_id} is a {manager.role}, not a manager")


def create_user(
    session: Session, data: UserCreate, actor: User | None = None, *, password_hash: str | None = None
) -> User:
    """Creates a user after checking the e-mail is free and the manager exists.

    A caller creating many users with one shared password (the demo) may pass that password's hash,
    so argon2 runs once rather than once per user.
    """
    if repository.get_user_by_email(session, data.email):
        raise Conflict(f"email: a user with {data.email} already exists")
    _check_manager(session, data.manager_id)
    user = User(
        email=str(data.email).lower(),
        name=data.name,
        role=data.role.value,
        locale=data.locale,
        manager_id=data.manager_id,
        password_hash=password_hash or hash_password(data.password),
    )
    repository.add(session, user)
    record(session, actor, "create", "user", user.id, data.model_dump(exclude={"password"}))
    return user


def update_user(session: Session, user_id: int, data: UserUpdate, actor: User) -> User:
    """Changes a user's fields (admins, or a user changing their own name, locale or password)."""
    user = get_user(session, user_id)
    fields = data.model_dump(exclude_unset=True)
    if actor.id != user.id or {"role", "manager_id", "active"} & set(fields):
        require_admin(actor)
    if "manager_id" in fields:
        if fields["manager_id"] == user.id:
            raise InvalidInput.one("manager_id", "a user cannot manage themselves")
        _check_manager(session, fields["manager_id"])
    current = fields.pop("current_password", None)
    if "password" in fields:
        _check_current_password(actor, user, current)
    changes: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "password":
            user.password_hash = hash_password(value)
            user.session_version += 1  # every signed-in session ends; API tokens stay until revoked
            changes["password"] = "changed"
            continue
        stored = value.value if isinstance(value, Role) else value
        if getattr(user, name) != stored:
            changes[name] = stored
            setattr(user, name, stored)
    session.flush()
    if changes:
        record(session, actor, "update", "user", user.id, changes)
    return user


def _check_current_password(actor: User, user: User, current: str | None) -> None:
    """Users changing their own password prove they know it; a stolen token or cookie alone cannot."""
    if actor.id != user.id:
        return  # an admin resetting someone else's password (require_admin already held)
    if not current or not verify_password(user.password_hash, current):
        raise InvalidInput.one("current_password", "give your current password to set a new one")


def end_sessions(session: Session, user: User) -> None:
    """Ends every signed-in session of the user: cookies issued before now stop working."""
    user.session_version += 1
    session.flush()
    record(session, user, "sign_out", "user", user.id)


def get_user(session: Session, user_id: int) -> User:
    """Gets a user or raises NotFound."""
    user = repository.get_user(session, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


def find_user_by_email(session: Session, email: str) -> User | None:
    """Finds a user by e-mail (case-insensitive)."""
    return repository.get_user_by_email(session, email)


def list_users(session: Session) -> list[User]:
    """Lists all users."""
    return repository.list_users(session)


def visible_owners(session: Session, viewer: User) -> list[User]:
    """Users whose accounts the viewer may see (the owner menus), in one query."""
    scope = scope_for(session, viewer)
    return [u for u in list_users(session) if scope.allows_owner(u.id)]


def existing_user_ids(session: Session, ids: set[int]) -> set[int]:
    """Which of these ids are users."""
    return repository.existing_user_ids(session, ids)


def authenticate(session: Session, email: str, password: str) -> User | None:
    """Returns the active user with this e-mail and password, or None."""
    user = repository.get_user_by_email(session, email.strip())
    if user is None:
        verify_password(_dummy_hash(), password)
        return None
    if not user.active or not verify_password(user.password_hash, password):
        return None
    return user


def record_failed_sign_in(session: Session, email: str, address: str) -> None:
    """Writes a failed sign-in to the audit log (the account's id when the e-mail is a user's)."""
    user = repository.get_user_by_email(session, email.strip())
    changes = {"email": email.strip()[:254], "address": address}
    record(session, None, "login_failed", "user", user.id if user else None, changes)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """Mints an API token for a user; returns the row and the plaintext (shown once)."""
    if not name.strip():
        raise InvalidInput.one("name", "must not be empty")
    plaintext = "lst_" + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name.strip(), token_hash=_token_hash(plaintext))
    repository.add(session, token)
    record(session, user, "create", "api_token", token.id, {"name": token.name})
    return token, plaintext


def list_api_tokens(session: Session, viewer: User, user_id: int | None = None) -> list[ApiToken]:
    """The viewer's own tokens; an admin sees everyone's, or one user's with `user_id`."""
    if viewer.role != Role.ADMIN:
        user_id = viewer.id
    return repository.tokens(session, user_id)


def revoke_api_token(session: Session, viewer: User, token_id: int) -> ApiToken:
    """Revokes a token of the viewer's (admins: anyone's); another's token is not found."""
    token = repository.get_token(session, token_id)
    if token is None or (viewer.role != Role.ADMIN and token.user_id != viewer.id):
        raise NotFound(f"token {token_id} not found")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
        record(session, viewer, "revoke", "api_token", token.id, {"name": token.name})
    return token


def user_for_token(session: Session, plaintext: str) -> User | None:
    """The active user behind a live API token, or None."""
    token = repository.token_by_hash(session, _token_hash(plaintext))
    if token is None:
        return None
    user = repository.get_user(session, token.user_id)
    return user if user is not None and user.active else None


def history(session: Session, entity: str, entity_id: int) -> list[AuditEntry]:
    """The audit trail of one record, newest first."""
    return repository.audit_entries(session, entity, entity_id)
