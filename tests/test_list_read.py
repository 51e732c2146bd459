"""The customer list read: one entry for both doors, the query string parsed once."""

from datetime import UTC, datetime

import pytest
from flask import render_template_string, request, url_for
from werkzeug.datastructures import MultiDict

from backoffice import listlinks
from backoffice.customers import listread
from backoffice.customers.filterset import CustomerPageFilterSet
from backoffice.customers.listread import count_statement, customer_list_page
from backoffice.customers.querystring import chips
from backoffice.customers.reads import all_channels
from tests.builders import make_channel, make_customer


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
        assert newest == ("/orders/?ordering=created_date", "descending")
        assert (newest.url, newest.state) == newest
        assert listlinks.sorting("email").state is None


@pytest.mark.parametrize(
    "query",
    ["", "page=3", "a=1&b=2&a=3&page=2&ordering=x", "q=%C3%A7+%26+%3D&page=&ordering=-id&q=2"],
)
def test_url_with_writes_the_query_with_changes_would(app, query):
    """url_with builds its pairs without a MultiDict copy: the very URL of query_url over
    with_changes (values grouped by key in first-seen order, changed keys last)."""
    with app.test_request_context(f"/customers/?{query}"):
        args = request.args
        for changes in ({"page": None}, {"page": 4}, {"ordering": "email", "page": None},
                        {"q": "ü", "a": None}, {}):  # fmt: skip
            expected = listlinks.query_url("/customers/", listlinks.with_changes(args, **changes))
            assert listlinks.url_with(**changes) == expected, changes


def test_row_urls_are_url_for_built_once(app):
    for base in ("/", "/backoffice/"):
        with app.test_request_context("/customers/", base_url=f"http://localhost{base}"):
            detail = listlinks.row_urls("customers.detail")
            for pk in (1, 42, 987654321):
                assert detail(pk) == url_for("customers.detail", pk=pk)
    assert detail(7) == "/backoffice/customers/7/"


def test_the_templates_url_for_answers_as_flasks_for_each_root_host_and_scheme(app):
    """The templates' url_for keeps the URLs it built (routes do not change), keyed by the
    request's root, host and scheme: each is the URL Flask's url_for builds there."""
    template_url_for = app.jinja_env.globals["url_for"]
    calls = [("main.index", {}), ("static", {"filename": "css/app.css"}),
             ("customers.list", {"_anchor": "x y"}), ("customers.detail", {"pk": 5}),
             ("auth.logout", {"_external": True}), ("customers.list", {"page": "2"})]  # fmt: skip
    for base in ("http://localhost/", "http://localhost/backoffice/", "https://127.0.0.1:8/"):
        for _ in range(2):  # built, then kept
            with app.test_request_context("/customers/", base_url=base):
                for endpoint, values in calls:
                    assert template_url_for(endpoint, **values) == url_for(endpoint, **values)
                relative = render_template_string("{{ url_for('.list') }}")
                assert relative == url_for("customers.list")


# Both read plans of a filtered list: the matches sorted, and the walk (FILTER_FIRST 0).
@pytest.mark.parametrize("filter_first", [50_000, 0])
@pytest.mark.parametrize("query", [{}, {"is_active": "true"}, {"id__gt": "0"}])
def test_pages_by_channel_name_run_across_channels_in_name_order(
    app, monkeypatch, filter_first, query
):
    monkeypatch.setattr(listread, "FILTER_FIRST", filter_first)
    zulu, alpha = make_channel(name="Zulu Market"), make_channel(name="Alpha Shop")
    made = {channel: [make_customer(channel).id for _ in range(3)] for channel in (zulu, alpha)}
    make_customer(alpha, is_active=False)  # outside is_active=true; the last by id
    channels = all_channels()

    def listed(ordering: str, **extra: str) -> list[int]:
        args = MultiDict({**query, **extra, "ordering": ordering})
        ids, number, more = [], 1, True
        while more:  # pages of 2
            page = customer_list_page(args, number, 2, channels, filterset=CustomerPageFilterSet)
            ids += [row.id for row in page.page.items if row.is_active]
            number, more = number + 1, number * 2 < page.page.count
        return ids

    assert listed("channel__name") == made[alpha] + made[zulu]
    assert listed("-channel__name") == made[zulu][::-1] + made[alpha][::-1]
    assert listed("channel__name", channel=str(zulu.id)) == made[zulu]
