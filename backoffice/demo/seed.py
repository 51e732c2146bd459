"""Builds a realistic, repeatable demo data set: the same seed (and day) gives the same data.

Customers are created, join and order over the three years before the day it runs, with a
shop's seasons (backoffice/demo/calendar.py), so the dashboard and the date filters have
something to show."""

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select, update

from backoffice.audit.context import AuditContext
from backoffice.auth import service as auth_service
from backoffice.channels.models import Channel, IntegrationMapping
from backoffice.customers.models import Customer
from backoffice.customers.service import CustomerService
from backoffice.demo.calendar import Calendar
from backoffice.extensions import db
from backoffice.orders.models import Order
from backoffice.types import utcnow

CHANNELS = (
    ("Trendyol", "marketplace", "TY"),
    ("Hepsiburada", "marketplace", "HB"),
    ("Amazon TR", "marketplace", "AMZ"),
    ("N11", "marketplace", "N11"),
    ("Web Shop", "web", "WEB"),
)
DEMO_USERS = (
    ("agent@example.com", "agent", "agent-demo-pass"),
    ("supervisor@example.com", "supervisor", "supervisor-demo-pass"),
    ("admin@example.com", "admin", "admin-demo-pass"),
)
FIRST_NAMES = (
    "Ayşe", "Mehmet", "Fatma", "Ahmet", "Zeynep", "Mustafa", "Elif", "Emre", "Anna", "John",
    "Maria", "Ali", "Deniz", "Can", "Selin", "Burak", "Ece", "Murat", "Lena", "Omar",
)  # fmt: skip
LAST_NAMES = (
    "Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Aydın", "Öztürk", "Arslan", "Doğan",
    "Smith", "Müller", "García", "Rossi", "Novak", "Koç", "Kurt", "Polat", "Erdem", "Aksoy",
)  # fmt: skip
DOMAINS = ("example.com", "mail.example.org", "shop.example.net", "example.com.tr")
# Names into an address's local part: ASCII, as Django's EmailValidator (the API's) requires.
ASCII = str.maketrans("ışçöüğéíŞÇÖÜĞİ", "iscougeiSCOUGI")
STATUSES = ("completed", "completed", "completed", "shipped", "cancelled", "refunded", "new")
EPOCH = datetime(2022, 1, 1, tzinfo=UTC)


@dataclass
class SeedReport:
    customers_created: int = 0
    orders_created: int = 0
    anonymized: int = 0
    logins: list[tuple[str, str, str]] = field(default_factory=list)


def seed_demo(customers: int = 200, seed: int = 20241127, today: date | None = None) -> SeedReport:
    """Add what is missing of the demo data set; running it again adds nothing."""
    rng = random.Random(seed)
    calendar = Calendar(today or utcnow().date())
    report = SeedReport()
    report.logins = _ensure_users()
    channels = _ensure_channels()
    context = AuditContext.system("cli", "demo seed")
    anonymizer = AuditContext.for_user(auth_service.find_user(DEMO_USERS[1][0]), "cli")
    service = CustomerService(autocommit=False)
    for n in range(customers):
        channel = channels[n % len(channels)]
        # Every value is drawn whether or not the customer exists: a re-run draws the same.
        created_at = calendar.moment(rng)
        person = _person(rng, n, created_at)
        code = f"{CHANNELS[n % len(CHANNELS)][2]}-{100000 + n}"
        customer = db.session.scalars(
            select(Customer).where(Customer.channel_id == channel.id, Customer.channel_code == code)
        ).first()
        created = customer is None  # one that exists is left as it is, whatever the day
        if created:
            customer = service.create_customer(channel, code, context, **person)
            _backdate(customer, created_at)
        report.customers_created += created
        report.orders_created += _ensure_orders(rng, customer, n, calendar, created_at)
        if created and n % 9 == 0:
            _ensure_mapping(customer, f"ERP-{500000 + n}")
        if n % 37 == 5 and not customer.is_anonymized:
            service.anonymize_customer(customer, anonymizer)
            report.anonymized += 1
        if n % 25 == 0:
            db.session.commit()
    if customers:
        report.customers_created += _ensure_known_person(channels, service, context, calendar)
    db.session.commit()
    return report


# One person who bought on three marketplaces, each channel spelling them its own way: the
# search examples staff try first (`murat yilmaz`, `0534 414 91 06`, `+905344149106`), the
# customer page's "same person in other channels" and a privacy request across channels.
KNOWN_PERSON = (
    ("TY", "TY-900001", "murat.yilmaz@example.com", "0534 414 91 06"),
    ("HB", "HB-900002", "Murat.Yilmaz@Example.com", "+90 534 414 91 06"),
    ("WEB", "WEB-900003", "murat.yilmaz@example.com", "05344149106"),
)


def _ensure_known_person(channels, service, context, calendar: Calendar) -> int:
    rng = random.Random(900001)  # its own draws: the other customers' stay as they were
    by_prefix = {prefix: channels[i] for i, (_name, _type, prefix) in enumerate(CHANNELS)}
    created = 0
    for n, (prefix, code, email, phone) in enumerate(KNOWN_PERSON):
        channel = by_prefix[prefix]
        created_at = calendar.moment(rng)
        exists = db.session.scalars(
            select(Customer.id).where(
                Customer.channel_id == channel.id, Customer.channel_code == code
            )
        ).first()
        if exists:
            continue
        person = {"first_name": "Murat", "last_name": "Yılmaz", "email": email}
        person |= {"phone_number": phone, "email_allowed": n != 1, "sms_allowed": True}
        person |= {"gender": "male", "user_type": "registered", "date_joined": created_at}
        customer = service.create_customer(channel, code, context, **person)
        _backdate(customer, created_at)
        created += 1
    return created


def _ensure_users() -> list[tuple[str, str, str]]:
    for email, role, password in DEMO_USERS:
        if auth_service.find_user(email) is None:
            auth_service.create_user(email, password, role)
    return list(DEMO_USERS)


def _ensure_channels() -> list[Channel]:
    channels = []
    for name, channel_type, _prefix in CHANNELS:
        channel = db.session.scalars(select(Channel).where(Channel.name == name)).first()
        if channel is None:
            channel = Channel(name=name, channel_type=channel_type)
            db.session.add(channel)
        channels.append(channel)
    db.session.commit()
    return channels


def _backdate(customer: Customer, moment: datetime) -> None:
    """A demo customer created at ``moment``: the row only (its version and its creation
    event stay as the service wrote them)."""
    db.session.execute(
        update(Customer)
        .where(Customer.id == customer.id)
        .values(created_date=moment, modified_date=moment)
    )


def _person(rng: random.Random, n: int, created_at: datetime) -> dict:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    local = f"{first}.{last}".lower().translate(ASCII)
    # Joined the channel up to two months before they reached the back office.
    joined = created_at - timedelta(days=rng.randrange(0, 60), seconds=rng.randrange(86400))
    attributes = {"logged_ip": f"10.{rng.randrange(256)}.{rng.randrange(256)}.{n % 250 + 1}"}
    if rng.random() < 0.3:
        attributes["has_loyalty"] = True
    if rng.random() < 0.2:
        attributes["register_client_type"] = rng.choice(["ios", "android", "web"])
    registered = rng.random() < 0.7
    return {
        "email": f"{local}{n}@{rng.choice(DOMAINS)}",
        "first_name": first,
        "last_name": last,
        "phone_number": f"05{rng.randrange(30, 56)}{rng.randrange(1000000, 9999999)}"
        if rng.random() < 0.8
        else None,
        "email_allowed": rng.random() < 0.5,
        "sms_allowed": rng.random() < 0.4,
        "call_allowed": rng.random() < 0.2,
        "gender": rng.choice(["male", "female", None]),
        "user_type": "registered" if registered else "guest",
        "date_joined": joined if registered else None,
        "date_of_birth": date(1950, 1, 1) + timedelta(days=rng.randrange(0, 20000))
        if rng.random() < 0.6
        else None,
        "erp_code": f"ERP{700000 + n}" if rng.random() < 0.5 else None,
        "attributes": attributes,
    }


def _ensure_orders(
    rng: random.Random, customer: Customer, n: int, calendar: Calendar, since: datetime
) -> int:
    created = 0
    prefix = CHANNELS[n % len(CHANNELS)][2]
    for k in range(rng.choice([0, 1, 1, 2, 3, 5])):
        number = f"{prefix}-{n:06d}-{k}"
        # Draw every value before looking the order up, so a re-run draws the same sequence.
        amount = Decimal(rng.randrange(1500, 250000)) / 100
        status = rng.choice(STATUSES)
        discount = (amount * rng.choice([0, 0, 5, 10]) / 100).quantize(Decimal("0.01"))
        created_date = calendar.moment(rng, after=since)
        exists = db.session.scalars(
            select(Order.id).where(Order.channel_id == customer.channel_id, Order.number == number)
        ).first()
        if exists:
            continue
        db.session.add(
            Order(
                channel_id=customer.channel_id,
                number=number,
                customer_id=customer.id,
                amount=amount,
                discount_amount=discount,
                refund_amount=amount if status == "refunded" else Decimal("0.00"),
                status=status,
                created_date=created_date,
            )
        )
        created += 1
    return created


def _ensure_mapping(customer: Customer, code: str) -> None:
    db.session.add(
        IntegrationMapping(
            channel_id=customer.channel_id, object_type="customer", object_id=customer.id, code=code
        )
    )
