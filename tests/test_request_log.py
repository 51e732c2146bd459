"""Request logs: structured, useful to support, and free of personal data."""

import json
import logging

import pytest

from tests.builders import make_customer
from tests.conftest import PASSWORDS


class Capture(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def request_log():
    capture = Capture()
    logger = logging.getLogger("backoffice.requests")
    logger.addHandler(capture)
    yield capture.lines
    logger.removeHandler(capture)


def test_each_request_is_one_json_line(request_log, api, channel, users):
    customer = make_customer(channel)
    response = api.get(f"/api/v1/customers/{customer.id}/", headers={"X-Request-ID": "req-42"})
    [line] = request_log
    entry = json.loads(line)
    assert entry == {
        "event": "request",
        "method": "GET",
        "path": f"/api/v1/customers/{customer.id}/",
        "query_keys": [],
        "status": 200,
        "duration_ms": entry["duration_ms"],
        "user_id": users["agent"].id,
        "request_id": "req-42",
    }
    assert response.headers["X-Request-ID"] == "req-42"


def test_an_api_answer_is_logged_with_its_tokens_user_never_the_browsers(
    agent_client, tokens, users, request_log
):
    token = {"Authorization": f"Token {tokens['supervisor']}"}
    assert agent_client.get("/api/v1/customers/", headers=token).status_code == 200
    assert agent_client.get("/api/v1/customers/").status_code == 401
    assert agent_client.get("/customers/").status_code == 200
    logged = [json.loads(line)["user_id"] for line in request_log]
    assert logged == [users["supervisor"].id, None, users["agent"].id]


def test_no_personal_data_reaches_the_log(request_log, api, client, channel, tokens):
    secret_email, phone, name = "very.private@example.com", "05551112233", "Zebulon"
    body = {"email": secret_email, "channel": channel.id, "channel_code": "c-1",
            "phone_number": phone, "first_name": name}  # fmt: skip
    api.post("/api/v1/customers/", json=body)
    api.get(f"/api/v1/customers/?email={secret_email}&phone_number={phone}")
    api.post("/api/v1/customers/", json=body)  # a duplicate: an error path too
    client.post("/login", data={"email": secret_email, "password": "a-password-123"})
    client.post(
        "/api/v1/auth/login/", json={"username": secret_email, "password": PASSWORDS["agent"]}
    )
    text = "\n".join(request_log)
    assert len(request_log) == 5
    for secret in (
        secret_email,
        phone,
        name,
        tokens["agent"],
        "a-password-123",
        PASSWORDS["agent"],
    ):
        assert secret not in text
    assert json.loads(request_log[1])["query_keys"] == ["email", "phone_number"]
