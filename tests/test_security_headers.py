"""Headers and cookies that keep pages and personal data where they belong."""

import pytest

from tests.builders import make_customer
from tests.conftest import PASSWORDS


@pytest.mark.parametrize("path", ["/login", "/api/v1/customers/", "/no-such-page"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    assert len(response.headers["X-Request-ID"]) >= 16


def test_customer_pages_and_api_answers_are_not_cached(agent_client, api, channel):
    customer = make_customer(channel)
    for response in (
        agent_client.get(f"/customers/{customer.id}/"),
        agent_client.get("/customers/"),
        api.get(f"/api/v1/customers/{customer.id}/"),
    ):
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"


def test_static_assets_may_be_cached(client):
    response = client.get("/static/css/app.css")
    try:
        assert response.status_code == 200 and response.headers.get("Cache-Control") != "no-store"
    finally:
        response.close()


def test_session_cookie_is_httponly_and_samesite_lax(client, users):
    response = client.post(
        "/login",
        data={"email": "agent@test.example", "password": PASSWORDS["agent"], "remember": "y"},
    )
    cookies = response.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("session="))
    remember = next(c for c in cookies if c.startswith("remember_token="))
    for cookie in (session, remember):
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_cookies_are_secure_when_served_over_https(app, users):
    app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    response = app.test_client().post(
        "/login",
        data={"email": "agent@test.example", "password": PASSWORDS["agent"], "remember": "y"},
    )
    assert all("Secure" in c for c in response.headers.getlist("Set-Cookie"))


def test_the_session_is_renewed_at_sign_in(client, users):
    client.get("/login")
    client.set_cookie("session", "planted-by-an-attacker")
    response = client.post(
        "/login", data={"email": "agent@test.example", "password": PASSWORDS["agent"]}
    )
    new = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "planted-by-an-attacker" not in new
    assert client.get("/customers/").status_code == 200


def test_an_incoming_request_id_is_kept_and_a_bad_one_replaced(client):
    assert (
        client.get("/login", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"]
        == "abc-123"
    )
    replaced = client.get("/login", headers={"X-Request-ID": "<script>"}).headers["X-Request-ID"]
    assert replaced != "<script>" and replaced.isalnum()
