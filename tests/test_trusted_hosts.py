"""The Host header: only trusted names are answered, and an untrusted one is never echoed."""

import logging

import pytest

from backoffice import create_app
from tests.builders import make_customer

EVIL = "evil.example"


@pytest.fixture
def two_customers(channel):
    return [make_customer(channel), make_customer(channel)]


def test_an_untrusted_host_gets_400_and_never_reaches_the_api_links(api, two_customers):
    response = api.get("/api/v1/customers/?limit=1", headers={"Host": EVIL})
    assert response.status_code == 400
    assert response.get_json() == {"detail": "Bad request."}
    assert EVIL not in response.get_data(as_text=True)


def test_an_untrusted_host_gets_an_error_page_outside_the_api(client, agent_client):
    for caller in (client, agent_client):
        for path in ("/login", "/customers/", "/no-such-page"):
            response = caller.get(path, headers={"Host": f"{EVIL}:5000"})
            assert response.status_code == 400, path
            page = response.get_data(as_text=True)
            assert "Bad request" in page and EVIL not in page
            assert response.headers["X-Request-ID"]


@pytest.mark.parametrize("host", ["localhost", "localhost:5000", "127.0.0.1", "127.0.0.1:8000"])
def test_loopback_names_are_trusted_when_none_are_configured(api, two_customers, host):
    response = api.get("/api/v1/customers/?limit=1", headers={"Host": host})
    assert response.status_code == 200
    assert response.get_json()["next"] == f"http://{host}/api/v1/customers/?limit=1&page=2"


def test_configured_hosts_replace_the_loopback_default(monkeypatch, database_url, users):
    monkeypatch.setenv("TRUSTED_HOSTS", " backoffice.example.com, .staff.example ,")
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url})
    assert app.config["TRUSTED_HOSTS"] == ["backoffice.example.com", ".staff.example"]
    client = app.test_client()
    assert client.get("/login", headers={"Host": "backoffice.example.com"}).status_code == 200
    assert client.get("/login", headers={"Host": "eu.staff.example:443"}).status_code == 200
    assert client.get("/login", headers={"Host": "localhost"}).status_code == 400
    assert client.get("/login", headers={"Host": "backoffice.example.com.evil"}).status_code == 400


def test_a_start_without_trusted_hosts_says_how_to_set_them(monkeypatch, caplog):
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    with caplog.at_level(logging.WARNING, logger="backoffice"):
        app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["TRUSTED_HOSTS"] == ["localhost", "127.0.0.1"]
    assert "TRUSTED_HOSTS" in caplog.text and "comma" in caplog.text
    caplog.clear()
    monkeypatch.setenv("TRUSTED_HOSTS", "backoffice.example.com")
    with caplog.at_level(logging.WARNING, logger="backoffice"):
        create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert "TRUSTED_HOSTS" not in caplog.text
