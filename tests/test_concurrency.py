"""Concurrent writers: upserts from several processes never duplicate and never fail."""

import multiprocessing
import random

import pytest
from sqlalchemy import func, select

from backoffice.audit.models import AuditEvent
from backoffice.customers.models import Customer
from backoffice.extensions import db
from tests.workers import upsert_keys

pytestmark = pytest.mark.slow  # eight processes each: about 100 s of `make test`

WORKERS = 8
KEYS = 500


def test_eight_workers_upserting_the_same_keys_leave_one_customer_per_key(
    app, channel, database_url
):
    keys = [f"key-{n}" for n in range(KEYS)]
    orders = [random.Random(seed).sample(keys, len(keys)) for seed in range(WORKERS)]
    channel_id = channel.id
    db.session.commit()
    with multiprocessing.get_context("spawn").Pool(WORKERS) as pool:
        errors = pool.starmap(
            upsert_keys, [(database_url, channel_id, order, n) for n, order in enumerate(orders)]
        )
    assert errors == [0] * WORKERS
    count, distinct = db.session.execute(
        select(func.count(), func.count(func.distinct(Customer.channel_code)))
    ).one()
    assert (count, distinct) == (KEYS, KEYS)


def test_no_write_is_lost_when_eight_processes_upsert_a_thousand_times(app, channel, database_url):
    """8 x 1,000 upserts over 200 keys: 200 customers, and 8,000 versions and audit events."""
    keys = [f"shared-{n}" for n in range(200)]
    plans = [[random.Random(w * 1000 + i).choice(keys) for i in range(1000)] for w in range(8)]
    channel_id = channel.id
    db.session.commit()
    with multiprocessing.get_context("spawn").Pool(8) as pool:
        errors = pool.starmap(
            upsert_keys, [(database_url, channel_id, plan, w, True) for w, plan in enumerate(plans)]
        )
    assert errors == [0] * 8
    used = {key for plan in plans for key in plan}
    count, versions = db.session.execute(select(func.count(), func.sum(Customer.version))).one()
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert count == len(used)
    # Each customer's first write created it (version 1); every later one bumped the version.
    assert versions == 8000 and events == 8000
