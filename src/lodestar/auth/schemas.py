"""Pydantic in/out models for users and tokens."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from lodestar.auth.models import Role
from lodestar.settings import SUPPORTED_LOCALES

Locale = str


class UserCreate(BaseModel):
    """A new user."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: EmailStr
    name: str = Field(min_length=1, max_length=120)
    role: Role = Role.CSM
    locale: str = Field("en", pattern="^(" + "|".join(SUPPORTED_LOCALES) + ")$")
    manager_id: int | None = None
    password: str = Field(min_length=8, max_length=200)


class UserUpdate(BaseModel):
    """Fields an admin may change on a user; absent fields stay as they are."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(None, min_length=1, max_length=120)
    role: Role | None = None
    locale: str | None = Field(None, pattern="^(" + "|".join(SUPPORTED_LOCALES) + ")$")
    manager_id: int | None = None
    active: bool | None = None
    password: str | None = Field(None, min_length=8, max_length=200)
    current_password: str | None = Field(
        None, max_length=200, description="Required with `password` when users change their own password."
    )


class UserRead(BaseModel):
    """A user as the API shows it (never the password hash)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str
    role: Role
    locale: str
    manager_id: int | None
    active: bool
    created_at: datetime


class TokenRead(BaseModel):
    """An API token as its owner and admins see it (never its value)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    name: str
    created_at: datetime
    revoked_at: datetime | None


class TokenCreated(BaseModel):
    """A freshly minted API token: the only time its value is shown."""

    id: int
    name: str
    token: str
