"""DRF's order of checks, content negotiation and headers (issue 13, items 9, 11 and 13)."""

import pytest

from tests.builders import make_customer

LIST = "/api/v1/customers/"
NO_CREDENTIALS = {"detail": "Authentication credentials were not provided."}


# -- item 9: authentication before routing details -------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"{LIST}abc/"),
        ("GET", f"{LIST}abc/detailed/"),
        ("PUT", LIST),
        ("DELETE", f"{LIST}1/"),
        ("POST", f"{LIST}detailed/"),
    ],
)
def test_no_token_is_401_before_404_or_405(anonymous_api, method, path):
    response = anonymous_api.open(method, path)
    assert (response.status_code, response.get_json()) == (401, NO_CREDENTIALS)
    assert response.headers["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(("method", "path", "status"), [("GET", f"{LIST}abc/", 404),
                                                          ("PUT", LIST, 405)])  # fmt: skip
def test_with_a_token_the_route_answers(api, method, path, status):
    assert api.open(method, path).status_code == status


# -- item 11: content negotiation ------------------------------------------------------------------


@pytest.mark.parametrize("accept", ["application/xml", "text/html", "text/plain"])
def test_an_accept_header_json_cannot_satisfy_is_406(api, channel, accept):
    response = api.get(LIST, headers={"Accept": accept})
    assert (response.status_code, response.get_json()) == (
        406,
        {"detail": "Could not satisfy the request Accept header."},
    )


def test_an_unknown_format_is_404(api, channel):
    response = api.get(f"{LIST}?format=xml")
    assert (response.status_code, response.get_json()) == (404, {"detail": "Not found."})
    assert api.get(f"{LIST}?format=json").status_code == 200


@pytest.mark.parametrize(
    "accept", [None, "*/*", "application/json", "application/*", "text/html, */*;q=0.8"]
)
def test_json_is_served_to_whoever_takes_it(api, channel, accept):
    headers = {"Accept": accept} if accept else {}
    response = api.get(LIST, headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "application/json"


def test_negotiation_comes_before_authentication(anonymous_api):
    response = anonymous_api.get(LIST, headers={"Accept": "application/xml"})
    assert response.status_code == 406


# -- item 13: Allow and Vary on every answer -------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        (LIST, "GET, POST, HEAD, OPTIONS"),
        ("{pk}", "GET, PUT, PATCH, HEAD, OPTIONS"),
        (f"{LIST}detailed/", "GET, HEAD, OPTIONS"),
        (f"{LIST}999/", "GET, PUT, PATCH, HEAD, OPTIONS"),
    ],
)
def test_every_answer_says_what_the_path_allows(api, anonymous_api, channel, path, allow):
    path = path.replace("{pk}", f"{LIST}{make_customer(channel).id}/")
    for client in (api, anonymous_api):
        response = client.get(path)
        assert response.headers["Allow"] == allow, response.status_code
        assert response.headers["Vary"].startswith("Accept, Authorization")


def test_token_answers_leave_the_browser_session_alone(agent_client, tokens, channel):
    """As DRF's TokenAuthentication: the browser session plays no part in an API answer, so
    none is saved and none says ``Vary: Cookie`` (for a signed-in browser calling with a token,
    or with none, too); the pages and the schema, which a session may read, still vary by it."""
    token = {"Authorization": f"Token {tokens['agent']}"}
    detail = f"{LIST}{make_customer(channel).id}/"
    for method, path, headers, status in (
        ("GET", detail, token, 200),
        ("GET", LIST, {}, 401),
        ("DELETE", detail, token, 405),
    ):
        response = agent_client.open(path, method=method, headers=headers)
        assert response.status_code == status
        assert response.headers["Vary"] == "Accept, Authorization", (method, path)
        assert not response.headers.getlist("Set-Cookie"), (method, path)
    for path in ("/customers/", "/api/v1/schema/"):
        response = agent_client.get(path)
        assert response.status_code == 200
        assert "Cookie" in response.headers["Vary"], path
