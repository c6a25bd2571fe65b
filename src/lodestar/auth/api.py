"""JSON routes for the caller, their API tokens, and users."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, ConfigDict, Field

from lodestar.auth import service as auth_service
from lodestar.auth.deps import ApiUser
from lodestar.auth.models import ApiToken, Role, User
from lodestar.auth.schemas import TokenCreated, TokenRead, UserCreate, UserRead, UserUpdate
from lodestar.kit.errors import PermissionDenied
from lodestar.web.deps import Db

router = APIRouter()

_SEE_ALL_USERS = (Role.ADMIN.value, Role.MANAGER.value)


class TokenRequest(BaseModel):
    """What to call a new API token."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field("api", min_length=1, max_length=120, description="A label to recognise the token by.")


def _require_user_reader(caller: User, user_id: int | None = None) -> None:
    if caller.role not in _SEE_ALL_USERS and caller.id != user_id:
        raise PermissionDenied("only admins and managers can see other users")


@router.get("/me", response_model=UserRead, tags=["me"], summary="The calling user")
def me(caller: ApiUser) -> User:
    """Shows who the token or session belongs to."""
    return caller


@router.post(
    "/tokens",
    response_model=TokenCreated,
    status_code=status.HTTP_201_CREATED,
    tags=["me"],
    summary="Mint an API token for the caller",
)
def create_token(data: TokenRequest, caller: ApiUser, db: Db) -> TokenCreated:
    """Mints a token for the caller; its value is shown only in this answer."""
    token, plaintext = auth_service.create_api_token(db, caller, data.name)
    return TokenCreated(id=token.id, name=token.name, token=plaintext)


@router.get("/tokens", response_model=list[TokenRead], tags=["me"], summary="List API tokens")
def list_tokens(caller: ApiUser, db: Db, user_id: int | None = None) -> list[ApiToken]:
    """The caller's tokens (never their values); admins see everyone's, or one user's with `user_id`."""
    return auth_service.list_api_tokens(db, caller, user_id)


@router.delete(
    "/tokens/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["me"],
    summary="Revoke an API token",
    response_class=Response,
)
def revoke_token(token_id: int, caller: ApiUser, db: Db) -> Response:
    """Revokes one of the caller's tokens (admins: anyone's); it stops working at once."""
    auth_service.revoke_api_token(db, caller, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/users", response_model=list[UserRead], tags=["users"], summary="List users")
def list_users(caller: ApiUser, db: Db) -> list[User]:
    """Lists every user (admins and managers)."""
    _require_user_reader(caller)
    return auth_service.list_users(db)


@router.post(
    "/users",
    response_model=UserRead,
    status_code=status.HTTP_201_CREATED,
    tags=["users"],
    summary="Create a user",
)
def create_user(data: UserCreate, caller: ApiUser, db: Db) -> User:
    """Creates a user (admins)."""
    auth_service.require_admin(caller)
    return auth_service.create_user(db, data, actor=caller)


@router.get("/users/{user_id}", response_model=UserRead, tags=["users"], summary="Get a user")
def get_user(user_id: int, caller: ApiUser, db: Db) -> User:
    """Shows one user (admins and managers, or the user themselves)."""
    _require_user_reader(caller, user_id)
    return auth_service.get_user(db, user_id)


@router.patch("/users/{user_id}", response_model=UserRead, tags=["users"], summary="Change a user")
def update_user(user_id: int, data: UserUpdate, caller: ApiUser, db: Db) -> User:
    """Changes a user (admins; anyone may change their own name, locale and password).

    Changing one's own password needs `current_password`; it ends every signed-in session of the user.
    """
    return auth_service.update_user(db, user_id, data, caller)
