"""The differential run's machinery: the same rows in both apps, one request sent to both."""

import json
import re
import warnings
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import text

from backoffice.channels.models import Channel
from backoffice.customers.models import Customer
from backoffice.extensions import db

API = "/api/v1/customers/"
BASE = datetime(2024, 1, 1, 10, 0, tzinfo=UTC)
CHANNELS = [(1, "Test Market"), (2, "Second Market"), (3, "Empty Market")]
# Ids of rows made for one write request each, far from the shared rows and from new ones.
SCRATCH_FROM = 5000
NEW_IDS_FROM = 100000


def _row(i: int) -> dict[str, Any]:
    """The i-th shared customer: every kind of value a filter or a renderer meets."""
    whole = i % 2 == 0  # whole-second timestamps on even rows, microseconds on odd ones
    created = BASE + timedelta(days=i, microseconds=0 if whole else 123456 * i % 999999)
    return {
        "id": i,
        "channel_id": 1 if i <= 16 else 2,
        "email": {3: "x@y.com", 4: "Ann@Example.com"}.get(i, f"c{i}@example.com"),
        "first_name": "" if i % 5 == 0 else ("Ann" if i % 2 else "Bob"),
        "last_name": "Lovelace" if i % 3 else "",
        "phone_number": None if i % 4 == 0 else f"0555{i:07d}",
        "is_active": i % 3 != 0,
        "channel_code": "taken" if i == 17 else f"code-{i}",
        "erp_code": None if i % 2 else f"erp-{i}",
        "extra_field": {},
        "modified_date": created + timedelta(hours=1),
        "created_date": created,
        "date_joined": (
            None
            if i % 3 == 0
            else datetime(2017, 1, 30, 8, 21, 20, 657225 if i % 2 else 0, tzinfo=UTC)
        ),
        "email_allowed": i % 2 == 0,
        "sms_allowed": i % 3 == 0,
        "call_allowed": i % 4 == 0,
        "gender": (None, "male", "female")[i % 3],
        "attributes": {"logged_ip": "127.0.0.1"} if i % 6 == 0 else {},
        "user_type": (None, "registered", "guest")[i % 3],
        "date_of_birth": date(1990, 5, 17) if i % 4 == 1 else None,
        "attributes_kwargs": {},
        "localized_attributes": {},
        "localized_attributes_kwargs": {},
    }


ROWS = [_row(i) for i in range(1, 25)]


def scratch_row(n: int) -> dict[str, Any]:
    """A customer of channel 1 for the n-th write request alone."""
    return {**_row(1), "id": SCRATCH_FROM + n, "channel_code": f"scratch-{n}"}


# -- loading -----------------------------------------------------------------------------------


def load_app(rows: list[dict[str, Any]], *, channels: bool = False) -> None:
    if channels:
        for pk, name in CHANNELS:
            db.session.add(Channel(id=pk, name=name, created_date=BASE, modified_date=BASE))
    db.session.add_all(Customer(**row) for row in rows)
    db.session.commit()


def load_reference(rows: list[dict[str, Any]], *, channels: bool = False) -> None:
    from tests.drf_reference import models

    if channels:
        for pk, name in CHANNELS:
            models.Channel.objects.create(id=pk, name=name, created_date=BASE, modified_date=BASE)
    models.Customer.objects.bulk_create(models.Customer(**row) for row in rows)


def create_reference_tables(alias: str) -> None:
    from django.db import connections

    from tests.drf_reference.models import Channel as RefChannel
    from tests.drf_reference.models import Customer as RefCustomer

    drop_reference_tables(alias)
    with connections[alias].schema_editor() as editor:
        editor.create_model(RefChannel)
        editor.create_model(RefCustomer)


def drop_reference_tables(alias: str) -> None:
    """Out of the app's database again (its migration check compares every table)."""
    from django.db import connections

    with connections[alias].cursor() as cursor:
        for table in ("drf_ref_customer", "drf_ref_channel"):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


def start_new_ids(alias: str) -> None:
    """PostgreSQL: new customers get ids past NEW_IDS_FROM in both apps (rows inserted with
    their ids do not move the sequences). SQLite takes the largest id plus one anyway."""
    if alias != "postgresql":
        return
    from django.db import connections

    setval = "SELECT setval(pg_get_serial_sequence('{}', 'id'), " + str(NEW_IDS_FROM) + ")"
    db.session.execute(text(setval.format("customers")))
    db.session.commit()
    with connections[alias].cursor() as cursor:
        cursor.execute(setval.format("drf_ref_customer"))


# -- requests ----------------------------------------------------------------------------------


@dataclass
class Case:
    method: str
    path: str  # may hold {pk}: a scratch customer made for this request
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    content_type: str | None = None
    token: bool = True

    @property
    def id(self) -> str:
        parts = [self.method, self.path]
        if self.headers:
            parts.append(json.dumps(self.headers, ensure_ascii=False))
        if not self.token:
            parts.append("(no token)")
        if self.content_type and self.content_type != "application/json":
            parts.append(f"[{self.content_type}]")
        if self.body is not None:
            parts.append(self.body.decode("utf-8", "backslashreplace"))
        return " ".join(parts)


def json_case(method: str, path: str, value: Any, **kwargs: Any) -> Case:
    body = json.dumps(value, ensure_ascii=False).encode()
    return Case(method, path, body=body, content_type="application/json", **kwargs)


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]


COMPARED_HEADERS = ("Allow", "Vary", "WWW-Authenticate", "Content-Type")


def _answer(status: int, raw: bytes, headers: Any) -> Answer:
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = raw.decode("utf-8", "replace")[:200]
    kept = {name: headers[name] for name in COMPARED_HEADERS if headers.get(name)}
    if "Content-Type" in kept:
        kept["Content-Type"] = kept["Content-Type"].split(";")[0]
    return Answer(status, body, kept)


def _headers(case: Case, token: str) -> dict[str, str]:
    headers = {name: value.replace("{key}", token) for name, value in case.headers.items()}
    if case.token:
        headers.setdefault("Authorization", f"Token {token}")
    return headers


def send_app(client: Any, case: Case, path: str, token: str) -> Answer:
    headers = _headers(case, token)
    response = client.open(
        path, method=case.method, data=case.body, content_type=case.content_type, headers=headers
    )
    return _answer(response.status_code, response.get_data(), response.headers)


def send_reference(client: Any, case: Case, path: str, token: str) -> Answer:
    headers = _headers(case, token)
    # No Content-Type: Django's test client can only send it empty.
    kwargs: dict[str, Any] = {"headers": headers, "content_type": case.content_type or ""}
    with warnings.catch_warnings():
        # A date compared with a datetime column: Django takes midnight, in UTC, and says so.
        warnings.filterwarnings("ignore", "DateTimeField .* received a naive", RuntimeWarning)
        response = client.generic(case.method, path, data=case.body or b"", **kwargs)
    return _answer(response.status_code, response.content, response.headers)


HOSTS = re.compile(r"^http://(localhost|testserver)/")
# What a write makes up: a new customer's pk and timestamps, an update's modified_date.
MADE_UP = {"POST": {"pk", "created_date", "modified_date"}, "PUT": {"modified_date"}}
MADE_UP["PATCH"] = MADE_UP["PUT"]


def normalise(answer: Answer, case: Case, ignored_vary: set[str]) -> Answer:
    """Hosts, the values a write makes up (a new pk, the moment of writing), and the Vary
    members one app alone sends for a reason the test states."""

    made_up = MADE_UP.get(case.method, set()) if answer.status < 300 else set()

    def walk(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        if key in made_up and value is not None:
            return f"<{key}>"
        if isinstance(value, str):
            return HOSTS.sub("http://HOST/", value)
        return value

    headers = dict(answer.headers)
    if "Vary" in headers:
        vary = [v for v in re.split(r",\s*", headers.pop("Vary")) if v not in ignored_vary]
        headers.update({"Vary": ", ".join(vary)} if vary else {})
    return Answer(answer.status, walk(answer.body), headers)
