"""In Chromium: an opt-out list uploaded, previewed, applied on a background worker, its
progress bar kept current by static/js/jobs.js (under the CSP) until it reaches 100 %."""

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

pytestmark = pytest.mark.browser


@pytest.fixture
def worker(app, tmp_path):
    """A Huey consumer on a real SQLite queue, in threads beside the live server."""
    app.config.update(
        JOBS_IMMEDIATE=False,
        JOBS_URL=f"sqlite:///{tmp_path / 'queue.sqlite3'}",
        JOBS_INLINE_LIMIT=0,
        JOBS_BATCH_SIZE=1,
    )
    queue.configure(app)
    consumer = queue.consumer(app, workers=1)
    yield consumer.start  # the test starts it when it wants the queue to move
    consumer.stop(graceful=True)


def test_an_opt_out_list_runs_with_a_live_progress_bar(app, users, chromium, worker, tmp_path):  # noqa: F811
    channel = make_channel(name="Market")
    ids = [
        make_customer(channel, email=f"p{n}@example.com", email_allowed=True).id for n in range(3)
    ]
    db.session.commit()
    db.session.remove()
    listing = tmp_path / "optout.txt"
    listing.write_text("p0@example.com\nP1@Example.com\nunknown@example.com\nnot-a-line\n")
    with serve(app) as site:
        page, errors = signed_in(chromium, site, "supervisor@test.example", PASSWORDS["supervisor"])
        page.get_by_role("link", name="Opt-out lists").click()
        page.get_by_label("File of emails or phone numbers").set_input_files(listing)
        page.get_by_label("Email allowed").check()
        page.get_by_role("button", name="Preview").click()
        expect(page.locator('[data-count="customers"]')).to_have_text("2")
        expect(page.locator(".unreadable")).to_have_text("4")
        page.get_by_role("button", name="Apply the list").click()
        expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
        expect(page.locator('[data-field="status"]')).to_have_text("queued")
        worker()  # the page is polling: now the job runs
        expect(page.locator('[data-field="percent"]')).to_have_text("100", timeout=30_000)
        expect(page.locator('[data-field="status"]')).to_have_text("done")
        expect(page.locator("progress")).to_have_attribute("value", "4")
        page.context.close()
    assert errors == []
    rows = db.session.query(Customer.id, Customer.email_allowed).order_by(Customer.id).all()
    assert [tuple(r) for r in rows] == [(ids[0], False), (ids[1], False), (ids[2], True)]
