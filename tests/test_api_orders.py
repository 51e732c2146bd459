"""/api/v1/orders/: ingest (201 new, 200 known), nested 400s, filtered pages, detail."""

from sqlalchemy import select

from backoffice.audit.models import AuditEvent
from backoffice.customers.models import Customer
from backoffice.extensions import db
from tests.builders import make_channel
from tests.test_order_service import payload

URL = "/api/v1/orders/"


def test_posting_a_new_order_creates_it_and_its_customer(api, channel):
    response = api.post(URL, json=payload(channel))
    assert response.status_code == 201, response.json
    body = response.json
    customer = db.session.scalars(select(Customer)).one()
    assert body == {
        "pk": body["pk"],
        "channel": channel.id,
        "number": "TY-1001",
        "status": "completed",
        "amount": "149.90",
        "discount_amount": "10.00",
        "refund_amount": "0.00",
        "currency": "TRY",
        "created_date": "2024-03-01T10:00:00Z",
        "modified_date": body["modified_date"],
        "customer": customer.id,
    }
    event = db.session.scalars(select(AuditEvent)).one()
    assert (event.source, event.actor_label) == ("ingestion", "agent@test.example")


def test_posting_a_known_order_answers_200_updated_or_not(api, channel):
    first = api.post(URL, json=payload(channel)).json
    same = api.post(URL, json=payload(channel))
    assert same.status_code == 200 and same.json == first
    changed = api.post(URL, json=payload(channel, status="refunded", refund_amount="149.90"))
    assert changed.status_code == 200
    assert (changed.json["pk"], changed.json["status"], changed.json["refund_amount"]) == (
        first["pk"], "refunded", "149.90"
    )  # fmt: skip


def test_invalid_orders_answer_400_with_nested_errors(api, channel):
    response = api.post(URL, json=payload(channel, amount="1.234", customer={"email": "nope"}))
    assert response.status_code == 400
    assert response.json == {
        "amount": ["Ensure that there are no more than 2 decimal places."],
        "customer": {"email": ["Enter a valid email address."]},
    }
    unknown = api.post(URL, json={**payload(channel), "channel": 999})
    assert unknown.status_code == 400
    assert unknown.json == {"channel": ['Invalid pk "999" - object does not exist.']}
    assert api.post(URL, json=[]).json == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]
    }
    assert db.session.scalars(select(Customer)).all() == []


def test_orders_need_a_token(anonymous_api, channel):
    assert anonymous_api.post(URL, json=payload(channel)).status_code == 401
    assert anonymous_api.get(URL).status_code == 401


def _ingest(api, channel, number, code, **overrides):
    response = api.post(
        URL, json=payload(channel, number, customer={"channel_code": code}, **overrides)
    )
    assert response.status_code == 201, response.json
    return response.json


def test_the_list_is_paged_and_filtered(api, channel):
    other = make_channel(name="Other Market")
    a1 = _ingest(api, channel, "A-1", "a", created_date="2024-01-10T09:00:00Z")
    a2 = _ingest(api, channel, "A-2", "a", status="cancelled", created_date="2024-02-10T09:00:00Z")
    b1 = _ingest(api, channel, "B-1", "b", created_date="2024-03-10T09:00:00Z")
    o1 = _ingest(api, other, "A-1", "a", created_date="2024-04-10T09:00:00Z")

    def numbers(query):
        response = api.get(URL + query)
        assert response.status_code == 200, response.json
        return [(o["channel"], o["number"]) for o in response.json["results"]]

    assert numbers("") == [(channel.id, "A-1"), (channel.id, "A-2"), (channel.id, "B-1"),
                           (other.id, "A-1")]  # fmt: skip
    assert numbers(f"?customer={a1['customer']}") == [(channel.id, "A-1"), (channel.id, "A-2")]
    assert a1["customer"] == a2["customer"] != b1["customer"] != o1["customer"]
    assert numbers(f"?channel={other.id}") == [(other.id, "A-1")]
    assert numbers("?number=A-1") == [(channel.id, "A-1"), (other.id, "A-1")]
    assert numbers("?number__startswith=B") == [(channel.id, "B-1")]
    assert numbers("?status=cancelled") == [(channel.id, "A-2")]
    assert numbers("?created_date__gte=2024-02-10&created_date__lt=2024-04-01") == [
        (channel.id, "A-2"), (channel.id, "B-1")
    ]  # fmt: skip
    assert numbers("?created_date__date=2024-03-10") == [(channel.id, "B-1")]
    assert numbers("?ordering=-created_date&limit=1") == [(other.id, "A-1")]

    page = api.get(URL + "?limit=3&page=2").json
    assert page["count"] == 4 and page["previous"].endswith("?limit=3") and page["next"] is None
    assert api.get(URL + "?status=lost").status_code == 400
    assert api.get(URL + "?customer=999").json == {
        "customer": ["Select a valid choice. 999 is not one of the available choices."]
    }
    assert api.get(URL + "?page=9").json == {"detail": "Invalid page."}


def test_the_detail_shows_one_order(api, channel):
    created = _ingest(api, channel, "A-1", "a")
    assert api.get(f"{URL}{created['pk']}/").json == created
    assert api.get(f"{URL}{created['pk'] + 1}/").status_code == 404
