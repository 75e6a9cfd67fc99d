"""Account request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from livestall.validation import CountryCode, CurrencyCode, Email, StrictInput

Language = Literal["en", "es", "fr", "zh", "ar"]
Role = Literal["viewer", "seller", "host", "agency_admin", "operator"]
SelfServiceRole = Literal["viewer", "seller", "host"]
FollowKind = Literal["host", "shop"]


class UserCreate(StrictInput):
    email: Email
    password: str = Field(max_length=128)
    display_name: str = Field(min_length=1, max_length=80)
    language: Language = "en"
    country: CountryCode | None = None
    currency: CurrencyCode = "CNY"
    roles: list[SelfServiceRole] = Field(default_factory=lambda: ["viewer"], max_length=3)


class LoginIn(StrictInput):
    email: Email
    password: str = Field(max_length=128)


class ProfileUpdate(StrictInput):
    display_name: str | None = Field(None, min_length=1, max_length=80)
    language: Language | None = None
    country: CountryCode | None = None
    currency: CurrencyCode | None = None


class PasswordChange(StrictInput):
    current_password: str = Field(max_length=128)
    new_password: str = Field(max_length=128)


class RolesUpdate(StrictInput):
    roles: list[Role] = Field(min_length=1, max_length=5)


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    display_name: str
    language: str
    country: str | None
    currency: str
    roles: list[str]
    created_at: datetime


class LoginOut(BaseModel):
    token: str
    expires_at: datetime
    user: UserRead


class FollowRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    target_id: int
    created_at: datetime


class FollowerCount(BaseModel):
    kind: str
    target_id: int
    followers: int
