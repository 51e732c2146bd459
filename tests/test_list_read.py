"""The customer list read: one entry for both doors, the query string parsed once."""

from datetime import UTC, datetime

from flask import url_for
from werkzeug.datastructures import MultiDict

from backoffice import listlinks
from backoffice.customers.listread import count_statement, customer_list_page
from backoffice.customers.querystring import chips
from tests.builders import make_customer


def test_the_filter_set_keeps_the_values_it_parsed(app, channel):
    args = MultiDict(
        [("channel", str(channel.id)), ("is_active", "TRUE"), ("created_date__lt", "2024-01-02")]
    )
    listed = customer_list_page(args, 1, 10)
    assert listed.filters.values == {
        "channel": [channel.id],
        "is_active": True,
        "created_date__lt": datetime(2024, 1, 2, tzinfo=UTC),
    }
    words = [(chip.label, chip.value) for chip in chips(listed.filters, args, "/", {})]
    assert ("Active", "yes") in words and ("Created until", "2024-01-01") in words


def test_one_entry_reads_the_page_or_keeps_the_errors(app, channel):
    customer = make_customer(channel)
    listed = customer_list_page(MultiDict({"channel": str(channel.id)}), "1", 10)
    assert [row.id for row in listed.page.items] == [customer.id] and listed.page.count == 1
    bad = customer_list_page(MultiDict({"is_active": "true", "gender": "x"}), 1, 10)
    assert bad.page is None and set(bad.filters.errors) == {"gender"}
    assert customer_list_page(MultiDict(), 1, 10, read=False).page is None


def test_the_counter_reads_the_parsed_values(app, channel):
    make_customer(channel)
    listed = customer_list_page(MultiDict({"channel": str(channel.id), "is_active": "1"}), 1, 10)
    statement = str(count_statement(listed.filters).compile(compile_kwargs={"literal_binds": True}))
    assert "customer_counts" in statement and listed.page.count == 1


def test_list_links_are_the_apps_and_sorting_takes_its_default(app):
    assert app.jinja_env.globals["sorting"] is listlinks.sorting
    with app.test_request_context("/orders/?page=3"):
        newest = listlinks.sorting("created_date", "-created_date")
        assert newest == {"url": "/orders/?ordering=created_date", "state": "descending"}
        assert listlinks.sorting("email")["state"] is None


def test_row_urls_are_url_for_built_once(app):
    for base in ("/", "/backoffice/"):
        with app.test_request_context("/customers/", base_url=f"http://localhost{base}"):
            detail = listlinks.row_urls("customers.detail")
            for pk in (1, 42, 987654321):
                assert detail(pk) == url_for("customers.detail", pk=pk)
    assert detail(7) == "/backoffice/customers/7/"
