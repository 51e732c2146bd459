"""The staff workspace in Chromium: the grouped filter panel (wide and narrow), saved views,
the order page, and the API reference on a phone-sized window. Screenshots go to the temp
folder (``edges-*.png``) for a person to look at."""

# The journeys' fixtures (a signed-in Chromium page over the demo people), shared as imported.
# ruff: noqa: F811

import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.test_browser_journeys import browse, chromium, people, site  # noqa: F401

pytestmark = pytest.mark.browser
SHOTS = str(Path(tempfile.gettempdir()) / "edges-{}.png")


def sideways_overflow(page) -> int:
    """How many CSS pixels the page is wider than its window (0: no sideways scroll)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("width", [1280, 420])
def test_the_filter_panel_is_grouped_common_first_and_compact(browse, people, width):
    page = browse("agent", width=width)
    page.get_by_text("Filters", exact=True).click()
    groups = page.locator(".filter-form > .group")
    expect(groups).to_have_count(4)
    legends = page.locator(".filter-form > fieldset.group > legend")
    expect(legends).to_have_text(["Identity", "Consents", "Dates"])
    expect(page.get_by_label("Email starts with")).to_be_visible()
    expect(page.get_by_label("Erp code", exact=False)).to_be_hidden()  # folded: advanced
    page.screenshot(path=SHOTS.format(f"filters-{width}"), full_page=True)
    panel = page.locator("details.filters").bounding_box()
    if width == 1280:
        assert panel["height"] < 420, panel  # was ~780 px: the table stays near the top
    assert sideways_overflow(page) <= 0

    page.get_by_text("Advanced", exact=True).click()
    expect(page.get_by_label("Erp code", exact=False)).to_be_visible()
    page.get_by_label("Created from").fill("2024-02-01")
    page.get_by_label("Created until").fill("2024-01-01")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#created_until-errors")).to_contain_text("before its start")
    summary = page.locator(".form-errors").bounding_box()
    assert summary["y"] < page.locator("details.filters").bounding_box()["y"]
    page.screenshot(path=SHOTS.format(f"reversed-{width}"), full_page=True)


def test_save_a_view_then_reopen_it_from_the_list(browse, people):
    page = browse("agent")
    page.goto(f"/customers/?channel={people['shop']}&ordering=email")
    expect(page.locator("tbody tr")).to_have_count(2)
    page.get_by_text("Save this view…").click()
    page.get_by_label("View name").fill("Web shop buyers")
    page.get_by_label("Shared with everyone").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("View “Web shop buyers” saved.")).to_be_visible()

    page.goto("/customers/")
    expect(page.locator("tbody tr")).to_have_count(4)
    page.get_by_role("link", name="Web shop buyers").click()
    expect(page).to_have_url(re.compile(rf"/customers/\?channel={people['shop']}&ordering=email$"))
    expect(page.locator("tbody tr")).to_have_count(2)
    expect(page.locator(".saved-view.current")).to_contain_text("Web shop buyers")
    page.screenshot(path=SHOTS.format("saved-view-1280"), full_page=True)

    other = browse("supervisor")
    expect(other.locator(".saved-view")).to_contain_text("shared by agent@test.example")
    expect(other.locator(".saved-view .view-menu")).to_have_count(0)  # not theirs to change


def test_an_order_number_opens_the_order_page(browse, people):
    page = browse("agent")
    page.goto(f"/customers/{people['ada']}/")
    page.get_by_role("link", name="M-1").click()
    expect(page.get_by_role("heading", name="Order M-1")).to_be_visible()
    expect(page.locator(".totals")).to_contain_text("99.90")
    page.get_by_role("link", name="Ada Lovelace").click()
    expect(page.get_by_role("heading", name="Ada Lovelace")).to_be_visible()


def test_the_api_reference_fits_a_phone_and_admins_find_it(browse, people):
    page = browse("admin", width=420)
    page.get_by_role("link", name="API", exact=True).click()
    expect(page.get_by_role("heading", name="Contents")).to_be_visible()
    page.screenshot(path=SHOTS.format("docs-contents-420"), full_page=False)
    page.get_by_role("link", name="/api/v1/customers/{pk}/", exact=True).click()
    expect(page).to_have_url(re.compile("#path-api-v1-customers-pk$"))
    assert sideways_overflow(page) <= 0
    page.screenshot(path=SHOTS.format("docs-420"), full_page=False)


def test_the_edit_form_marks_required_fields_and_locks_the_code_for_agents(browse, people):
    page = browse("agent")
    page.goto(f"/customers/{people['ada']}/edit")
    expect(page.locator('label[for="email"] + .required')).to_be_visible()
    expect(page.locator("#channel_code")).to_have_attribute("readonly", "")
    email = page.locator("#email").bounding_box()["width"]
    others = [
        page.locator(f"#{name}").bounding_box()["width"] for name in ("first_name", "phone_number")
    ]
    assert email > max(others)  # the longest value gets the widest field
    page.screenshot(path=SHOTS.format("edit-1280"), full_page=True)
