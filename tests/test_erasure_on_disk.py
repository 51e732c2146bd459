"""Erased means erased on disk: after anonymization no byte of the database's files (SQLite's
database file and its write-ahead log) holds the person's former values."""

import sqlite3
import time
from pathlib import Path

import pytest

from backoffice.extensions import db

on_sqlite = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

PERSON = {
    "email": "zebulonia.erasable@example.com",
    "first_name": "Zebulonia",
    "last_name": "Quixotelyan",
    "phone_number": "+905559876543",
}


def disk_bytes(database_url: str) -> bytes:
    path = Path(database_url.removeprefix("sqlite:///"))
    files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")]
    return b"".join(f.read_bytes() for f in files if f.exists())


@on_sqlite
def test_after_anonymization_no_former_value_is_left_in_the_files(
    database_url, api, supervisor_api, channel
):
    body = {"channel": channel.id, "channel_code": "erase-me", **PERSON}
    created = api.post("/api/v1/customers/", json=body)
    assert created.status_code == 201, created.get_data(as_text=True)
    url = f"/api/v1/customers/{created.get_json()['pk']}/"
    former = set(PERSON.values())
    for n in range(3):  # older versions of the row and of its history: more copies on disk
        changes = {"first_name": f"Zebulonia{n}x", "phone_number": f"+90555987{n:04d}"}
        assert api.patch(url, json=changes).status_code == 200
        former |= set(changes.values())
    db.session.commit()
    assert all(value.encode() in disk_bytes(database_url) for value in former)

    assert supervisor_api.post(f"{url}anonymize/").status_code == 200

    on_disk = disk_bytes(database_url)
    assert [value for value in former if value.encode() in on_disk] == []


@on_sqlite
def test_a_reader_holding_the_log_delays_the_truncation_until_it_ends(
    app, database_url, api, supervisor_api, channel
):
    """The erasure does not wait long for a reader; the log is truncated once it is gone."""
    app.config["DATABASE_LOCK_TIMEOUT"] = 0.2
    body = {"channel": channel.id, "channel_code": "erase-me", **PERSON}
    url = f"/api/v1/customers/{api.post('/api/v1/customers/', json=body).get_json()['pk']}/"
    db.session.commit()
    reader = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM customers").fetchone()  # a snapshot in the log

    started = time.monotonic()
    assert supervisor_api.post(f"{url}anonymize/").status_code == 200
    assert time.monotonic() - started < 3
    assert PERSON["email"].encode() in disk_bytes(database_url)  # the reader may need it

    reader.execute("ROLLBACK")
    reader.close()
    assert api.get(url).status_code == 200  # any later request of this process
    on_disk = disk_bytes(database_url)
    assert [value for value in PERSON.values() if value.encode() in on_disk] == []
