"""Who may do what: every route x every method x every kind of caller, against one table.

A route missing from ACCESS fails the test, so no new route is forgotten. The promise checked:
no caller gets a 2xx where the table does not allow it; anonymous pages redirect to sign-in,
anonymous API calls get 401; a role below the one required gets 403.
"""

import pytest
from werkzeug.exceptions import HTTPException

from tests.access import url_for_rule
from tests.builders import make_customer
from tests.conftest import ApiClient, sign_in

PUBLIC = "public"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
RANK = {None: -1, "agent": 0, "supervisor": 1, "admin": 2}

# endpoint -> {method: the lowest role allowed, or PUBLIC}
ACCESS: dict[str, dict[str, str]] = {
    "static": {"GET": PUBLIC, "OPTIONS": PUBLIC},
    "auth.login": {"GET": PUBLIC, "POST": PUBLIC},
    "auth.logout": {"POST": "agent"},
    "auth.account": {"GET": "agent", "POST": "agent"},
    # The header's language switch: signed out too (the sign-in page), CSRF-protected.
    "auth.language": {"POST": PUBLIC},
    "main.index": {"GET": "agent"},
    "customers.list": {"GET": "agent"},
    "customers.search": {"GET": "agent"},
    "customers.detail": {"GET": "agent"},
    "customers.new": {"GET": "agent", "POST": "agent"},
    "customers.edit": {"GET": "agent", "POST": "agent"},
    "customers.consents": {"GET": "agent", "POST": "agent"},
    "customers.anonymize": {"GET": "supervisor", "POST": "supervisor"},
    "customers.export": {"GET": "supervisor"},
    "orders.detail": {"GET": "agent"},
    "saved_views.create": {"POST": "agent"},
    "saved_views.open": {"GET": "agent"},
    "saved_views.edit": {"GET": "agent", "POST": "agent"},
    "saved_views.update": {"POST": "agent"},
    "saved_views.delete": {"POST": "agent"},
    "consents.bulk": {"GET": "supervisor", "POST": "supervisor"},
    "consents.optout": {"GET": "supervisor", "POST": "supervisor"},
    "consents.optout_preview": {"GET": "supervisor", "POST": "supervisor"},
    "privacy.list": {"GET": "supervisor"},
    "privacy.new": {"GET": "supervisor", "POST": "supervisor"},
    "privacy.detail": {"GET": "supervisor"},
    "privacy.complete": {"POST": "supervisor"},
    "privacy.reject": {"POST": "supervisor"},
    "privacy.package": {"GET": "supervisor"},
    "privacy.package_page": {"GET": "supervisor"},
    "privacy.package_html": {"GET": "supervisor"},
    "privacy.erased": {"GET": "supervisor"},
    "jobs.list": {"GET": "supervisor"},
    "jobs.detail": {"GET": "supervisor"},
    "jobs.progress": {"GET": "supervisor"},
    "jobs.retry": {"POST": "supervisor"},
    "jobs.download": {"GET": "supervisor"},
    "customers.export_xlsx": {"GET": "supervisor"},
    "api.login": {"POST": PUBLIC},
    "api.docs": {"GET": "agent"},
    "api.schema": {"GET": "agent"},
    "api.customer_list": {"GET": "agent"},
    "api.customer_create": {"POST": "agent"},
    "api.customer_list_options": {"OPTIONS": "agent"},
    "api.customer_detailed_list": {"GET": "agent"},
    "api.customer_detailed_list_options": {"OPTIONS": "agent"},
    "api.customer_detail": {"GET": "agent"},
    "api.customer_update": {"PUT": "agent", "PATCH": "agent"},
    "api.customer_detail_options": {"OPTIONS": "agent"},
    "api.customer_detail_detailed": {"GET": "agent"},
    "api.customer_related": {"GET": "agent"},
    "api.customer_detailed_options": {"OPTIONS": "agent"},
    "api.customer_anonymize": {"POST": "supervisor"},
    "api.customer_export": {"GET": "supervisor"},
    "api.channel_customer_list": {"GET": "agent"},
    "api.channel_customer_create": {"POST": "agent"},
    "api.channel_customer_list_options": {"OPTIONS": "agent"},
    "api.channel_customer_detail": {"GET": "agent"},
    "api.channel_customer_update": {"PUT": "agent", "PATCH": "agent"},
    "api.channel_customer_detail_options": {"OPTIONS": "agent"},
    "api.channel_list": {"GET": "agent"},
    "api.channel_create": {"POST": "admin"},
    "api.channel_detail": {"GET": "agent"},
    "api.order_list": {"GET": "agent"},
    "api.order_ingest": {"POST": "agent"},
    "api.order_detail": {"GET": "agent"},
    "api.privacy_request_list": {"GET": "supervisor"},
    "api.privacy_request_create": {"POST": "supervisor"},
    "api.privacy_request_detail": {"GET": "supervisor"},
    "api.privacy_request_complete": {"POST": "supervisor"},
    "api.privacy_request_reject": {"POST": "supervisor"},
    "api.privacy_request_package": {"GET": "supervisor"},
}
# Pages for people sign in with the browser session; the rest of /api/ with a token only.
SESSION_ENDPOINTS_UNDER_API = {"api.docs"}
TOKEN_OR_SESSION = {"api.schema"}


def test_every_route_is_in_the_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - set(ACCESS))
    assert not missing, f"add these endpoints to ACCESS in {__file__}: {missing}"
    stale = sorted(set(ACCESS) - endpoints)
    assert not stale, f"these endpoints no longer exist: {stale}"


@pytest.fixture
def callers(app, users, tokens):
    """(role, kind) -> client: anonymous, a browser session per role, a token per role."""
    made = {(None, "anonymous"): ApiClient(app.test_client(), None)}
    for role, user in users.items():
        made[(role, "session")] = ApiClient(sign_in(app.test_client(), user), None)
        made[(role, "token")] = ApiClient(app.test_client(), tokens[role])
    return made


def test_no_caller_gets_in_where_the_table_says_no(app, callers, users, channel):
    customer = make_customer(channel)
    ids = {"pk": customer.id, "channel_id": channel.id}
    urls = sorted({url_for_rule(rule, ids) for rule in app.url_map.iter_rules()})
    adapter = app.url_map.bind("localhost")
    unexpected = []
    for url in urls:
        for method in METHODS:
            endpoint = served_by(adapter, url, method)
            required = ACCESS[endpoint].get(method) if endpoint else None
            for (role, kind), client in callers.items():
                response = client.open(method, url)
                response.close()
                problem = judge(endpoint or "", required, role, kind, response)
                if problem:
                    unexpected.append(f"{method} {url} as {role or 'anonymous'}/{kind}: {problem}")
                if endpoint == "auth.logout" and kind == "session" and response.status_code == 302:
                    sign_in(client.client, users[role])  # sign-out worked; sign back in
    assert not unexpected, "\n".join(unexpected)


def served_by(adapter, url: str, method: str) -> str | None:
    """The endpoint that answers ``method`` on ``url``, or None when none offers it."""
    try:
        endpoint, _ = adapter.match(url, method=method)
    except HTTPException:
        return None
    return endpoint


def judge(endpoint, required, role, kind, response) -> str | None:
    status = response.status_code
    is_api = (
        response.request.path.startswith("/api/") and endpoint not in SESSION_ENDPOINTS_UNDER_API
    )
    authenticated = kind == "token" if is_api else kind == "session"
    if endpoint in TOKEN_OR_SESSION:
        authenticated = kind in ("token", "session")
    if required == PUBLIC:
        return None
    if required is None:  # the method is not offered at all
        return f"got {status}" if 200 <= status < 300 else None
    if not authenticated:
        if is_api:
            return None if status == 401 else f"expected 401, got {status}"
        location = response.headers.get("Location", "")
        return None if status == 302 and "/login" in location else f"expected sign-in, got {status}"
    if RANK[role] < RANK[required]:
        return None if status == 403 else f"expected 403, got {status}"
    signed_out = status == 302 and "/login" in response.headers.get("Location", "")
    if status in (401, 403) or (signed_out and endpoint != "auth.logout"):
        return f"allowed, but refused with {status}"
    return None
