"""Generated order payloads (JSON lines) for the demo channels: grows the demo data through
``flask orders import``, and feeds the ingestion benchmark."""

import json
import random
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import IO, Any

from backoffice.demo.seed import (
    ASCII,
    CHANNELS,
    DOMAINS,
    EPOCH,
    FIRST_NAMES,
    LAST_NAMES,
    _ensure_channels,
)

STATUSES = ("completed",) * 6 + ("shipped", "delivered", "new", "cancelled", "refunded")


def order_payloads(
    channels: list[tuple[int, str]],
    count: int,
    *,
    seed: int = 1,
    orders_per_customer: float = 2.5,
) -> Iterator[dict[str, Any]]:
    """``count`` order payloads spread over ``channels`` ((id, order prefix) pairs).

    Buyers order ``orders_per_customer`` times on average, and a buyer's details are the same
    on each of their orders. The same arguments always give the same payloads; another
    ``seed`` gives other orders and other buyers.
    """
    rng = random.Random(seed)
    buyers = max(1, int(count / orders_per_customer))
    for n in range(count):
        buyer = rng.randrange(buyers)
        channel_id, prefix = channels[buyer % len(channels)]
        amount = Decimal(rng.randrange(1500, 250000)) / 100
        discount = (amount * rng.choice((0, 0, 0, 5, 10)) / 100).quantize(Decimal("0.01"))
        status = rng.choice(STATUSES)
        created = EPOCH + timedelta(days=rng.randrange(0, 1060), seconds=rng.randrange(86400))
        yield {
            "channel": channel_id,
            "number": f"{prefix}-G{seed}-{n:08d}",
            "status": status,
            "amount": f"{amount:.2f}",
            "discount_amount": f"{discount:.2f}",
            "refund_amount": f"{amount:.2f}" if status == "refunded" else "0.00",
            "created_date": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "customer": _buyer(seed, prefix, buyer),
        }


def _buyer(seed: int, prefix: str, buyer: int) -> dict[str, Any]:
    rng = random.Random(f"{seed}/{buyer}")
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    local = f"{first}.{last}".lower().translate(ASCII)
    customer: dict[str, Any] = {
        "channel_code": f"{prefix}-G{seed}-{buyer:07d}",
        "email": f"{local}.{seed}.{buyer}@{rng.choice(DOMAINS)}",
        "first_name": first,
        "last_name": last,
        "phone_number": f"05{rng.randrange(30, 56)}{rng.randrange(1000000, 9999999)}",
        "email_allowed": rng.random() < 0.5,
        "sms_allowed": rng.random() < 0.4,
        "user_type": "registered" if rng.random() < 0.7 else "guest",
    }
    if rng.random() < 0.6:
        customer["gender"] = rng.choice(("male", "female"))
    if rng.random() < 0.3:
        customer["attributes"] = {"has_loyalty": True}
    return customer


def write_jsonl(payloads: Iterator[dict[str, Any]], out: IO[str]) -> int:
    """Write one payload per line; return how many."""
    written = 0
    for payload in payloads:
        out.write(json.dumps(payload, ensure_ascii=False) + "\n")
        written += 1
    return written


def demo_channels() -> list[tuple[int, str]]:
    """The demo channels as (id, order prefix), created if missing."""
    return [
        (channel.id, prefix)
        for channel, (_n, _t, prefix) in zip(_ensure_channels(), CHANNELS, strict=True)
    ]
