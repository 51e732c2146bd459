"""Sign-in, sign-out and the protection of every page."""

import pytest

from backoffice.extensions import db
from tests.conftest import PASSWORDS, sign_in

NEUTRAL = "Email or password is incorrect, or the account is disabled."


def test_pages_require_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_sign_in_and_see_the_home_page(client, users):
    response = client.post(
        "/login?next=/", data={"email": "agent@test.example", "password": PASSWORDS["agent"]}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200 and "agent@test.example" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("email", "password"),
    [("agent@test.example", "wrong-password"), ("nobody@test.example", "whatever-pass")],
)
def test_wrong_credentials_give_one_neutral_message(client, users, email, password):
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 200
    assert NEUTRAL in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_a_deactivated_user_cannot_sign_in(client, users):
    users["agent"].is_active = False
    db.session.commit()
    response = client.post(
        "/login", data={"email": "agent@test.example", "password": PASSWORDS["agent"]}
    )
    assert NEUTRAL in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "https://evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
    ],
)
def test_next_never_leaves_the_site(client, users, target):
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": "agent@test.example", "password": PASSWORDS["agent"]},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_sign_out_ends_the_session_even_for_a_replayed_cookie(client, users):
    sign_in(client, users["agent"])
    stolen = client.get_cookie("session").value
    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get("/").status_code == 302
    client.set_cookie("session", stolen)
    assert client.get("/").status_code == 302


def test_sign_out_requires_a_csrf_token(app, agent_client):
    app.config["WTF_CSRF_ENABLED"] = True
    client = agent_client
    response = client.post("/logout")
    assert response.status_code == 400
    assert "Form expired" in response.get_data(as_text=True)
    assert client.get("/").status_code == 200  # still signed in


def test_repeated_failures_for_one_account_are_refused_for_a_while(client, users):
    for _ in range(5):
        client.post("/login", data={"email": "agent@test.example", "password": "wrong-password"})
    response = client.post(
        "/login", data={"email": "agent@test.example", "password": PASSWORDS["agent"]}
    )
    assert response.status_code == 429
    # Unknown accounts are limited the same way: the answer reveals nothing.
    for _ in range(5):
        client.post("/login", data={"email": "ghost@test.example", "password": "wrong-password"})
    assert (
        client.post(
            "/login", data={"email": "ghost@test.example", "password": "wrong-password"}
        ).status_code
        == 429
    )


def test_unknown_page_renders_in_the_layout(agent_client):
    response = agent_client.get("/no/such/page")
    assert response.status_code == 404
    assert "There is nothing at this address" in response.get_data(as_text=True)


def test_passwords_are_hashed_with_scrypt_at_current_work_factors(app):
    from backoffice.auth.service import create_user

    user = create_user("hash@test.example", "a-long-password", "agent")
    method, salt, digest = user.password_hash.split("$")
    assert method == "scrypt:32768:8:1" and len(salt) >= 16 and len(digest) == 128
    assert "a-long-password" not in user.password_hash
