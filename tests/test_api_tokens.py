"""API tokens: expiry, revocation, their last use shown to their owner, and a touch that never
makes a read wait for a write lock."""

import sqlite3
import threading
from contextlib import contextmanager
from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import select, update

from backoffice import create_app
from backoffice.auth.models import ApiToken, hash_token
from backoffice.extensions import db
from backoffice.formatting import when
from backoffice.types import utcnow
from tests.conftest import ApiClient

LIST = "/api/v1/customers/"
PROMPTLY = 5.0  # seconds; a read that waited on the lock took 30 s (SQLite) or forever (PG)


def token_row(key: str) -> ApiToken:
    db.session.expire_all()
    return db.session.scalars(select(ApiToken).where(ApiToken.token_hash == hash_token(key))).one()


def age_token(key: str, days: float) -> None:
    created = utcnow() - timedelta(days=days)
    db.session.execute(
        update(ApiToken).where(ApiToken.token_hash == hash_token(key)).values(created_date=created)
    )
    db.session.commit()


# Expiry


def test_tokens_never_expire_unless_a_lifetime_is_set(app, api, tokens):
    age_token(tokens["agent"], days=3650)
    assert api.get(LIST).status_code == 200


def test_a_token_older_than_its_lifetime_is_refused_as_drf_refuses_a_wrong_one(app, api, tokens):
    app.config["API_TOKEN_TTL_DAYS"] = 30
    age_token(tokens["agent"], days=29)
    assert api.get(LIST).status_code == 200
    age_token(tokens["agent"], days=31)
    response = api.get(LIST)
    assert response.status_code == 401
    assert response.get_json() == {"detail": "Invalid token."}
    assert response.headers["WWW-Authenticate"] == "Token"


def test_the_lifetime_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("API_TOKEN_TTL_DAYS", "90")
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["API_TOKEN_TTL_DAYS"] == 90
    monkeypatch.setenv("API_TOKEN_TTL_DAYS", "ninety")
    with pytest.raises(RuntimeError, match="API_TOKEN_TTL_DAYS"):
        create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


# Revocation and listing from the command line


def test_revoke_tokens_ends_every_token_of_that_user_only(app, runner, users, tokens):
    second = ApiClient(app.test_client(), _issue(users["agent"]))
    result = runner.invoke(args=["users", "revoke-tokens", "AGENT@test.example"])
    assert result.exit_code == 0, result.output
    assert "Revoked 2 API tokens of agent@test.example" in result.output
    assert second.get(LIST).status_code == 401
    assert ApiClient(app.test_client(), tokens["agent"]).get(LIST).status_code == 401
    assert ApiClient(app.test_client(), tokens["supervisor"]).get(LIST).status_code == 200


def test_revoke_tokens_with_a_prefix_ends_only_that_token(app, runner, users, tokens):
    second = _issue(users["agent"])
    result = runner.invoke(
        args=["users", "revoke-tokens", "agent@test.example", "--prefix", second[:8]]
    )
    assert "Revoked 1 API token of agent@test.example" in result.output
    assert ApiClient(app.test_client(), second).get(LIST).status_code == 401
    assert ApiClient(app.test_client(), tokens["agent"]).get(LIST).status_code == 200


def test_revoke_tokens_of_an_unknown_user_fails_clearly(runner, users):
    result = runner.invoke(args=["users", "revoke-tokens", "nobody@test.example"])
    assert result.exit_code == 1
    assert "no user with the email nobody@test.example" in result.output


def test_users_tokens_lists_prefixes_and_last_use_never_the_key(app, runner, api, tokens):
    unused = _issue(token_row(tokens["agent"]).user)
    api.get(LIST)
    result = runner.invoke(args=["users", "tokens", "agent@test.example"])
    assert result.exit_code == 0, result.output
    used_line = next(line for line in result.output.splitlines() if tokens["agent"][:8] in line)
    unused_line = next(line for line in result.output.splitlines() if unused[:8] in line)
    assert token_row(tokens["agent"]).last_used_at.strftime("%Y-%m-%d %H:%M") in used_line
    assert "never" in unused_line
    assert tokens["agent"] not in result.output and unused not in result.output


def test_users_tokens_marks_expired_tokens(app, runner, tokens):
    app.config["API_TOKEN_TTL_DAYS"] = 30
    age_token(tokens["agent"], days=40)
    result = runner.invoke(args=["users", "tokens", "agent@test.example"])
    assert "expired" in result.output


# The account page: the signed-in person's own tokens


def test_the_account_page_shows_my_tokens_and_their_last_use(app, agent_client, api, tokens):
    api.get(LIST)
    page = agent_client.get("/account").get_data(as_text=True)
    assert tokens["agent"][:8] in page
    with app.test_request_context("/account"):  # as the page shows it: English, Istanbul
        last_use = when(token_row(tokens["agent"]).last_used_at)
    assert last_use in page
    assert tokens["supervisor"][:8] not in page
    assert tokens["agent"] not in page
    assert 'href="/account"' in agent_client.get("/").get_data(as_text=True)


def test_the_account_page_says_when_there_are_no_tokens(app, users):
    from tests.conftest import sign_in

    client = sign_in(app.test_client(), users["admin"])
    assert "no API tokens" in client.get("/account").get_data(as_text=True)


# The last-use write never makes a read wait


@contextmanager
def write_locked(database_url: str, key: str):
    """Another connection holding the lock the touch needs: SQLite's write lock (BEGIN
    IMMEDIATE), on PostgreSQL the token's row."""
    if database_url.startswith("sqlite"):
        locker = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        locker.execute("BEGIN IMMEDIATE")
    else:
        locker = psycopg.connect(database_url)
        locker.execute(
            "SELECT id FROM api_tokens WHERE token_hash = %s FOR UPDATE", (hash_token(key),)
        )
    try:
        yield
    finally:
        locker.rollback()
        locker.close()


def test_a_token_read_answers_promptly_while_another_writer_holds_the_lock(
    app, api, tokens, database_url
):
    answers = []
    with write_locked(database_url, tokens["agent"]):
        reader = threading.Thread(target=lambda: answers.append(api.get(LIST).status_code))
        reader.start()
        reader.join(PROMPTLY)
        answered_in_time = not reader.is_alive()
    reader.join()
    assert answered_in_time, "the GET waited for the write lock"
    assert answers == [200]
    assert token_row(tokens["agent"]).last_used_at is None  # skipped, not waited for
    assert api.get(LIST).status_code == 200
    assert token_row(tokens["agent"]).last_used_at is not None  # the next use records it


def _issue(user) -> str:
    from backoffice.auth.service import issue_token

    return issue_token(user)
