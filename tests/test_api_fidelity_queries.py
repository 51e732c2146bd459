"""Query strings read as DRF + django-filter read them (issue 13, items 2, 6, 8 and 10)."""

from datetime import UTC, date, datetime

import pytest

from tests.builders import make_channel, make_customer

LIST = "/api/v1/customers/"


@pytest.fixture
def crowd(channel):
    """12 customers of channel 1 (so two pages of 10) and one of channel 2."""
    people = [
        make_customer(
            channel,
            email=f"c{n}@example.com",
            is_active=n % 2 == 0,
            date_of_birth=date(1990, 5, 17) if n == 1 else None,
            date_joined=datetime(2017, 1, 30, tzinfo=UTC) if n == 2 else None,
        )
        for n in range(12)
    ]
    people.append(make_customer(make_channel(name="Second"), email="x@y.com"))
    return people


def body(response) -> dict:
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


# -- item 2: a char filter strips its value; blank leaves it unapplied ---------------------------


@pytest.mark.parametrize("param", ["email", "first_name", "erp_code", "email__startswith"])
def test_a_whitespace_only_char_filter_is_not_applied(api, crowd, param):
    page = body(api.get(f"{LIST}?{param}=%20%20"))
    assert page["count"] == 13
    assert len(page["results"]) == 10


# -- item 6: date filters are forms.DateField; date_joined is an IsoDateTimeFilter ---------------


def test_a_date_filter_takes_djangos_date_input_formats(api, crowd):
    assert [r["pk"] for r in body(api.get(f"{LIST}?date_of_birth=1990-5-17"))["results"]] == [
        crowd[1].id
    ]
    assert body(api.get(f"{LIST}?date_of_birth=05/17/1990"))["count"] == 1


@pytest.mark.parametrize(
    "query",
    ["created_date__gte=2024-01-01T00:00:00Z", "date_of_birth=19900517", "created_date=%20%20"],
)
def test_a_date_filter_refuses_datetimes_and_blanks(api, crowd, query):
    response = api.get(f"{LIST}?{query}")
    assert response.status_code == 400
    assert response.get_json() == {query.split("=")[0]: ["Enter a valid date."]}


def test_date_joined_takes_a_date_as_its_midnight(api, crowd):
    assert [r["pk"] for r in body(api.get(f"{LIST}?date_joined=2017-01-30"))["results"]] == [
        crowd[2].id
    ]


# -- item 8: the other filters' cleaning, in DRF's words -----------------------------------------


def test_a_char_filter_value_is_stripped(api, crowd):
    assert [r["pk"] for r in body(api.get(f"{LIST}?email=%20x%40y.com%20"))["results"]] == [
        crowd[-1].id
    ]


@pytest.mark.parametrize("value", ["%20true", "yes", "on"])
def test_a_boolean_filter_takes_only_its_four_words(api, crowd, value):
    assert body(api.get(f"{LIST}?is_active={value}"))["count"] == 13


def test_a_boolean_filter_ignores_case(api, crowd):
    assert body(api.get(f"{LIST}?is_active=TRUE"))["count"] == 7  # 6 of 12, and x@y.com


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("channel=", "“” is not a valid value."),
        ("channel=1&channel=", "“” is not a valid value."),
        ("channel=abc", "“abc” is not a valid value."),
        ("channel=1.0", "“1.0” is not a valid value."),
        ("channel=%201", "Select a valid choice.  1 is not one of the available choices."),
        ("channel=99", "Select a valid choice. 99 is not one of the available choices."),
    ],
)
def test_channel_values_are_checked_as_djangos_model_choice_field(api, crowd, query, message):
    response = api.get(f"{LIST}?{query}")
    assert response.status_code == 400
    assert response.get_json() == {"channel": [message]}


def test_a_fractional_id_is_truncated_as_django_truncates_it(api, crowd):
    """Omnitron's NumberFilter is a DecimalField whose value Django makes an int of."""
    first = crowd[0].id
    assert body(api.get(f"{LIST}?id__gte={first}.5"))["results"][0]["pk"] == first


def test_a_detail_view_applies_the_filters_as_drfs_get_object(api, crowd):
    assert api.get(f"{LIST}{crowd[0].id}/?email=zzz").status_code == 404
    response = api.get(f"{LIST}{crowd[0].id}/?channel=abc")
    assert response.status_code == 400
    assert api.get(f"{LIST}{crowd[0].id}/?email=c0%40example.com").status_code == 200


# -- item 10: page and limit read by int(), the last one wins; links re-encoded, sorted ----------


@pytest.mark.parametrize("page", ["%2B2", "%202", "2%20", "1&page=2"])
def test_page_is_read_by_int_and_the_last_one_wins(api, crowd, page):
    page_two = body(api.get(f"{LIST}?page={page}"))
    assert [r["pk"] for r in page_two["results"]] == [c.id for c in crowd[10:]]


@pytest.mark.parametrize("page", ["", "2.0", "abc", "0"])
def test_a_page_int_cannot_read_is_invalid(api, crowd, page):
    response = api.get(f"{LIST}?page={page}")
    assert (response.status_code, response.get_json()) == (404, {"detail": "Invalid page."})


@pytest.mark.parametrize(("limit", "size"), [("%2B5", 5), ("%205", 5), ("5&limit=3", 3)])
def test_limit_is_read_by_int_and_the_last_one_wins(api, crowd, limit, size):
    assert len(body(api.get(f"{LIST}?limit={limit}"))["results"]) == size


def test_links_carry_the_query_sorted_as_drfs_replace_query_param(api, crowd):
    page = body(api.get(f"{LIST}?limit=5&page=2&email__startswith=c&aaa=2&aaa=1"))
    base = "http://localhost/api/v1/customers/"
    assert page["next"] == f"{base}?aaa=2&aaa=1&email__startswith=c&limit=5&page=3"
    assert page["previous"] == f"{base}?aaa=2&aaa=1&email__startswith=c&limit=5"
