"""The demo data spreads over three years with a shop's seasons, the same for the same seed."""

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from backoffice.customers.models import Customer
from backoffice.demo.calendar import Calendar
from backoffice.demo.seed import seed_demo
from backoffice.extensions import db
from backoffice.orders.models import Order

TODAY = date(2026, 12, 2)


def test_moments_follow_the_seasons_and_the_week():
    calendar = Calendar(TODAY)
    rng = random.Random(1)
    moments = [calendar.moment(rng) for _ in range(20_000)]
    assert min(moments).date() >= TODAY - timedelta(days=3 * 365)
    assert max(moments).date() < TODAY
    months = Counter(m.month for m in moments)
    assert months[11] > 1.6 * months[7] and months[12] > 1.4 * months[2]
    weekdays = Counter(m.weekday() for m in moments)
    assert weekdays[0] > 1.3 * weekdays[5]  # Mondays busier than Saturdays
    years = Counter((TODAY - m.date()).days // 365 for m in moments)
    assert years[0] > years[2]  # a growing business
    after = datetime(2026, 6, 1, 12, tzinfo=UTC)
    assert all(calendar.moment(rng, after=after) >= after for _ in range(200))


def test_the_seed_spreads_creation_joining_and_orders(app):
    seed_demo(80, today=TODAY)
    customers = db.session.scalars(select(Customer)).all()
    created = [c.created_date for c in customers]
    assert min(created).date() < TODAY - timedelta(days=700)
    assert len({c.date() for c in created}) > 60  # not one day
    joined = [c for c in customers if c.date_joined is not None]
    assert joined and all(c.date_joined <= c.created_date for c in joined)
    orders = db.session.scalars(select(Order)).all()
    by_id = {c.id: c for c in customers}
    assert orders and all(o.created_date >= by_id[o.customer_id].created_date for o in orders)
    assert len({o.created_date.date() for o in orders}) > 40


def test_the_same_seed_gives_the_same_data_and_a_rerun_adds_nothing(app):
    seed_demo(30, today=TODAY)
    first = sorted((c.channel_code, c.created_date, c.date_joined, c.email) for c in _all(Customer))
    orders = sorted((o.number, o.created_date, o.amount) for o in _all(Order))
    seed_demo(30, today=TODAY + timedelta(days=3))  # another day: the rows exist, nothing moves
    db.session.expire_all()
    assert (
        sorted((c.channel_code, c.created_date, c.date_joined, c.email) for c in _all(Customer))
        == first
    )
    assert sorted((o.number, o.created_date, o.amount) for o in _all(Order)) == orders


def _all(model):
    return db.session.scalars(select(model)).all()


def test_the_demo_holds_one_person_on_three_marketplaces_found_however_typed(api):
    seed_demo(10, today=TODAY)
    seed_demo(10, today=TODAY)  # a re-run adds no second Murat
    codes = {"TY-900001", "HB-900002", "WEB-900003"}
    for term in ("murat yilmaz", "Murat Yilmaz", "0534 414 91 06", "+905344149106", "5344149106"):
        found = api.get("/api/v1/customers/", query_string={"search": term}).get_json()
        assert {c["channel_code"] for c in found["results"]} >= codes, term
        assert sum(c["channel_code"] in codes for c in found["results"]) == 3, term
    murat = next(c for c in _all(Customer) if c.channel_code == "TY-900001")
    related = api.get(f"/api/v1/customers/{murat.id}/related/").get_json()
    assert {c["channel_code"] for c in related["results"]} == {"HB-900002", "WEB-900003"}
