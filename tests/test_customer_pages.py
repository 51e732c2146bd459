"""Customer pages, read side: who may see what, the filtered list, quick search and detail."""

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html import unescape
from urllib.parse import parse_qsl

import pytest
import wtforms
from flask import render_template_string
from jinja2.runtime import Macro
from sqlalchemy import JSON, event
from werkzeug.datastructures import MultiDict

from backoffice import i18n
from backoffice.audit.context import AuditContext
from backoffice.customers import querystring, views
from backoffice.customers.display import audited_value
from backoffice.customers.forms import ConsentsForm, CustomerFilterForm
from backoffice.customers.models import Customer
from backoffice.customers.reads import customer_history
from backoffice.customers.service import CustomerService
from backoffice.extensions import db
from backoffice.orders.models import Order
from tests.builders import make_channel, make_customer
from tests.conftest import sign_in

XSS = "<script>alert(1)</script>"


def text(response) -> str:
    return response.get_data(as_text=True)


def make_order(customer, number: str, days_ago: int, amount: str = "10.00", **fields) -> Order:
    order = Order(
        channel_id=customer.channel_id,
        number=number,
        customer_id=customer.id,
        amount=Decimal(amount),
        created_date=datetime(2024, 6, 1, tzinfo=UTC) - timedelta(days=days_ago),
        **fields,
    )
    db.session.add(order)
    db.session.commit()
    return order


def error_beside(html: str, field_id: str) -> str:
    """The error list rendered right after the field ``field_id``."""
    match = re.search(rf'<ul class="errors" id="{field_id}-errors">(.*?)</ul>', html, re.S)
    return unescape(match.group(1)) if match else ""


# -- access ------------------------------------------------------------------------------------

AGENT_PAGES = ["/customers/", "/customers/search?q=x", "/customers/{pk}/", "/customers/new",
               "/customers/{pk}/edit", "/customers/{pk}/consents"]  # fmt: skip
SUPERVISOR_PAGES = ["/customers/{pk}/anonymize"]


@pytest.fixture
def customer(channel):
    return make_customer(channel, first_name="Ada", last_name="Lovelace", email="ada@example.com")


@pytest.mark.parametrize("path", AGENT_PAGES + SUPERVISOR_PAGES)
def test_every_page_sends_a_stranger_to_sign_in(client, customer, path):
    response = client.get(path.format(pk=customer.id))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("role", ["agent", "supervisor", "admin"])
@pytest.mark.parametrize("path", AGENT_PAGES)
def test_every_role_may_use_the_agent_pages(app, users, customer, role, path):
    client = sign_in(app.test_client(), users[role])
    response = client.get(path.format(pk=customer.id))
    assert response.status_code in (200, 302)
    if response.status_code == 302:  # a single quick-search hit opens the customer
        assert response.headers["Location"] == f"/customers/{customer.id}/"


def test_agents_may_not_anonymize(agent_client, customer):
    path = f"/customers/{customer.id}/anonymize"
    assert agent_client.get(path).status_code == 403
    response = agent_client.post(path, data={"confirm_email": customer.email})
    assert response.status_code == 403
    assert "Your role does not allow this" in text(response)
    assert not customer.is_anonymized


@pytest.mark.parametrize("role_client", ["supervisor_client", "admin_client"])
def test_supervisors_and_admins_may_anonymize(request, customer, role_client):
    client = request.getfixturevalue(role_client)
    assert client.get(f"/customers/{customer.id}/anonymize").status_code == 200


def test_an_unknown_customer_is_a_404_in_the_layout(agent_client):
    response = agent_client.get("/customers/999999/")
    assert response.status_code == 404 and "Skip to content" in text(response)


def test_the_header_has_navigation_and_the_quick_search_on_every_page(agent_client, customer):
    for path in ("/", "/customers/", f"/customers/{customer.id}/", "/customers/new"):
        html = text(agent_client.get(path))
        assert 'action="/customers/search"' in html and 'name="q"' in html
        assert 'for="quick-search"' in html and 'href="/customers/new"' in html


# -- list --------------------------------------------------------------------------------------


@pytest.fixture
def crowd(channel):
    """Four customers over two channels, with distinct emails, dates and consents."""
    other = make_channel(name="Other Shop")
    made = {
        "ann": make_customer(channel, email="ann@example.com", first_name="Ann", sms_allowed=True),
        "anna": make_customer(other, email="anna@example.com", first_name="Anna", is_active=False),
        "bob": make_customer(channel, email="bob@example.com", first_name="Bob", user_type="guest"),
        "cem": make_customer(other, email="cem@example.com", first_name="Cem",
                             attributes={"size": "M"}),
    }  # fmt: skip
    days = {"ann": "2024-01-10", "anna": "2024-01-31", "bob": "2024-02-01", "cem": "2024-03-05"}
    for key, day in days.items():
        made[key].created_date = datetime.fromisoformat(f"{day}T23:30:00+00:00")
    db.session.commit()
    made["other"] = other
    return made


def listed(response) -> list[str]:
    return re.findall(r'<td data-label="Email" class="email">([^<]+)</td>', text(response))


def test_the_list_shows_every_column(agent_client, crowd):
    html = text(agent_client.get("/customers/"))
    for header in ("Name", "Email", "Channel", "Channel code", "Phone", "Active", "Consents",
                   "User type", "Created"):  # fmt: skip
        assert f">{header}" in html
    assert "4</strong> customers" in html
    assert "Other Shop" in html and "✓</span> SMS" in html and "guest" in html


def test_the_query_string_is_the_api_filter_language(agent_client, crowd):
    other = crowd["other"].id
    response = agent_client.get(f"/customers/?email__startswith=ann&channel={other}")
    assert listed(response) == ["anna@example.com"]
    response = agent_client.get(
        f"/customers/?channel={crowd['ann'].channel_id}&channel={other}&is_active=true"
        "&ordering=email"
    )
    assert listed(response) == ["ann@example.com", "bob@example.com", "cem@example.com"]


def test_the_default_order_is_newest_first_and_columns_sort(agent_client, crowd):
    assert listed(agent_client.get("/customers/"))[0] == "cem@example.com"
    html = text(agent_client.get("/customers/?ordering=email"))
    assert re.search(
        r'aria-sort="ascending">\s*<a class="sort" href="/customers/\?ordering=-email"', html
    )
    assert listed(agent_client.get("/customers/?ordering=-email"))[0] == "cem@example.com"


def test_created_until_includes_the_whole_day_and_reads_back(agent_client, crowd):
    response = agent_client.get("/customers/?created_date__gte=2024-01-10&created_until=2024-01-31")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/customers/?created_date__gte=2024-01-10&created_date__lt=2024-02-01"
    page = agent_client.get(location)
    assert sorted(listed(page)) == ["ann@example.com", "anna@example.com"]
    html = text(page)
    assert 'id="created_until" name="created_until" type="date" value="2024-01-31"' in html
    assert "Created until:</span> 2024-01-31" in html


def test_blank_filter_fields_are_dropped_from_the_shared_url(agent_client, crowd):
    response = agent_client.get("/customers/?email__startswith=bob&first_name=&gender=&limit=10")
    assert response.headers["Location"] == "/customers/?email__startswith=bob&limit=10"


def test_an_attribute_key_and_value_become_one_api_filter(agent_client, crowd):
    response = agent_client.get("/customers/?attribute_key=size&attribute_value=M")
    assert response.headers["Location"] == "/customers/?attributes__size=M"
    page = agent_client.get("/customers/?attributes__size=M")
    assert listed(page) == ["cem@example.com"]
    assert 'name="attribute_key" type="text" value="size"' in text(page)
    half = agent_client.get("/customers/?attribute_key=size")
    assert half.status_code == 200
    assert "Give the value" in error_beside(text(half), "attribute_value")


def test_the_filter_panel_follows_the_query_and_the_channels(agent_client, channel, crowd):
    """The panel is rendered once per query and channel list, then reused: never stale."""
    for _ in range(2):
        assert 'type="search" value="an"' in text(
            agent_client.get("/customers/?email__startswith=an")
        )
    html = text(agent_client.get("/customers/?email__startswith=bo"))
    assert 'value="bo"' in html and 'value="an"' not in html
    bad = text(agent_client.get("/customers/?email__startswith=bo&gender=other"))
    assert "other is not one of the available choices" in error_beside(bad, "gender")
    assert "<li>" not in error_beside(text(agent_client.get("/customers/?gender=male")), "gender")

    channel.name = "Renamed Shop"
    db.session.commit()
    html = text(agent_client.get("/customers/?email__startswith=an"))
    assert "Renamed Shop" in html.split('class="card filters"')[1].split("</form>")[0]


def filter_panel(html: str) -> str:
    return html.split('class="card filters"')[1].split("</form>")[0]


def test_the_filter_fields_are_kept_across_searches_pages_orderings_and_sizes(
    app, agent_client, crowd
):
    """The rendered fields are kept per filter values only: another search, page, ordering
    or size reuses them, with its own hidden inputs and chips around them."""
    first = filter_panel(text(agent_client.get("/customers/?is_active=true&search=ann")))
    again = filter_panel(
        text(agent_client.get("/customers/?is_active=true&limit=10&ordering=email&search=bob"))
    )
    assert '<input type="hidden" name="search" value="bob">' in again
    assert '<input type="hidden" name="ordering" value="email">' in again
    assert 'name="search" value="ann"' not in again
    assert "2 active" in first and "2 active" in again  # is_active, search
    hidden = r'\s+|<input type="hidden"[^>]*>'
    fields = [re.sub(hidden, "", panel).split("form-actions")[0] for panel in (first, again)]
    assert fields[0] == fields[1]
    assert 'href="/customers/?limit=10&amp;ordering=email">Clear all</a>' in again
    assert "1 active" in filter_panel(text(agent_client.get("/customers/?search=bob")))
    with app.test_request_context():
        key = lambda query: querystring.panel_key(MultiDict(parse_qsl(query)), [])  # noqa: E731
        assert key("is_active=true&search=a") == key("is_active=true&search=b&page=2&limit=10")
        assert key("is_active=true&ordering=email") != key("is_active=false&ordering=email")
    assert not querystring.NOT_IN_PANEL & set(CustomerFilterForm([])._fields)


def test_bad_filter_values_show_the_engines_messages_beside_their_fields(agent_client, crowd):
    response = agent_client.get(
        "/customers/?created_date__gte=someday&channel=999&gender=other&created_date__lt=2024-13-01"
    )
    assert response.status_code == 200
    html = text(response)
    assert error_beside(html, "created_date__gte").strip() == "<li>Enter a valid date.</li>"
    assert "999 is not one of the available choices" in error_beside(html, "channel")
    assert "other is not one of the available choices" in error_beside(html, "gender")
    assert "Enter a valid date." in error_beside(html, "created_until")
    assert '<details class="card filters" open>' in html
    assert listed(response) == []


def test_errors_of_parameters_without_a_field_are_listed_above_the_table(agent_client, crowd):
    html = text(agent_client.get("/customers/?ordering=shoe_size&id__gt=x"))
    assert "<code>ordering</code>: Select a valid choice. shoe_size is not one" in html
    assert "<code>id__gt</code>: Enter a number." in html


def test_chips_remove_one_filter_each_and_clear_all_keeps_the_view(agent_client, crowd):
    other = crowd["other"].id
    html = text(agent_client.get(f"/customers/?email__startswith=a&channel={other}&limit=10"))
    assert "Email starts with:</span> a" in html and "Channel:</span> Other Shop" in html
    assert f'href="/customers/?channel={other}&amp;limit=10" title="Remove this filter"' in html
    assert 'href="/customers/?email__startswith=a&amp;limit=10" title="Remove this filter"' in html
    assert 'class="clear-all" href="/customers/?limit=10"' in html


def test_an_empty_result_says_so_and_offers_to_clear(agent_client, crowd):
    html = text(agent_client.get("/customers/?email__startswith=zed&ordering=email"))
    assert "No customer matches these filters." in html
    assert 'href="/customers/?ordering=email">Clear all filters' in html


def test_pagination_keeps_the_query_string_and_page_size(agent_client, channel):
    for n in range(12):
        make_customer(channel, email=f"p{n:02d}@example.com")
    html = text(agent_client.get("/customers/?email__startswith=p&ordering=email&limit=5"))
    assert "1–5 of" in html and "12</strong> customers" in html and "Page 1 of 3" in html
    assert (
        'href="/customers/?email__startswith=p&amp;ordering=email&amp;limit=5&amp;page=2"' in html
    )
    second = agent_client.get("/customers/?email__startswith=p&ordering=email&limit=5&page=2")
    assert listed(second)[0] == "p05@example.com"
    assert '<option value="5"' not in text(second)  # sizes are the offered ones
    assert '<option value="50"' in text(second)
    past = agent_client.get("/customers/?email__startswith=p&ordering=email&limit=5&page=9")
    assert past.status_code == 302
    assert past.headers["Location"] == (
        "/customers/?email__startswith=p&ordering=email&limit=5&page=3"
    )
    assert agent_client.get("/customers/?limit=5&page=x").headers["Location"] == (
        "/customers/?limit=5"
    )
    assert agent_client.get("/customers/?email__startswith=zz&page=4").headers["Location"] == (
        "/customers/?email__startswith=zz"
    )


def test_the_api_keeps_its_404_for_a_page_past_the_end(api, channel):
    make_customer(channel)
    response = api.get("/api/v1/customers/?page=9")
    assert response.status_code == 404 and response.get_json() == {"detail": "Invalid page."}


def test_a_reversed_date_range_says_so_beside_its_end(agent_client, crowd):
    response = agent_client.get(
        "/customers/?created_date__gte=2024-02-01&created_until=2024-01-10", follow_redirects=True
    )
    html = text(response)
    assert "before its start" in error_beside(html, "created_until")
    assert listed(response) == []
    same_day = agent_client.get(
        "/customers/?created_date__gte=2024-02-01&created_until=2024-02-01", follow_redirects=True
    )
    assert listed(same_day) == ["bob@example.com"]


def test_the_api_answers_a_reversed_range_as_django_filter_does(api, crowd):
    reversed_range = "created_date__gte=2024-02-01&created_date__lt=2024-01-10"
    response = api.get(f"/api/v1/customers/?{reversed_range}")
    assert response.status_code == 200 and response.get_json()["count"] == 0


def test_a_cached_filter_panel_builds_no_filter_form(agent_client, crowd, monkeypatch):
    """The filter form is built to draw the panel's fields (then kept per filter values) or to
    place an error on a field: a page whose panel is kept builds none."""
    built = []
    real = views.CustomerFilterForm
    monkeypatch.setattr(
        views, "CustomerFilterForm", lambda *a, **k: built.append(1) or real(*a, **k)
    )
    for search in ("ann", "bob", "ann"):
        assert agent_client.get(f"/customers/?is_active=true&search={search}").status_code == 200
    assert len(built) == 1  # the first page drew the fields; the others reused them
    for _ in range(2):
        bad = text(agent_client.get("/customers/?is_active=true&gender=other"))
        assert "other is not one of the available choices" in error_beside(bad, "gender")
        assert '<a href="#gender">' in bad  # the summary links the field
    assert len(built) == 3  # an error is placed on the form each time, kept panel or not


def test_a_new_set_of_filter_values_draws_only_its_fields_not_seen_before(
    agent_client, crowd, monkeypatch
):
    """Each field's HTML is kept by its own values: a query that changes one value draws one
    field (its 20 others as they were drawn), and each field shows its query's value."""
    drawn = []
    real = wtforms.Field.__call__
    monkeypatch.setattr(
        wtforms.Field, "__call__", lambda f, **k: drawn.append(f.name) or real(f, **k)
    )
    first = filter_panel(text(agent_client.get("/customers/?email__startswith=an&first_name=Ann")))
    assert set(drawn) == set(CustomerFilterForm([])._fields) and 'value="an"' in first
    drawn.clear()
    html = filter_panel(text(agent_client.get("/customers/?email__startswith=bo&first_name=Ann")))
    assert drawn == ["email__startswith"]
    assert 'value="bo"' in html and 'value="an"' not in html and 'value="Ann"' in html
    drawn.clear()
    html = filter_panel(text(agent_client.get("/customers/?email__startswith=an")))
    assert drawn == ["first_name"] and 'value="an"' in html and 'value="Ann"' not in html


def test_the_filter_panel_groups_common_filters_first_and_folds_the_rest(agent_client, crowd):
    html = text(agent_client.get("/customers/"))
    groups = re.findall(r'id="group-(\w+)"', html)
    assert groups == ["identity", "consents", "dates", "advanced"]
    assert '<details class="group folded" id="group-advanced">' in html
    used = text(agent_client.get("/customers/?erp_code=E1"))
    assert '<details class="group folded" id="group-advanced" open>' in used


def test_the_error_summary_comes_before_the_panel_and_links_the_fields(agent_client, crowd):
    html = text(agent_client.get("/customers/?gender=other"))
    summary = html.index('class="form-errors"')
    assert summary < html.index('class="card filters"')
    assert '<a href="#gender">Gender</a>: Select a valid choice.' in unescape(html)


def test_the_list_issues_a_bounded_number_of_statements(app, agent_client, channel):
    for n in range(60):
        make_customer(channel, email=f"bulk{n}@example.com")
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    counts = []
    for limit in (10, 50):
        path = f"/customers/?limit={limit}&channel={channel.id}"
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            response = agent_client.get(path)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        assert response.status_code == 200 and len(listed(response)) == limit
        counts.append(
            len([s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))])
        )
    # the user, the channels (which also answer the channel filter's check) with the saved
    # views, the page with its count
    assert counts == [3, 3]


def statements_of(client, path: str) -> tuple[str, list[str]]:
    """The page at ``path`` and the statements it sent."""
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        html = text(client.get(path))
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return html, statements


def test_the_list_reads_no_json_column(agent_client, crowd):
    """The table shows no JSON column: its page statement does not read (and decode) them."""
    html, statements = statements_of(agent_client, "/customers/")
    assert "ann@example.com" in html
    (page,) = [s for s in statements if "counted" in s]
    json_columns = [c.name for c in Customer.__table__.c if isinstance(c.type, JSON)]
    assert len(json_columns) == 5
    assert not [name for name in json_columns if f"customers.{name}" in page]
    assert "customers.email_allowed" in page  # what the table shows is read


def test_a_table_row_calls_no_macro_and_words_nothing(app, users, channel, monkeypatch):
    """The rows are drawn from tuples shaped once a table (display.table_rows): their flag,
    consent marks and words are drawn once a table, so 25 rows cost the macro calls and the
    template translations of 10 (before: six macro calls and five words more a row)."""
    for n in range(30):  # both pages below have the same pagination
        make_customer(channel, first_name=f"Ayşe {n}" if n else XSS, email_allowed=n % 2 == 0,
                      is_active=n % 3 > 0)  # fmt: skip
    macros, words = Counter(), []
    real_invoke, real_translations = Macro._invoke, i18n.translations
    monkeypatch.setattr(
        Macro, "_invoke", lambda m, *args: macros.update([m.name]) or real_invoke(m, *args)
    )
    monkeypatch.setattr(i18n, "translations", lambda: words.append(1) or real_translations())
    client = sign_in(app.test_client(), users["supervisor"])  # rows with checkboxes

    def drawn(limit: int) -> tuple[dict, int]:
        macros.clear()
        words.clear()
        html = text(client.get(f"/customers/?limit={limit}", headers={"Accept-Language": "tr"}))
        assert html.count('name="ids"') == limit and html.count('<span class="flag ') == limit
        assert html.count("Ayşe ") == 2 * limit  # the name and its checkbox's label
        return dict(macros), len(words)

    drawn(10)  # renders the filter form's fields, which any page size then reuses
    assert drawn(25) == drawn(10)
    html = text(client.get("/customers/?limit=100"))
    assert "Select &lt;script&gt;alert(1)&lt;/script&gt; Lovelace</span>" in html
    assert XSS not in html


# -- quick search ------------------------------------------------------------------------------


def test_quick_search_opens_a_single_hit_directly(agent_client, crowd):
    response = agent_client.get("/customers/search?q=bob@")
    assert response.headers["Location"] == f"/customers/{crowd['bob'].id}/"


def test_quick_search_lists_several_hits_and_says_when_none(agent_client, crowd):
    html = text(agent_client.get("/customers/search?q=ann"))
    assert "ann@example.com" in html and "anna@example.com" in html and "2</strong> matches" in html
    html = text(agent_client.get("/customers/search?q=nobody"))
    assert "No customer matches “nobody”" in html
    assert agent_client.get("/customers/search?q=+").headers["Location"] == "/customers/"


# -- detail ------------------------------------------------------------------------------------


def test_detail_shows_profile_totals_and_orders_newest_first_paged(agent_client, customer):
    for n in range(12):
        make_order(customer, f"ORD-{n:02d}", days_ago=n, amount="10.50", refund_amount=Decimal(1))
    html = text(agent_client.get(f"/customers/{customer.id}/"))
    assert "Ada Lovelace" in html and "ada@example.com" in html and "Test Market" in html
    assert "<dt>Orders</dt><dd>12</dd>" in html
    assert "<dt>Amount</dt><dd>TRY\u00a0126.00</dd>" in html
    assert "<dt>Refunds</dt><dd>TRY\u00a012.00</dd>" in html
    assert html.index("ORD-00") < html.index("ORD-01") and "ORD-10" not in html
    assert f'href="/customers/{customer.id}/?orders_page=2"' in html
    second = text(agent_client.get(f"/customers/{customer.id}/?orders_page=2"))
    assert "ORD-10" in second and "ORD-11" in second and "ORD-00" not in second
    assert agent_client.get(f"/customers/{customer.id}/?orders_page=3").status_code == 404


@pytest.mark.parametrize(
    ("language", "cells"),
    [
        ("en", ("Jun 1, 2024, 3:00\u202fAM", "€1,825.75", "€0.00", "€2.50", "TRY\u00a07.00")),
        ("tr", ("1 Haz 2024 03:00", "€1.825,75", "€0,00", "€2,50", "₺7,00")),
    ],
)
def test_detail_order_rows_show_each_orders_link_time_and_amounts_in_its_currency(
    agent_client, customer, language, cells
):
    euro = make_order(
        customer, "ORD-<E>", 0, "1825.75", refund_amount=Decimal("2.5"), currency="EUR"
    )
    make_order(customer, "ORD-T", 1, "7")
    html = text(
        agent_client.get(f"/customers/{customer.id}/", headers={"Accept-Language": language})
    )
    rows = html.split('<table class="table orders">')[1].split("<tbody>")[1].split("</tr>")[:2]
    when, amount, discount, refund, other = cells
    assert f'<a href="/orders/{euro.id}/"><code>ORD-&lt;E&gt;</code></a></td>' in rows[0]
    assert re.findall(r'class="num">([^<]*)</td>', rows[0]) == [amount, discount, refund]
    assert f">{when}</td>" in rows[0] and f'class="num">{other}</td>' in rows[1]


def test_detail_reads_the_orders_page_and_their_totals_in_one_statement(agent_client, customer):
    """The page of orders carries the totals of all of them (window sums and count): one
    statement, no second COUNT for the orders' pages; the totals hold on every page."""
    for n in range(13):
        make_order(customer, f"ORD-{n:02d}", days_ago=n, discount_amount=Decimal("0.5"))
    for query in ("", "?orders_page=2", "?orders_page=last"):
        html, statements = statements_of(agent_client, f"/customers/{customer.id}/{query}")
        assert "<dt>Orders</dt><dd>13</dd>" in html and "<dd>TRY\u00a0130.00</dd>" in html
        assert "<dt>Discounts</dt><dd>TRY\u00a06.50</dd>" in html
        assert ("ORD-12" in html) is (query != "") and ("ORD-00" in html) is (query == "")
        orders = [s for s in statements if re.search(r"\bFROM orders\b", s)]
        assert len(orders) == (2 if query.endswith("last") else 1)  # the last: count first
    for query in ("?orders_page=3", "?orders_page=0"):
        assert agent_client.get(f"/customers/{customer.id}/{query}").status_code == 404


def test_detail_reads_the_customer_as_plain_values(agent_client, customer):
    """The page changes nothing: the customer (and its related records) are read as rows,
    never loaded into the ORM's identity map; an unknown id is still a 404."""
    loaded = []

    def record(target, context):
        loaded.append(target.id)

    event.listen(Customer, "load", record)
    try:
        html = text(agent_client.get(f"/customers/{customer.id}/"))
    finally:
        event.remove(Customer, "load", record)
    assert "Ada Lovelace" in html and loaded == []
    assert agent_client.get(f"/customers/{customer.id + 1000}/").status_code == 404


def test_a_history_value_names_the_customers_channel_and_words_the_rest(app, customer):
    """The history's old → new values (|audited_value): the customer's own channel id by its
    channel's name, any other value as |show words it, in the page's language."""
    own = customer.channel_id
    with app.test_request_context("/", headers={"Accept-Language": "tr"}):
        assert audited_value(own, "channel", customer) == "Test Market"
        assert audited_value(own + 1, "channel", customer) == str(own + 1)
        assert audited_value(own, "erp_code", customer) == str(own)
        assert audited_value(own, "channel") == str(own)  # no customer: conflict_box's events
        assert (audited_value(True, "sms_allowed"), audited_value(None, "phone_number")) == (
            "evet",
            "—",
        )


def test_detail_shows_the_history_and_who_last_changed_each_consent(agent_client, users, customer):
    context = AuditContext.for_user(users["supervisor"], "web")
    CustomerService().update_customer(customer, context, sms_allowed=True, phone_number="0555")
    html = text(agent_client.get(f"/customers/{customer.id}/"))
    assert "Updated" in html and "by supervisor@test.example" in html and "via web" in html
    assert '<span class="new">yes</span>' in html
    sms_help = re.search(r'id="sms_allowed-help">(.*?)</p>', html, re.S).group(1)
    assert "by supervisor@test.example (web)" in sms_help
    call_help = re.search(r'id="call_allowed-help">(.*?)</p>', html, re.S).group(1)
    assert "by system (system)" in call_help  # set at creation


@pytest.mark.parametrize("csrf", [True, False])
def test_the_detail_pages_consent_form_is_the_consents_forms_markup(app, users, customer, csrf):
    """The page writes its consent checkboxes itself (building ConsentsForm for a page that
    only shows it cost a fifth of its rendering): the very markup of the form's hidden tag and
    of each field in the field macro with its last change as help."""
    context = AuditContext.for_user(users["supervisor"], "web")
    CustomerService().update_customer(customer, context, sms_allowed=True, last_name="<O'Neil>")
    client = sign_in(app.test_client(), users["agent"])
    app.config["WTF_CSRF_ENABLED"] = csrf
    html = text(client.get(f"/customers/{customer.id}/", headers={"Accept-Language": "tr"}))
    form = re.search(r'class="consent-form">(.*?)<button', html, re.S).group(1)
    with app.test_request_context(headers={"Accept-Language": "tr"}):
        expected = render_template_string(
            '{% from "macros/forms.html" import field %}'
            '{% from "macros/customers.html" import last_change %}'
            "{{ form.hidden_tag() }}{% for name in consent_fields %}"
            "{{ field(form[name], help=last_change(history, name)|trim) }}{% endfor %}",
            form=ConsentsForm(obj=customer),
            history=customer_history(customer),
        )

    def same(markup: str) -> str:
        markup = re.sub(r'(name="csrf_token" type="hidden" value=")[^"]+', r"\1…", markup)
        return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", markup)).strip()

    assert same(form) == same(expected)
    assert ('name="csrf_token"' in form) is csrf and "checked" in form and 'value="2"' in form


def test_actions_follow_the_role(agent_client, supervisor_client, customer):
    path = f"/customers/{customer.id}/"
    agent_html, supervisor_html = text(agent_client.get(path)), text(supervisor_client.get(path))
    for html in (agent_html, supervisor_html):
        assert f'href="/customers/{customer.id}/edit"' in html
    assert (
        "/anonymize" not in agent_html and f"/customers/{customer.id}/anonymize" in supervisor_html
    )


def test_an_anonymized_customer_shows_a_banner_and_offers_no_edit(agent_client, customer):
    CustomerService().anonymize_customer(customer)
    html = text(agent_client.get(f"/customers/{customer.id}/"))
    assert "Anonymized customer." in html and "/edit" not in html and "Save consents" not in html
    for action in ("edit", "consents"):
        response = agent_client.get(f"/customers/{customer.id}/{action}")
        assert response.headers["Location"] == f"/customers/{customer.id}/"
    assert "can no longer be changed" in text(agent_client.get(f"/customers/{customer.id}/"))


def test_customer_values_are_escaped_everywhere(agent_client, users, channel):
    make_customer(channel, last_name="Evil")
    evil = make_customer(channel, first_name=XSS, last_name="Evil", email="x@example.com",
                         attributes={"note": XSS}, channel_code=XSS)  # fmt: skip
    context = AuditContext.for_user(users["agent"], "web")
    CustomerService().update_customer(evil, context, erp_code=XSS)
    for path in ("/customers/", f"/customers/{evil.id}/", f"/customers/{evil.id}/edit",
                 "/customers/search?q=Evil", "/", f"/customers/?channel_code={XSS}"):  # fmt: skip
        response = agent_client.get(path)
        html = text(response)
        assert response.status_code == 200
        assert XSS not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path


def test_every_stored_text_the_customer_table_prints_is_escaped(app, users):
    """The table's rows print with autoescaping off (customers.display.table_rows escapes):
    markup in each stored text it shows, on the list (an agent's and a supervisor's, with
    the checkboxes' labels), the search results and the home page."""
    shop = make_channel(name=f"Shop {XSS}")
    make_customer(shop, first_name=XSS, last_name="Evil", email="a&b@example.com",
                  channel_code=f"c{XSS}", phone_number=f"+90{XSS}")  # fmt: skip
    make_customer(shop, first_name="", last_name="", email="'q'@example.com")
    make_customer(shop, first_name="Good", last_name="Evil")  # (one match opens the customer)
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    for role in ("agent", "supervisor"):
        client = sign_in(app.test_client(), users[role])
        for path in ("/customers/", "/customers/search?q=Evil", "/"):
            html = text(client.get(path))
            assert XSS not in html, (role, path)
            start = html.index("<tbody>", html.index('<table class="table customers">'))
            table = html[start : html.index("</tbody>", start)]
            assert f"{escaped} Evil" in table and f"Shop {escaped}" in table, (role, path)
            assert "a&amp;b@example.com" in table and f"c{escaped}" in table, (role, path)
            if path == "/customers/":  # (search finds only Evil, the home page shows no phone)
                assert f"+90{escaped}" in table, role
                assert "&#39;q&#39;@example.com" in table, role
                if role == "supervisor":  # the checkboxes, labelled by name or email
                    assert f"Select {escaped} Evil" in table
                    assert "Select &#39;q&#39;@example.com" in table


# -- sorting for people ------------------------------------------------------------------------


@pytest.fixture
def names(channel):
    """Customers on two channels whose ids run against their channels' names."""
    zulu = make_channel(name="Zulu Market")
    alpha = make_channel(name="Alpha Shop")
    made = {
        "zoe": make_customer(zulu, email="zoe@example.com", first_name="Zoe", last_name="Young"),
        "nameless": make_customer(zulu, email="x@example.com", first_name="", last_name=""),
        "abe": make_customer(alpha, email="abe@example.com", first_name="Abe", last_name="Adams"),
    }
    CustomerService().anonymize_customer(made["nameless"], AuditContext.system("test"))
    return made


def names_listed(response) -> list[str]:
    return re.findall(r'<td data-label="Name"><span><a href="[^"]+">([^<]+)</a>', text(response))


# Both read plans: the ordered walk (no filter), the matches sorted (a filter).
@pytest.mark.parametrize("query", ["", "&id__gt=0"])
def test_sorting_by_name_puts_customers_without_a_name_last_both_ways(agent_client, names, query):
    up = names_listed(agent_client.get(f"/customers/?ordering=name{query}"))
    down = names_listed(agent_client.get(f"/customers/?ordering=-name{query}"))
    assert up == ["Abe Adams", "Zoe Young", "(no name)"]
    assert down == ["Zoe Young", "Abe Adams", "(no name)"]


def test_sorting_by_channel_sorts_by_the_channels_name(agent_client, names):
    html = text(agent_client.get("/customers/?ordering=channel__name"))
    assert html.index("abe@example.com") < html.index("zoe@example.com")
    html = text(agent_client.get("/customers/?ordering=-channel__name"))
    assert html.index("zoe@example.com") < html.index("abe@example.com")
    assert 'href="/customers/?ordering=channel__name"' in text(agent_client.get("/customers/"))


def test_the_api_orders_by_the_channel_id_and_knows_no_name_ordering(api, names):
    rows = api.get("/api/v1/customers/?ordering=channel").get_json()["results"]
    # Zulu Market was made before Alpha Shop: DRF sorts by the channel's id, not its name.
    assert [row["email"] for row in rows][-1] == "abe@example.com"
    refused = api.get("/api/v1/customers/?ordering=name")
    assert refused.status_code == 400
    assert refused.get_json() == {
        "ordering": ["Select a valid choice. name is not one of the available choices."]
    }


def test_the_pages_export_follows_the_pages_orderings(supervisor_client, names):
    response = supervisor_client.get("/customers/export.csv?ordering=-channel__name")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.index("zoe@example.com") < body.index("abe@example.com")
