"""Staff accounts and API tokens: creating them and checking credentials."""

from datetime import timedelta

from sqlalchemy import func, select, update

from backoffice.auth.models import ROLES, ApiToken, User, hash_token
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


def end_all_sessions(user: User) -> None:
    user.rotate_session_nonce()
    db.session.commit()


def issue_token(user: User) -> str:
    """Create a token for ``user`` and return its key; only the key's hash is stored."""
    key = ApiToken.generate_key()
    db.session.add(ApiToken(user=user, token_hash=hash_token(key), prefix=key[:8]))
    db.session.commit()
    return key


def user_for_token(key: str) -> User | None:
    token = db.session.scalars(
        select(ApiToken).where(ApiToken.token_hash == hash_token(key))
    ).one_or_none()
    if token is None or not token.user.is_active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        _touch(token.id, now)
    return token.user


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
