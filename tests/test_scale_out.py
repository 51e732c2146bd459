"""Two app instances (each a gunicorn with its own workers) on one PostgreSQL and one Redis,
a client alternating between them, as behind a load balancer: sessions, CSRF tokens, API
tokens and the sign-in throttle work across both, a write on one is seen by the next read on
the other (no per-process cache answers from before it), and a job started on one is run by
a job worker of the other."""

import os
import random
import socket
import subprocess
import sys
import time
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

import psycopg
import pytest
import redis
import requests
from werkzeug.security import generate_password_hash

from backoffice import ROOT
from backoffice.auth.models import PASSWORD_METHOD, User
from backoffice.extensions import db
from tests.builders import make_channel, make_customer
from tests.conftest import DATABASES, PASSWORDS, POSTGRES_URL, REDIS_URL

pytestmark = [
    pytest.mark.slow,  # two gunicorns of two workers each: about 15 s
    # PostgreSQL only (several machines cannot share SQLite); CI sets REQUIRE_POSTGRES.
    pytest.mark.parametrize(
        "database_url", [d for d in DATABASES if d == "postgresql"], indirect=True
    ),
]

GUNICORN = str(Path(sys.executable).parent / "gunicorn")
WORKERS = 2
START_TIMEOUT = 60.0
TIMEOUT = 30.0


def call(method: str, url: str, **kwargs) -> requests.Response:
    """One request without cookies (the API's clients)."""
    return requests.request(method, url, timeout=TIMEOUT, **kwargs)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Browser(requests.Session):
    """A browser: keeps its cookies, sends them to both instances (one site to it); answers
    are seen as sent (a redirect to the sign-in page is not followed)."""

    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT)
        kwargs["allow_redirects"] = False  # get() passes True itself
        return super().request(method, url, **kwargs)


class Instance:
    """One app machine: a gunicorn of WORKERS workers on a port of its own."""

    def __init__(self, tmp_path: Path, name: str):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if k != "WEB_CONCURRENCY"}
        self.env.update(  # the settings every machine must share (README, "Scaling out")
            BACKOFFICE_ENV="production",
            SECRET_KEY="scale-out-test-secret",
            DATABASE_URL=POSTGRES_URL,
            RATELIMIT_STORAGE_URI=REDIS_URL,
            JOBS_URL=REDIS_URL,
            JOBS_INLINE_LIMIT="0",  # every job goes to the queue, however small
            TRUSTED_HOSTS="127.0.0.1",
        )
        self.log = (tmp_path / f"{name}.log").open("w")
        self.process = self._start(
            [GUNICORN, "--workers", str(WORKERS), "--bind", f"127.0.0.1:{self.port}", "wsgi:app"]
        )
        self.workers: list[subprocess.Popen] = []

    def _start(self, command: list[str]) -> subprocess.Popen:
        return subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )

    def start_job_worker(self) -> None:
        """This machine's job worker (``flask jobs worker``), as the README runs it."""
        flask = str(Path(sys.executable).with_name("flask"))
        self.workers.append(self._start([flask, "--app", "wsgi", "jobs", "worker"]))

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "the instance exited; see its log"
            try:
                requests.get(f"{self.url}/login", timeout=10)
                return
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.2)
        raise AssertionError(f"{self.url} did not start")

    def stop(self) -> None:
        for process in [self.process, *self.workers]:
            process.terminate()
            process.wait(timeout=START_TIMEOUT)
        self.log.close()


@pytest.fixture
def instances(app, tmp_path):
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError as error:
        pytest.fail(f"Redis at {REDIS_URL} (TEST_REDIS_URL) is needed: {error}")
    db.session.commit()
    made = [Instance(tmp_path, "a"), Instance(tmp_path, "b")]
    try:
        for instance in made:
            instance.wait_until_up()
        yield made
    finally:
        for instance in made:
            instance.stop()


class FormReader(HTMLParser):
    """The values a browser would submit with the first form posting to ``action`` (a form
    without an action posts to its page: read it from the page at ``action``)."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.values = action, False, {}
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = (a.get("action") or self.action) == self.action and not self.values
        if not self.inside or (not a.get("name") and tag != "option"):
            return
        if tag == "input" and (a.get("type") != "checkbox" or "checked" in a):
            self.values[a["name"]] = a.get("value", "y" if a.get("type") == "checkbox" else "")
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self.values[a["name"]] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data


def form_values(page: str, action: str) -> dict[str, str]:
    reader = FormReader(action)
    reader.feed(page)
    assert reader.values, f"no form posting to {action}"
    return reader.values


def filter_panel(page: str) -> str:
    """The list page's filter panel (a fragment each worker keeps rendered)."""
    start = page.index('<details class="card filters"')
    return page[start : page.index("</details>", start)]


def sign_in(browser: requests.Session, instance: Instance, email: str, password: str):
    page = browser.get(f"{instance.url}/login").text
    values = {**form_values(page, "/login"), "email": email, "password": password}
    return browser.post(f"{instance.url}/login", data=values)


def test_two_instances_share_sessions_tokens_throttle_and_fresh_reads(app, users, instances):
    a, b = instances
    channel = make_channel(name="Trendyol")
    customer = make_customer(channel, first_name="Ada", email_allowed=False)
    pk = customer.id
    db.session.commit()

    # A session made on A is signed in on B; the CSRF token of a form read on B is good on A.
    browser = Browser()
    assert sign_in(browser, a, users["agent"].email, PASSWORDS["agent"]).status_code == 302
    assert browser.get(f"{b.url}/customers/").status_code == 200

    # API tokens issued by A are good on B.
    def issue(role: str) -> dict[str, str]:
        issued = call(
            "POST",
            f"{a.url}/api/v1/auth/login/",
            json={"username": users[role].email, "password": PASSWORDS[role]},
        )
        assert issued.status_code == 200
        return {"Authorization": f"Token {issued.json()['key']}"}

    token, admin_token = issue("agent"), issue("admin")
    assert call("GET", f"{b.url}/api/v1/customers/{pk}/", headers=token).status_code == 200

    def read_everywhere(check) -> None:
        """Several reads on each instance, so every worker of both answers at least once."""
        for instance in (a, b) * 4:
            check(instance)

    def channel_names(instance: Instance) -> list[str]:
        answer = call("GET", f"{instance.url}/api/v1/channels/", headers=token).json()
        rows = answer["results"] if isinstance(answer, dict) else answer
        return [c["name"] for c in rows]

    def shown(instance: Instance, path: str) -> str:
        response = browser.get(f"{instance.url}{path}")
        assert response.status_code == 200
        return response.text

    # Warm every worker's caches (statements, the filter panel, the channel list) first.
    read_everywhere(lambda i: shown(i, "/customers/"))
    read_everywhere(lambda i: channel_names(i))

    # A channel renamed (by any writer), one created on A: both seen on B at once, in the API,
    # the filter panel's choices and the customer's page.
    with psycopg.connect(POSTGRES_URL, autocommit=True) as other:
        other.execute("UPDATE channels SET name = 'Trendyol TR' WHERE id = %s", (channel.id,))
    created = call(
        "POST",
        f"{a.url}/api/v1/channels/",
        headers=admin_token,
        json={"name": "Pazarama", "channel_type": "marketplace"},
    )
    assert created.status_code == 201, created.text

    def sees_channels(instance):
        assert sorted(channel_names(instance)) == ["Pazarama", "Trendyol TR"]
        panel = filter_panel(shown(instance, "/customers/"))
        assert "Trendyol TR" in panel and "Pazarama" in panel
        assert "Trendyol TR" in shown(instance, f"/customers/{pk}/")

    read_everywhere(sees_channels)

    # A customer edited through A's API: B's API, detail page and list show the new name.
    edited = call(
        "PATCH", f"{a.url}/api/v1/customers/{pk}/", headers=token, json={"first_name": "Grace"}
    )
    assert edited.status_code == 200, edited.text

    def sees_edit(instance):
        answer = call("GET", f"{instance.url}/api/v1/customers/{pk}/", headers=token).json()
        assert answer["first_name"] == "Grace"
        assert "Grace" in shown(instance, f"/customers/{pk}/")
        assert "Grace" in shown(instance, "/customers/")

    read_everywhere(sees_edit)

    # A consent given in B's form (read from A, so A's CSRF token posts to B): A reads it.
    values = form_values(shown(a, f"/customers/{pk}/consents"), f"/customers/{pk}/consents")
    values["email_allowed"] = "y"
    saved = browser.post(f"{b.url}/customers/{pk}/consents", data=values)
    assert saved.status_code == 302, saved.text

    def sees_consent(instance):
        answer = call("GET", f"{instance.url}/api/v1/customers/{pk}/", headers=token).json()
        assert answer["email_allowed"] is True

    read_everywhere(sees_consent)

    # Signing out on B ends the session on A too.
    page = shown(b, f"/customers/{pk}/")
    assert browser.post(f"{b.url}/logout", data=form_values(page, "/logout")).status_code == 302
    assert browser.get(f"{a.url}/customers/").status_code == 302


def test_the_sign_in_throttle_counts_failures_on_both_instances(app, instances):
    a, b = instances
    # An id of its own: a bucket no earlier run (same minute, same Redis) has counted in.
    password_hash = generate_password_hash("right-password", method=PASSWORD_METHOD)
    user = User(
        id=random.randint(10**6, 10**9),
        email="throttled@test.example",
        role="agent",
        password_hash=password_hash,
    )
    db.session.add(user)
    db.session.commit()
    allowed = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    for attempt in range(allowed):
        instance = (a, b)[attempt % 2]
        failed = call(
            "POST",
            f"{instance.url}/api/v1/auth/login/",
            json={"username": user.email, "password": "wrong"},
        )
        assert failed.status_code == 400, (attempt, failed.text)
    for instance in (a, b):
        refused = call(
            "POST",
            f"{instance.url}/api/v1/auth/login/",
            json={"username": user.email, "password": "right-password"},
        )
        assert refused.status_code == 429, refused.text
        page = sign_in(Browser(), instance, user.email, "right-password")
        assert page.status_code == 429


def test_a_job_started_on_one_instance_runs_on_a_worker_of_the_other(app, users, instances):
    a, b = instances
    channel = make_channel(name="Trendyol")
    pks = [make_customer(channel, email_allowed=True).id for _ in range(3)]
    db.session.commit()
    b.start_job_worker()  # only B's machine runs a job worker

    browser = Browser()
    assert (
        sign_in(browser, a, users["supervisor"].email, PASSWORDS["supervisor"]).status_code == 302
    )
    ask = f"/consents/bulk?consent=email_allowed&value=false&scope=all&query=channel%3D{channel.id}"
    values = form_values(browser.get(f"{a.url}{ask}").text, "/consents/bulk")
    started = browser.post(f"{a.url}/consents/bulk", data=values)
    assert started.status_code == 302, started.text
    job_path = urllib.parse.urlsplit(started.headers["Location"]).path
    assert job_path.startswith("/jobs/")

    deadline = time.monotonic() + START_TIMEOUT
    while 'data-status="done"' not in (job_page := browser.get(f"{a.url}{job_path}").text):
        assert 'data-status="failed"' not in job_page, job_page
        assert time.monotonic() < deadline, "B's worker did not run the job started on A"
        time.sleep(0.2)
    assert '<span data-field="done">3</span> / <span data-field="total">3</span>' in job_page

    token = call(
        "POST",
        f"{b.url}/api/v1/auth/login/",
        json={"username": users["supervisor"].email, "password": PASSWORDS["supervisor"]},
    ).json()["key"]
    for pk in pks:
        answer = call(
            "GET", f"{a.url}/api/v1/customers/{pk}/", headers={"Authorization": f"Token {token}"}
        )
        assert answer.json()["email_allowed"] is False
