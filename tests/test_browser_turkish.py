"""A Turkish workday in Chromium, wide and phone-sized: switch the pages to Turkish from the
header, find a caller as they spell themselves, filter the list, open a saved view, read the
dashboard, and export the list as .xlsx (read back with openpyxl: Turkish labels, letters and
types). Screenshots go to the temp folder (``turkish-*.png``) for a person to look at."""

# ruff: noqa: F811  (the chromium fixture, shared as imported)

import re
import tempfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from backoffice.auth.models import User
from backoffice.extensions import db
from backoffice.orders.models import Order
from backoffice.savedviews.models import SavedView
from tests.browser import serve
from tests.builders import make_channel, make_customer
from tests.conftest import PASSWORDS
from tests.test_browser_journeys import chromium  # noqa: F401  (the shared browser)

pytestmark = pytest.mark.browser
SHOTS = Path(tempfile.gettempdir())


@pytest.fixture
def turkish_people(app, users):
    trendyol, hepsiburada = make_channel(name="Trendyol"), make_channel(name="Hepsiburada")
    murat = make_customer(trendyol, first_name="Murat", last_name="Yılmaz",
                          email="murat.yilmaz@example.com", phone_number="05344149106")  # fmt: skip
    make_customer(trendyol, first_name="Ayşe", last_name="Şahin", email="ayse@example.com")
    make_customer(hepsiburada, first_name="İsmail", last_name="Işık", email="ismail@example.com")
    db.session.add(Order(channel_id=trendyol.id, number="TY-1", customer_id=murat.id,
                         amount=Decimal("1825.75"), currency="TRY"))  # fmt: skip
    supervisor = db.session.get(User, users["supervisor"].id)
    query = f"channel={trendyol.id}&ordering=last_name"
    db.session.add(SavedView(owner_id=supervisor.id, name="Trendyol müşterileri", query=query,
                             shared=True))  # fmt: skip
    made = {"murat": murat.id, "trendyol": trendyol.id}
    db.session.commit()
    db.session.remove()  # the server's requests must never wait on this thread's transaction
    return made


@pytest.mark.parametrize("width", [1280, 420])
def test_a_turkish_workday(app, chromium, turkish_people, width, tmp_path):
    errors: list[str] = []
    with serve(app) as site:
        context = chromium.new_context(
            base_url=site, viewport={"width": width, "height": 900}, accept_downloads=True
        )
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

        def shot(step: str) -> None:
            page.screenshot(path=str(SHOTS / f"turkish-{step}-{width}.png"), full_page=True)

        # Signed out, in English (the browser asks for nothing else); switch from the header.
        page.goto("/login")
        page.get_by_role("button", name="Türkçe").click()
        expect(page.get_by_role("button", name="Oturum aç")).to_be_visible()
        page.get_by_label("E-posta").fill("supervisor@test.example")
        page.get_by_label("Parola").fill(PASSWORDS["supervisor"])
        page.get_by_role("button", name="Oturum aç").click()
        expect(page.locator("html")).to_have_attribute("lang", "tr")

        # The home page: search box and the dashboard, in Turkish.
        page.goto("/")
        expect(page.get_by_role("heading", name="Müşteri bul")).to_be_visible()
        expect(page.get_by_role("heading", name="Gösterge paneli")).to_be_visible()
        expect(page.locator("svg").first).to_be_visible()  # server-drawn charts
        shot("dashboard")

        # A caller spells a phone with spaces: the one match opens at once, amounts in lira.
        page.locator("#quick-search").fill("0534 414 91 06")
        page.locator("#quick-search").press("Enter")
        expect(page).to_have_url(re.compile(rf"/customers/{turkish_people['murat']}/$"))
        expect(page.get_by_role("heading", name=re.compile("Murat Yılmaz"))).to_be_visible()
        expect(page.get_by_text("₺1.825,75").first).to_be_visible()
        shot("customer")

        # Typed without the Turkish letters, in another case: still found.
        page.locator("#quick-search").fill("ISMAIL isik")
        page.locator("#quick-search").press("Enter")
        expect(page.get_by_text("İsmail Işık").first).to_be_visible()

        # The list, filtered by channel from the panel.
        page.goto("/customers/")
        expect(page.get_by_role("heading", name="Müşteriler", exact=True)).to_be_visible()
        page.get_by_text("Filtreler", exact=True).click()
        page.get_by_label("Hepsiburada").check()
        page.get_by_role("button", name="Filtrele").click()
        expect(page.locator("tbody tr")).to_have_count(1)
        expect(page.locator("tbody")).to_contain_text("İsmail Işık")
        shot("filtered")

        # A saved view, shared by its maker, opens its list.
        page.goto("/customers/")
        page.get_by_role("link", name="Trendyol müşterileri").click()
        expect(page.locator("tbody tr")).to_have_count(2)
        expect(page.locator("tbody")).to_contain_text("Ayşe Şahin")
        shot("saved-view")
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0

        # The view's list as .xlsx: Turkish labels, letters kept, phones text, dates dates.
        with page.expect_download() as download:
            page.get_by_text("Excel olarak dışa aktar (.xlsx)").click()
        saved = tmp_path / "export.xlsx"
        download.value.save_as(saved)
        context.close()
    book = openpyxl.load_workbook(saved, read_only=True)
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    book.close()  # read-only workbooks keep their file open until closed
    header, body = rows[0], rows[1:]
    assert sheet.title == "Müşteriler"
    assert {"Ad", "Soyad", "E-posta", "Kanal", "Telefon"} <= set(header), header
    assert len(body) == 2
    record = dict(
        zip(header, next(r for r in body if r[header.index("Ad")] == "Murat"), strict=True)
    )
    assert record["Soyad"] == "Yılmaz" and record["Kanal"] == "Trendyol"
    assert record["Telefon"] == "05344149106"  # text: the leading 0 kept
    assert isinstance(record["Oluşturulma"], datetime)
    assert errors == []
