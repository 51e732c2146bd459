"""In Chromium: a supervisor registers an erasure request for an email held in three
channels, confirms the pre-ticked records, and the three records show as anonymized; an
access request's package is built by a worker while its page shows the job's progress, then
the page offers the package, readable."""

import re

import pytest
from playwright.sync_api import expect

from backoffice.customers.models import Customer
from backoffice.extensions import db
from backoffice.jobs import queue
from tests.browser import serve, signed_in
from tests.builders import make_channel, make_customer
from tests.conftest import PASSWORDS
from tests.test_browser_journeys import chromium  # noqa: F401  (the module's browser)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_an_erasure_request_anonymizes_the_person_in_every_channel(app, users, chromium):  # noqa: F811
    channels = [make_channel(name=name) for name in ("Market", "Web Shop", "Outlet")]
    ids = [make_customer(c, email="zeynep@example.com").id for c in channels]
    other = make_customer(channels[0], email="someone@example.com").id
    db.session.commit()
    db.session.remove()
    with serve(app) as site:
        page, errors = signed_in(chromium, site, "supervisor@test.example", PASSWORDS["supervisor"])
        page.get_by_role("navigation", name="Main").get_by_role(
            "link", name="Privacy requests"
        ).click()
        page.get_by_role("link", name="New request").click()
        page.get_by_label("Kind").select_option("erasure")
        page.get_by_label("Email", exact=True).fill("Zeynep@Example.com")
        page.get_by_label("Reference (ticket)").fill("TCK-7")
        page.get_by_role("button", name="Register").click()
        expect(page).to_have_url(re.compile(r"/privacy/\d+$"))
        boxes = page.locator('input[name="customers"]')
        expect(boxes).to_have_count(3)
        for n in range(3):
            expect(boxes.nth(n)).to_be_checked()
        page.get_by_role("button", name="Erase the ticked records").click()
        expect(page.locator(".tag.status-done")).to_have_text("done")
        expect(page.get_by_text("erased (kept as a keyed hash only)")).to_be_visible()
        for pk in ids:
            page.goto(f"/customers/{pk}")
            expect(page.locator(".anonymized-banner")).to_contain_text("Anonymized customer.")
        page.context.close()
    assert errors == []
    anonymized = dict(db.session.query(Customer.id, Customer.anonymized_at).all())
    assert all(anonymized[pk] is not None for pk in ids)
    assert anonymized[other] is None


@pytest.fixture
def worker(app, tmp_path):
    """A Huey consumer on a real SQLite queue, in threads beside the live server."""
    app.config.update(JOBS_IMMEDIATE=False, JOBS_URL=f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    queue.configure(app)
    consumer = queue.consumer(app, workers=1)
    started = []
    yield lambda: started.append(consumer.start())  # when the test wants the queue to move
    if started:
        consumer.stop(graceful=True)
    app.config.update(JOBS_IMMEDIATE=True, JOBS_URL=None)
    queue.configure(app)


def test_an_access_package_is_built_in_the_background_then_offered(app, users, chromium, worker):  # noqa: F811
    channels = [make_channel(name=name) for name in ("Market", "Web Shop")]
    ids = [make_customer(c, email="deniz@example.com").id for c in channels]
    db.session.commit()
    db.session.remove()
    with serve(app) as site:
        page, errors = signed_in(chromium, site, "supervisor@test.example", PASSWORDS["supervisor"])
        page.goto("/privacy/new")
        page.get_by_label("Kind").select_option("access")
        page.get_by_label("Email", exact=True).fill("deniz@example.com")
        page.get_by_role("button", name="Register").click()
        page.get_by_role("button", name="Make the data package").click()
        expect(page.locator(".tag.status-done")).to_have_text("done")
        expect(page.locator('[data-package="building"] [data-field="percent"]')).to_have_text("0")
        worker()  # the page polls the job: it reloads once the package is built
        page.get_by_role("link", name="View the data package").click(timeout=30_000)
        for pk in ids:
            expect(page.get_by_role("heading", name=f"Customer record #{pk}")).to_be_visible()
        page.context.close()
    assert errors == []
