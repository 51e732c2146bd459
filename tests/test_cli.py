"""The operators' commands: users, tokens and demo data."""

from sqlalchemy import func, select

from backoffice.audit.models import AuditEvent
from backoffice.auth.models import ApiToken, User, hash_token
from backoffice.auth.service import user_for_token
from backoffice.channels.models import Channel
from backoffice.customers.models import Customer
from backoffice.extensions import db
from backoffice.orders.models import Order


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_users_create_hashes_the_password(runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "new@example.com",
            "--role",
            "supervisor",
            "--password",
            "s3cret-pass",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalars(select(User)).one()
    assert (user.email, user.role) == ("new@example.com", "supervisor")
    assert "s3cret-pass" not in user.password_hash and user.password_hash.startswith("scrypt:")
    assert user.check_password("s3cret-pass")


def test_users_create_reads_password_from_stdin(runner):
    result = runner.invoke(
        args=["users", "create", "in@example.com", "--password-stdin"], input="from-stdin-pass\n"
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalars(select(User)).one()
    assert user.role == "agent" and user.check_password("from-stdin-pass")


def test_users_create_duplicate_email_fails_clearly(runner):
    args = ["users", "create", "dup@example.com", "--password", "long-enough"]
    assert runner.invoke(args=args).exit_code == 0
    result = runner.invoke(args=[*args[:2], "DUP@example.com", *args[3:]])
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert count(User) == 1


def test_users_create_rejects_unknown_role(runner):
    result = runner.invoke(
        args=["users", "create", "x@example.com", "--role", "god", "--password", "long-enough"]
    )
    assert result.exit_code == 2 and count(User) == 0


def test_users_token_prints_a_key_on_the_last_line_and_stores_only_its_hash(runner, users):
    result = runner.invoke(args=["users", "token", users["agent"].email])
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    assert len(key) == 40
    token = db.session.scalars(select(ApiToken)).one()
    assert token.token_hash == hash_token(key) and key not in token.token_hash
    assert user_for_token(key).id == users["agent"].id
    assert user_for_token("0" * 40) is None


def test_users_token_for_unknown_user_fails(runner):
    result = runner.invoke(args=["users", "token", "nobody@example.com"])
    assert result.exit_code == 1 and "no user" in result.output


def test_demo_seed_builds_varied_data_and_is_repeatable(runner):
    first = runner.invoke(args=["demo", "seed", "--customers", "60"])
    assert first.exit_code == 0, first.output
    assert "agent@example.com" in first.output and "supervisor@example.com" in first.output
    totals = [count(model) for model in (Channel, Customer, Order, User, AuditEvent)]
    assert totals[1] == 60 + 3 and totals[2] > 0 and totals[3] == 3  # + the person on 3 channels
    customers = db.session.scalars(select(Customer)).all()
    assert {c.gender for c in customers} >= {"male", "female", None}
    assert {c.user_type for c in customers} == {"registered", "guest"}
    assert any(c.is_anonymized for c in customers) and any(c.sms_allowed for c in customers)

    again = runner.invoke(args=["demo", "seed", "--customers", "60"])
    assert again.exit_code == 0, again.output
    db.session.expire_all()
    assert [count(model) for model in (Channel, Customer, Order, User, AuditEvent)] == totals
