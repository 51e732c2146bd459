"""The .xlsx export for people, read back with openpyxl: labels, types, Turkish letters, and
no formula ever."""

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from backoffice.audit.models import AuditEvent
from backoffice.customers import spreadsheet, streaming
from backoffice.customers.models import Customer
from backoffice.extensions import db
from backoffice.orders.service import OrderService
from tests.builders import make_channel, make_customer
from tests.test_order_service import payload

PAGE = "/customers/export.xlsx"


def workbook(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == spreadsheet_type()
    assert 'filename="customers.xlsx"' in response.headers["Content-Disposition"]
    return load_workbook(io.BytesIO(response.get_data()))


def spreadsheet_type():
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet_rows(response):
    book = workbook(response)
    assert book.sheetnames == ["Customers"]
    return [[cell for cell in row] for row in book["Customers"].iter_rows()]


@pytest.fixture
def people(channel):
    ayse = make_customer(
        channel,
        first_name="Ayşe İpek",
        last_name="Şahin Iğdır",
        email="ayse@example.com",
        phone_number="05321234567",
        erp_code="007",
        email_allowed=True,
        date_of_birth=date(1990, 2, 14),
        date_joined=datetime(2024, 3, 1, 10, 30, tzinfo=UTC),
    )
    db.session.execute(
        update(Customer)
        .where(Customer.id == ayse.id)
        .values(created_date=datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC))
    )
    db.session.commit()
    buyer = {
        "channel_code": ayse.channel_code,
        "first_name": "Ayşe İpek",
        "last_name": "Şahin Iğdır",
        "email": "ayse@example.com",
    }
    for number, amount in (("X-1", "100.25"), ("X-2", "50.00")):
        OrderService().ingest_order(payload(channel, number, amount=amount, customer=buyer))
    other = make_channel(name="Çiçek Pazarı")
    evil = make_customer(
        other,
        first_name="=1+1",
        last_name='=HYPERLINK("http://evil.example")',
        phone_number="+905551112233",
        erp_code="@SUM(A1)",
        channel_code="-2",
        email="evil@example.com",
    )
    return {"ayse": ayse, "evil": evil}


def test_labels_types_and_turkish_letters(supervisor_client, people, channel):
    header, ayse, evil = sheet_rows(supervisor_client.get(f"{PAGE}?ordering=id", buffered=True))
    assert [c.value for c in header] == [c.label for c in spreadsheet.columns()]
    assert [c.value for c in header][:6] == [
        "Id", "Channel", "Email", "First name", "Last name", "Phone"
    ]  # fmt: skip
    assert header[0].font.b
    by = {c.value: n for n, c in enumerate(header)}
    row = {name: ayse[n] for name, n in by.items()}
    assert row["Id"].value == people["ayse"].id and row["Id"].data_type == "n"
    assert row["Channel"].value == channel.name
    assert row["First name"].value == "Ayşe İpek" and row["Last name"].value == "Şahin Iğdır"
    assert row["Phone"].value == "05321234567" and row["Phone"].data_type == "s"
    assert row["ERP code"].value == "007" and row["ERP code"].data_type == "s"
    assert row["Created"].value == datetime(2024, 5, 6, 7, 8, 9)  # UTC
    assert row["Created"].is_date and row["Created"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert row["Joined"].value == datetime(2024, 3, 1, 10, 30)
    assert row["Date of birth"].value == datetime(1990, 2, 14)
    assert row["Date of birth"].number_format == "yyyy-mm-dd"
    assert row["Email allowed"].value is True and row["SMS allowed"].value is False
    assert row["Orders"].value == 2
    assert Decimal(str(row["Order amount"].value)) == Decimal("150.25")
    assert row["Order amount"].number_format == "#,##0.00"
    assert row["Gender"].value is None  # blank, not "None"
    other = {name: evil[n] for name, n in by.items()}
    assert other["Channel"].value == "Çiçek Pazarı"
    assert other["Orders"].value == 0


def test_a_formula_stays_text(supervisor_client, people):
    _header, _ayse, evil = sheet_rows(supervisor_client.get(f"{PAGE}?ordering=id", buffered=True))
    texts = {cell.value: cell for cell in evil if isinstance(cell.value, str)}
    for value in ("=1+1", '=HYPERLINK("http://evil.example")', "+905551112233", "@SUM(A1)", "-2"):
        assert texts[value].data_type == "s", value
        assert texts[value].quotePrefix, value  # editing the cell keeps it text


def test_the_export_keeps_the_filters_and_is_audited(supervisor_client, people, channel, users):
    rows = sheet_rows(supervisor_client.get(f"{PAGE}?channel={channel.id}", buffered=True))
    assert len(rows) == 2 and rows[1][2].value == "ayse@example.com"
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export"))
    assert event.changes["format"] == [None, "xlsx"] and event.source == "web"
    assert event.actor_id == users["supervisor"].id


def test_no_customer_is_an_empty_sheet_with_its_header(supervisor_client, channel):
    rows = sheet_rows(supervisor_client.get(PAGE, buffered=True))
    assert len(rows) == 1 and rows[0][0].value == "Id"


def test_control_characters_and_markup_survive(supervisor_client, channel):
    make_customer(channel, first_name="a<b>&c", last_name="tab\tand\x01bell")
    _header, row = sheet_rows(supervisor_client.get(PAGE, buffered=True))
    assert row[3].value == "a<b>&c"
    # XML cannot hold \x01: OOXML's escape, which Excel reads back as the character
    assert row[4].value == "tab\tand_x0001_bell"


def test_agents_may_not_export_and_the_list_offers_both(supervisor_client, agent_client, people):
    assert agent_client.get(PAGE).status_code == 403
    html = supervisor_client.get("/customers/?is_active=true").get_data(as_text=True)
    assert 'href="/customers/export.xlsx?is_active=true' in html
    assert 'href="/customers/export.csv?is_active=true' in html
    bad = supervisor_client.get(f"{PAGE}?created_date__gte=yesterday")
    assert bad.status_code == 302 and bad.location.startswith("/customers/?")


def test_a_sheet_holds_what_excel_can_and_the_rest_goes_on(monkeypatch, supervisor_client, channel):
    monkeypatch.setattr(spreadsheet, "SHEET_ROWS", 3)  # header + 2 rows a sheet
    for n in range(5):
        make_customer(channel, first_name=f"n{n}")
    book = workbook(supervisor_client.get(f"{PAGE}?ordering=id", buffered=True))
    assert book.sheetnames == ["Customers", "Customers 2", "Customers 3"]
    names = [row[3].value for sheet in book.worksheets for row in sheet.iter_rows(min_row=2)]
    assert names == [f"n{n}" for n in range(5)]
    assert all(sheet["A1"].value == "Id" for sheet in book.worksheets)


def test_the_workbook_streams_from_its_first_byte(monkeypatch, supervisor_client, people):
    monkeypatch.setattr(streaming, "ROWS_PER_BLOCK", 1)
    response = supervisor_client.get(f"{PAGE}?ordering=id")
    assert response.is_streamed
    blocks = iter(response.response)
    first = next(blocks)
    assert first.startswith(b"PK\x03\x04")  # the zip begins before any row is read:
    assert b"sheet1.xml" in first and b"PK\x05\x06" not in first  # the sheet's head alone
    rest = b"".join(blocks)
    rows = list(load_workbook(io.BytesIO(first + rest))["Customers"].iter_rows(values_only=True))
    assert [row[2] for row in rows[1:]] == ["ayse@example.com", "evil@example.com"]


def test_a_client_that_leaves_ends_the_export_quietly(monkeypatch, supervisor_client, people):
    monkeypatch.setattr(streaming, "ROWS_PER_BLOCK", 1)
    response = supervisor_client.get(PAGE)
    blocks = iter(response.response)
    next(blocks), next(blocks)
    response.close()  # the server closes the answer's iterator: no error, the read ends
    assert next(blocks, None) is None
