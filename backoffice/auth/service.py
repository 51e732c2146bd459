"""Staff accounts and API tokens: creating them and checking credentials."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Connection, bindparam, delete, func, select, update
from sqlalchemy.exc import OperationalError

from backoffice.auth.models import ROLES, ApiToken, Staff, User, hash_token
from backoffice.database import reset_write_intent, set_write_intent
from backoffice.dbread import read_one_or_none
from backoffice.extensions import db
from backoffice.types import utcnow

# A token's last use is written at most this often, so reads stay reads.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)
MIN_PASSWORD_LENGTH = 8


class UserError(Exception):
    pass


def find_user(email: str) -> User | None:
    return db.session.scalars(
        select(User).where(func.lower(User.email) == email.strip().lower())
    ).one_or_none()


def create_user(email: str, password: str, role: str = "agent") -> User:
    email = email.strip()
    if role not in ROLES:
        raise UserError(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if find_user(email) is not None:
        raise UserError(f"A user with the email {email} already exists.")
    user = User(email=email, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None; the same work either way."""
    user = find_user(email)
    if user is None:
        # Hash anyway so that timing does not tell whether the account exists.
        User(email="", password_hash=_DUMMY_HASH).check_password(password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    return user


def record_login(user: User) -> None:
    user.last_login_at = utcnow()
    db.session.commit()


def end_all_sessions(user_id: int) -> None:
    db.session.get_one(User, user_id).rotate_session_nonce()
    db.session.commit()


def set_preferences(user_id: int, **values: str | None) -> None:
    """Store the user's ``language`` and/or ``timezone`` (checked by the caller's form)."""
    unknown = set(values) - {"language", "timezone"}
    if unknown:
        raise ValueError(f"not a preference: {', '.join(sorted(unknown))}")
    user = db.session.get_one(User, user_id)
    for name, value in values.items():
        setattr(user, name, value)
    db.session.commit()


def issue_token(user: User) -> str:
    """Create a token for ``user`` and return its key; only the key's hash is stored."""
    key = ApiToken.generate_key()
    db.session.add(ApiToken(user=user, token_hash=hash_token(key), prefix=key[:8]))
    db.session.commit()
    return key


def token_lifetime() -> timedelta | None:
    """How long a token lives from its creation (API_TOKEN_TTL_DAYS); None: until revoked."""
    days = current_app.config.get("API_TOKEN_TTL_DAYS")
    return timedelta(days=days) if days else None


def revoke_tokens(user: User, prefix: str | None = None) -> int:
    """Delete ``user``'s tokens (those starting with ``prefix``); return how many."""
    statement = delete(ApiToken).where(ApiToken.user_id == user.id)
    if prefix:
        statement = statement.where(ApiToken.prefix == prefix[:8])
    deleted = db.session.execute(statement).rowcount
    db.session.commit()
    return deleted


@dataclass(frozen=True)
class TokenUse:
    """What a person may see of a token: never its key or hash."""

    prefix: str
    created_date: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    expired: bool


def token_uses(user_id: int) -> list[TokenUse]:
    """A user's tokens, most recently used first (the last use is kept to the minute)."""
    lifetime, now = token_lifetime(), utcnow()
    tokens = db.session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == user_id)
        .order_by(ApiToken.last_used_at.desc().nulls_last(), ApiToken.id.desc())
    )
    uses = []
    for token in tokens:
        expires_at = token.created_date + lifetime if lifetime else None
        expired = expires_at is not None and expires_at <= now
        uses.append(
            TokenUse(token.prefix, token.created_date, token.last_used_at, expires_at, expired)
        )
    return uses


# Built once, of table columns: a Core statement skips the ORM's work on every request.
USERS, TOKENS = User.__table__, ApiToken.__table__
STAFF_COLUMNS = (
    USERS.c.id,
    USERS.c.email,
    USERS.c.role,
    USERS.c.session_nonce,
    USERS.c.language,
    USERS.c.timezone,
)
SESSION_USER = select(*STAFF_COLUMNS).where(
    USERS.c.id == bindparam("user_id"), USERS.c.is_active.is_(True)
)
TOKEN_USER = (
    select(TOKENS.c.id, TOKENS.c.created_date, TOKENS.c.last_used_at, *STAFF_COLUMNS)
    .join_from(TOKENS, USERS, TOKENS.c.user_id == USERS.c.id)
    .where(TOKENS.c.token_hash == bindparam("token_hash"), USERS.c.is_active.is_(True))
)
# The last use, written only if no one holds the token's row (PostgreSQL: SKIP LOCKED; SQLite
# has no row locks: there the write is tried without a busy wait, see _without_waiting).
TOUCH = (
    update(TOKENS)
    .where(
        TOKENS.c.id.in_(
            select(TOKENS.c.id)
            .where(TOKENS.c.id == bindparam("token_id"))
            .with_for_update(skip_locked=True)
        )
    )
    .values(last_used_at=bindparam("now"))
)


def staff_for_session(user_id: int, nonce: str) -> Staff | None:
    """The active user of a browser session, or None once the session was ended."""
    found = read_one_or_none(SESSION_USER, {"user_id": user_id})
    if found is None:
        return None
    staff = Staff(*found)
    return staff if staff.session_nonce == nonce else None


def user_for_token(key: str) -> Staff | None:
    """The active user holding this unexpired token key, or None; one statement on every API
    request (and, once a minute per token, a write of its last use that never waits)."""
    found = read_one_or_none(TOKEN_USER, {"token_hash": hash_token(key)})
    if found is None:
        return None
    token_id, created_date, last_used_at, *user = found
    now, lifetime = utcnow(), token_lifetime()
    if lifetime is not None and now >= created_date + lifetime:
        return None
    if last_used_at is None or now - last_used_at > TOKEN_TOUCH_INTERVAL:
        _touch(token_id, now)
    return Staff(*user)


def _touch(token_id: int, now: datetime) -> None:
    """Record a token's use in a short write of its own, or skip it if it would have to wait
    for a lock: the request may be a read, and a read never waits for a writer. A skipped
    use is recorded by the next one."""
    db.session.commit()  # end the read transaction: the write begins afresh
    intent = set_write_intent(False)  # take no lock at BEGIN (SQLite: a deferred BEGIN)
    try:
        connection = db.session.connection()
    finally:
        reset_write_intent(intent)
    try:
        with _without_waiting(connection):
            connection.execute(TOUCH, {"token_id": token_id, "now": now})
        db.session.commit()
    except OperationalError:  # SQLite: another connection holds the write lock
        db.session.rollback()


@contextmanager
def _without_waiting(connection: Connection) -> Iterator[None]:
    """On SQLite, no busy wait for the lock inside this block (restored afterwards)."""
    if connection.dialect.name != "sqlite":
        yield
        return
    previous = int(connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one())
    connection.exec_driver_sql("PRAGMA busy_timeout = 0")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {previous}")


def _dummy_hash() -> str:
    probe = User(email="")
    probe.set_password("not-a-real-password")
    return probe.password_hash


_DUMMY_HASH = _dummy_hash()
