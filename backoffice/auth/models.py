"""User and ApiToken models."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from backoffice.extensions import db
from backoffice.types import UTCDateTime, utcnow

ROLES = ("agent", "supervisor", "admin")
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}
PASSWORD_METHOD = "scrypt:32768:8:1"  # noqa: S105  (a hashing method, not a secret)


def outranks(role: str, required: str) -> bool:
    """True when ``role`` is ``required`` or above it."""
    return ROLE_RANK[role] >= ROLE_RANK[required]


def _new_session_nonce() -> str:
    return secrets.token_hex(16)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="agent")
    is_active: Mapped[bool] = mapped_column(default=True)
    # Part of the session identity: rotating it ends every session of this user.
    session_nonce: Mapped[str] = mapped_column(String(32), default=_new_session_nonce)
    created_date: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The pages' language ("en", "tr") and time zone (an IANA name); None: the default.
    language: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str | None] = mapped_column(String(64))

    tokens: Mapped[list["ApiToken"]] = relationship(back_populates="user")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def has_role(self, role: str) -> bool:
        """True when this user's role is ``role`` or above it."""
        return outranks(self.role, role)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    def rotate_session_nonce(self) -> None:
        self.session_nonce = _new_session_nonce()

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


@dataclass(frozen=True, eq=False)
class Staff(UserMixin):
    """The active user a request acts for (by session or token), read without the ORM."""

    id: int
    email: str
    role: str
    session_nonce: str
    language: str | None = None
    timezone: str | None = None

    def has_role(self, role: str) -> bool:
        return outranks(self.role, role)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"


def hash_token(key: str) -> str:
    """Tokens are 160 random bits, so a fast hash is enough to keep them unusable at rest."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters, so a person can tell tokens apart without the secret.
    prefix: Mapped[str] = mapped_column(String(8))
    created_date: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="tokens", lazy="joined")

    @staticmethod
    def generate_key() -> str:
        # Forty hex characters, the shape of a DRF token key.
        return secrets.token_hex(20)
