"""The main journeys of customer service, driven through Debian's Chromium with Playwright."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from backoffice.channels.models import Channel
from backoffice.customers.models import Customer
from backoffice.extensions import db
from backoffice.orders.models import Order
from tests.browser import CHROMIUM, CHROMIUM_ARGS, serve
from tests.builders import make_channel, make_customer
from tests.conftest import PASSWORDS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def people(app, users):
    """Customers in two channels; plain values only, so no ORM state outlives the setup."""
    market, shop = make_channel(name="Market"), make_channel(name="Web Shop")
    ada = make_customer(market, first_name="Ada", last_name="Lovelace", email="ada@example.com")
    make_customer(market, first_name="Adam", last_name="Smith", email="adam@example.com")
    make_customer(shop, first_name="Alan", last_name="Turing", email="alan@example.com")
    make_customer(shop, first_name="Grace", last_name="Hopper", email="grace@example.com",
                  is_active=False)  # fmt: skip
    db.session.add(Order(channel_id=market.id, number="M-1", customer_id=ada.id,
                         amount=Decimal("99.90")))  # fmt: skip
    made = {"ada": ada.id, "market": market.id, "shop": shop.id}
    db.session.commit()
    db.session.remove()  # the server's requests must never wait on this thread's transaction
    return made


@pytest.fixture
def site(app, people):
    with serve(app) as base_url:
        yield base_url


@pytest.fixture
def browse(chromium, site):
    """Open a signed-in page: ``browse("agent")``; fails the test on any console error."""
    contexts, errors = [], []

    def open_as(role: str, width: int = 1280) -> Page:
        context = chromium.new_context(base_url=site, viewport={"width": width, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto("/customers/")
        expect(page).to_have_url(re.compile(r"/login\?next="))
        page.get_by_label("Email").fill(f"{role}@test.example")
        page.get_by_label("Password").fill(PASSWORDS[role])
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(f"{site}/customers/")
        return page

    yield open_as
    for context in contexts:
        context.close()
    # A CSP violation (an inline script or style) or a missing asset would show up here; a
    # page refused on purpose (403) is the one expected complaint.
    assert [e for e in errors if not e.endswith("status of 403 (FORBIDDEN)")] == []


def stored(customer_id: int, attribute: str):
    """One value of the customer as saved, read in a transaction that ends at once."""
    value = getattr(db.session.get(Customer, customer_id, populate_existing=True), attribute)
    db.session.commit()
    return value


def test_sign_in_and_quick_search_a_customer(browse, people):
    page = browse("agent")
    expect(page.get_by_role("heading", name="Customers")).to_be_visible()
    page.get_by_label("Find a customer").fill("ada@")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/customers/{people['ada']}/$"))
    expect(page.get_by_role("heading", name="Ada Lovelace")).to_be_visible()


def test_the_quick_search_is_one_keystroke_away(browse, people):
    page = browse("agent")
    page.locator("body").press("/")
    expect(page.locator("#quick-search")).to_be_focused()
    page.keyboard.type("ada")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Customers matching “ada”")).to_be_visible()
    expect(page.locator("tbody tr")).to_have_count(2)


def test_filter_the_list_and_share_the_url(browse, people):
    page = browse("agent")
    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Email starts with").fill("a")
    page.get_by_label("Market").check()
    page.get_by_label("Active", exact=True).select_option("true")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(
        re.compile(rf"\?email__startswith=a&channel={people['market']}&is_active=true")
    )
    expect(page.locator("tbody tr")).to_have_count(2)
    expect(page.get_by_role("link", name=re.compile("Channel: Market"))).to_be_visible()

    shared = page.context.new_page()
    shared.goto(page.url)
    expect(shared.locator("tbody tr")).to_have_count(2)
    expect(shared.get_by_label("Email starts with")).to_have_value("a")

    shared.get_by_role("link", name=re.compile("Channel: Market")).click()
    expect(shared.locator("tbody tr")).to_have_count(3)  # Ada, Adam, Alan
    shared.get_by_role("link", name="Clear all", exact=True).first.click()
    expect(shared.locator("tbody tr")).to_have_count(4)


def test_open_the_detail_page_from_the_list(browse, people):
    page = browse("agent")
    page.get_by_role("link", name="Ada Lovelace").click()
    expect(page.get_by_role("heading", name="Ada Lovelace")).to_be_visible()
    expect(page.get_by_role("cell", name="M-1")).to_be_visible()
    expect(page.locator(".totals")).to_contain_text("99.90")
    expect(page.locator("#history")).to_contain_text("Created")


def test_edit_with_an_invalid_email_then_correct_it(browse, people):
    page = browse("agent")
    page.goto(f"/customers/{people['ada']}/")
    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_label("Channel", exact=True)).to_have_value("Market")
    email = page.get_by_label("Email", exact=True)
    email.fill("ada@@broken")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#email-errors")).to_have_text("Invalid email address.")
    expect(email).to_have_value("ada@@broken")
    expect(email).to_have_attribute("aria-invalid", "true")

    email.fill("ada.king@example.com")
    page.get_by_role("button", name="Save changes").click()
    expect(page).to_have_url(re.compile(rf"/customers/{people['ada']}/$"))
    expect(page.get_by_role("status")).to_contain_text("Changes saved.")
    history = page.locator("#history")
    expect(history.locator(".event").first).to_contain_text("ada@example.com")
    expect(history.locator(".event").first).to_contain_text("ada.king@example.com")
    assert stored(people["ada"], "email") == "ada.king@example.com"


def test_change_consents(browse, people):
    page = browse("agent")
    page.goto(f"/customers/{people['ada']}/")
    page.get_by_label("SMS allowed").check()
    page.get_by_role("button", name="Save consents").click()
    expect(page.get_by_role("status")).to_contain_text("Changes saved.")
    expect(page.get_by_label("SMS allowed")).to_be_checked()
    expect(page.locator("#sms_allowed-help")).to_contain_text("by agent@test.example (web)")
    expect(page.locator("#history .event").first).to_contain_text("Consents changed")
    assert stored(people["ada"], "sms_allowed") is True


def test_a_supervisor_anonymizes_a_customer(browse, people):
    page = browse("supervisor")
    page.goto(f"/customers/{people['ada']}/")
    page.get_by_role("link", name="Anonymize…").click()
    expect(page.get_by_text("cannot be undone")).to_be_visible()
    confirm = page.get_by_label("Type the customer's email to confirm")
    confirm.fill("someone@else.example")
    page.get_by_role("button", name="Anonymize this customer").click()
    expect(page.locator("#confirm_email-errors")).to_contain_text("not this customer's email")
    page.get_by_label("Type the customer's email to confirm").fill("ada@example.com")
    page.get_by_role("button", name="Anonymize this customer").click()
    expect(page.get_by_text("Anonymized customer.")).to_be_visible()
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    assert stored(people["ada"], "is_anonymized")


def test_an_agent_sees_no_anonymize_action(browse, people):
    page = browse("agent")
    page.goto(f"/customers/{people['ada']}/")
    expect(page.get_by_role("link", name="Edit")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Anonymize"))).to_have_count(0)
    response = page.goto(f"/customers/{people['ada']}/anonymize")
    assert response.status == 403
    expect(page.get_by_text("Your role does not allow this")).to_be_visible()


UNLABELLED = """() => [...document.querySelectorAll("input, select, textarea")]
    .filter((el) => el.type !== "hidden" && el.labels.length === 0)
    .map((el) => el.name || el.id)"""


def test_every_input_has_a_label(browse, people):
    page = browse("supervisor")
    customer = people["ada"]
    for path in ("/", "/customers/", "/customers/new", f"/customers/{customer}/",
                 f"/customers/{customer}/edit", f"/customers/{customer}/consents",
                 f"/customers/{customer}/anonymize", "/customers/search?q=a"):  # fmt: skip
        page.goto(path)
        assert page.evaluate(UNLABELLED) == [], path


@pytest.mark.parametrize("width", [1280, 400])
def test_list_and_detail_fit_the_window(browse, people, width, tmp_path):
    page = browse("agent", width=width)
    for name, path in (("list", "/customers/"), ("detail", f"/customers/{people['ada']}/")):
        page.goto(path)
        page.screenshot(path=str(tmp_path / f"{name}-{width}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width}px"


def test_search_as_staff_type_it(browse, people):
    market = db.session.get(Channel, people["market"])
    murat = make_customer(market, first_name="Murat", last_name="Yılmaz",
                          email="murat@example.com", phone_number="05344149106").id  # fmt: skip
    make_customer(market, first_name="Muratcan", last_name="Öz", email="mc@example.com")
    db.session.commit()
    db.session.remove()
    page = browse("agent")
    # The list's search box: mixed case, no Turkish letters; it combines with a filter.
    page.get_by_label("Search customers").fill("mUrAt YILMAZ")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"\?search=mUrAt\+YILMAZ$"))
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.get_by_role("link", name=re.compile("Search: mUrAt YILMAZ"))).to_be_visible()
    page.locator("summary", has_text="Filters").click()
    page.get_by_label("Market").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"search=mUrAt\+YILMAZ"))
    expect(page.locator("tbody tr")).to_have_count(1)
    page.get_by_label("Search customers").fill("murat")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"channel={people['market']}"))
    expect(page.locator("tbody tr")).to_have_count(2)
    # The quick search: a phone number with spaces opens the customer.
    page.get_by_label("Find a customer").fill("0534 414 91 06")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/customers/{murat}/$"))
    expect(page.get_by_role("heading", name="Murat Yılmaz")).to_be_visible()
