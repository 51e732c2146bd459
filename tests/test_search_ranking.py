"""The ranked search page tier by tier: every page (deep ones across tier boundaries) in the
rank's order by either plan of a tier (its rows sorted, or the date index walked), with the
other filters and with an explicit ordering; the count exact."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from backoffice.channels.models import IntegrationMapping
from backoffice.customers import search
from backoffice.customers.search import EXACT, PARTIAL
from backoffice.extensions import db
from backoffice.orders.models import Order
from tests.builders import make_channel, make_customer

DAY = datetime(2024, 5, 1, tzinfo=UTC)
PLANS = {"sorted": 0, "walked": 10**9}  # search.WALK_COST: never walk, always walk


@pytest.fixture
def ranked(channel):
    """Customers the term ``ece`` finds in every tier, each tier bigger than a page of 3, dates
    interleaved across tiers and some equal (the id decides), and a few it does not find."""
    other = make_channel(name="Web Shop", channel_type="web")
    made = []  # (customer, rank)

    def add(rank, chan=channel, **fields):
        fields.setdefault("email", f"c{len(made)}@example.com")
        made.append((make_customer(chan, **fields), rank))
        return made[-1][0]

    add(EXACT, channel_code="ECE", first_name="Ali")
    add(EXACT, other, erp_code="ece", first_name="Veli")
    by_order = add(EXACT, first_name="Can")  # its order's number is the term
    for n in range(4):
        add(PARTIAL, channel if n % 2 else other, channel_code=f"ece-{n}", first_name="Ali")
    for n in range(7):
        add(1, channel if n % 3 else other, first_name="Ece", last_name=f"Kaya{n}")
    add(1, first_name="Zeynep", last_name="Ece")
    for n in range(5):
        add(0, channel if n % 2 else other, first_name="Ecem", is_active=n != 2)
    by_prefix = add(0, first_name="Deniz")  # an order number starting with the term
    mapped = add(0, first_name="Oya")  # a mapping code starting with the term
    for _ in range(4):
        add(None, first_name="Ali", last_name="Demir")
    # Dates: interleaved across tiers (i * 7 % 11 days), every third one equal to another's.
    for i, (customer, _rank) in enumerate(made):
        customer.created_date = DAY + timedelta(days=(i * 7) % 11)
    db.session.add(Order(channel_id=channel.id, number="Ece", customer_id=by_order.id))
    db.session.add(Order(channel_id=channel.id, number="ECE-900", customer_id=by_prefix.id))
    db.session.add(
        IntegrationMapping(
            channel_id=channel.id, object_type="customer", object_id=mapped.id, code="ece.x"
        )
    )
    db.session.commit()
    return {"made": made, "other": other}


def expected(made, keep=lambda customer: True):
    """The ids in the rank's order: best rank, then newest, then the highest id."""
    found = [(c, rank) for c, rank in made if rank is not None and keep(c)]
    found.sort(key=lambda item: (item[1], item[0].created_date, item[0].id), reverse=True)
    return [c.id for c, _rank in found]


def pages(api, limit=3, **params):
    """Every page of the search (and one past the end), as the API gives them."""
    ids, number, counts = [], 1, set()
    while True:
        query = {"search": "ece", "limit": limit, "page": number, **params}
        response = api.get("/api/v1/customers/", query_string=query)
        if response.status_code == 404:
            break
        body = response.get_json()
        assert response.status_code == 200, body
        counts.add(body["count"])
        ids += [row["pk"] for row in body["results"]]
        number += 1
    return ids, counts


@pytest.fixture(params=PLANS)
def plan(request, monkeypatch):
    monkeypatch.setattr(search, "WALK_COST", PLANS[request.param])
    return request.param


def test_every_page_comes_in_the_ranks_order_by_either_plan(api, ranked, plan):
    want = expected(ranked["made"])
    assert len(want) == 22
    for limit in (3, 5, 22, 50):
        ids, counts = pages(api, limit)
        assert ids == want, (plan, limit)
        assert counts == {22}


def test_the_ranked_page_combines_with_other_filters(api, ranked, plan, channel):
    made, other = ranked["made"], ranked["other"]
    ids, counts = pages(api, channel=other.id)
    want = expected(made, lambda c: c.channel_id == other.id)
    assert ids == want and counts == {len(want)}
    ids, counts = pages(api, is_active="false")
    assert ids == expected(made, lambda c: not c.is_active) and counts == {1}
    ids, counts = pages(api, first_name="Ecem", channel=channel.id)
    want = expected(made, lambda c: c.first_name == "Ecem" and c.channel_id == channel.id)
    assert ids == want and counts == {2}


def test_an_ordering_replaces_the_rank(api, ranked, plan):
    made = ranked["made"]
    found = [c for c, rank in made if rank is not None]
    ids, counts = pages(api, ordering="-created_date")
    assert ids == [c.id for c in sorted(found, key=lambda c: (c.created_date, c.id), reverse=True)]
    assert counts == {22}
    ids, counts = pages(api, ordering="first_name,id", channel=ranked["other"].id)
    of_other = [c for c in found if c.channel_id == ranked["other"].id]
    assert ids == [c.id for c in sorted(of_other, key=lambda c: (c.first_name, c.id))]
    assert counts == {len(of_other)}


def test_the_last_page_and_a_page_past_the_end(api, ranked, plan):
    body = api.get("/api/v1/customers/?search=ece&limit=5&page=last").get_json()
    assert (
        body["count"] == 22 and [r["pk"] for r in body["results"]] == expected(ranked["made"])[20:]
    )
    assert api.get("/api/v1/customers/?search=ece&limit=5&page=6").status_code == 404


def test_several_words_rank_by_the_words_found_whole(api, channel, plan):
    made = [
        (make_customer(channel, first_name="Ece", last_name="Yıl", email="a@x.com"), 2),
        (make_customer(channel, first_name="Ece", last_name="Yıldız", email="b@x.com"), 1),
        (make_customer(channel, first_name="Ecem", last_name="Yıl", email="c@x.com"), 1),
        (make_customer(channel, first_name="Ecem", last_name="Yıldız", email="d@x.com"), 0),
        (make_customer(channel, first_name="Ece", last_name="Kaya", email="e@x.com"), None),
    ]
    for i, (customer, _rank) in enumerate(made):
        customer.created_date = DAY + timedelta(days=i % 2)
    db.session.commit()
    for term in ("ece yil", "YIL Ece", "yıl ece"):
        ids, counts = pages(api, limit=1, search=term)
        assert ids == expected(made) and counts == {4}, term


def test_the_html_list_shows_the_ranked_pages(agent_client, ranked, plan):
    want = expected(ranked["made"])
    query = {"search": "ece", "limit": 10, "page": 2}
    response = agent_client.get("/customers/", query_string=query)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, response.headers.get("Location")
    links = {pk: html.find(f'href="/customers/{pk}/"') for pk in want}
    shown = sorted((at, pk) for pk, at in links.items() if at >= 0)
    assert [pk for _at, pk in shown] == want[10:20]


def test_the_export_of_a_search_comes_in_the_pages_order(supervisor_api, ranked):
    response = supervisor_api.get("/api/v1/customers/export.csv?search=ece", buffered=True)
    assert response.status_code == 200
    got = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [int(row["pk"]) for row in got] == expected(ranked["made"])
