"""Staff accounts and API tokens: creating them and checking credentials."""

from datetime import timedelta

from sqlalchemy import bindparam, func, select, update

from backoffice.auth.models import ROLES, ApiToken, Staff, User, hash_token
from backoffice.database import write_intent
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


def issue_token(user: User) -> str:
    """Create a token for ``user`` and return its key; only the key's hash is stored."""
    key = ApiToken.generate_key()
    db.session.add(ApiToken(user=user, token_hash=hash_token(key), prefix=key[:8]))
    db.session.commit()
    return key


# Built once, of table columns: a Core statement skips the ORM's work on every request.
USERS, TOKENS = User.__table__, ApiToken.__table__
STAFF_COLUMNS = (USERS.c.id, USERS.c.email, USERS.c.role, USERS.c.session_nonce)
SESSION_USER = select(*STAFF_COLUMNS).where(
    USERS.c.id == bindparam("user_id"), USERS.c.is_active.is_(True)
)
TOKEN_USER = (
    select(TOKENS.c.id, TOKENS.c.last_used_at, *STAFF_COLUMNS)
    .join_from(TOKENS, USERS, TOKENS.c.user_id == USERS.c.id)
    .where(TOKENS.c.token_hash == bindparam("token_hash"), USERS.c.is_active.is_(True))
)


def staff_for_session(user_id: int, nonce: str) -> Staff | None:
    """The active user of a browser session, or None once the session was ended."""
    found = db.session.execute(SESSION_USER, {"user_id": user_id}).one_or_none()
    if found is None or found.session_nonce != nonce:
        return None
    return Staff(*found)


def user_for_token(key: str) -> Staff | None:
    """The active user holding this token key, or None; one statement on every API request."""
    found = db.session.execute(TOKEN_USER, {"token_hash": hash_token(key)}).one_or_none()
    if found is None:
        return None
    token_id, last_used_at, *user = found
    now = utcnow()
    if last_used_at is None or now - last_used_at > TOKEN_TOUCH_INTERVAL:
        _touch(token_id, now)
    return Staff(*user)


def _touch(token_id: int, now) -> None:
    """Record a token's use in a short write transaction of its own.

    Called while authenticating, before the request has written anything: the read
    transaction ends first, so the write begins afresh (on SQLite: takes the lock up front).
    """
    db.session.commit()
    with write_intent():
        db.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
        db.session.commit()


def _dummy_hash() -> str:
    probe = User(email="")
    probe.set_password("not-a-real-password")
    return probe.password_hash


_DUMMY_HASH = _dummy_hash()
