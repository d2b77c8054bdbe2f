"""Accounts and signed-in sessions of the web app (`minutes serve`)."""

from datetime import datetime

from sqlmodel import CheckConstraint, Field, SQLModel

from minutes.db.base import utcnow


class User(SQLModel, table=True):
    """A person who signs in to the web app. The password is kept only as an argon2 hash."""

    __tablename__ = "web_user"
    __table_args__ = (CheckConstraint("role IN ('clerk', 'reviewer', 'admin')", name="ck_web_user_role"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    name_key: str = Field(max_length=200, unique=True, index=True)
    role: str = Field(max_length=20)
    password_hash: str
    disabled_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    password_changed_at: datetime = Field(default_factory=utcnow)


class WebSession(SQLModel, table=True):
    """A signed-in browser. Only the sha256 of the cookie's token is stored, so a copy of the database signs
    nobody in."""

    __tablename__ = "web_session"

    token_sha256: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="web_user.id", index=True)
    csrf: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen: datetime = Field(default_factory=utcnow)
