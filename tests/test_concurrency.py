"""Concurrent writers: upserts from several processes never duplicate and never fail."""

import multiprocessing
import random

from sqlalchemy import func, select

from backoffice.customers.models import Customer
from backoffice.extensions import db
from tests.workers import upsert_keys

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
