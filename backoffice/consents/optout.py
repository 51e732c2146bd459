"""Opt-out lists: a file of emails and phones read into search keys, matched against every
customer (optionally of some channels), previewed, then applied as a job in line batches."""

import csv
import io
import re
import zlib
from collections.abc import Iterator
from typing import Any, NamedTuple

from flask import current_app
from sqlalchemy import false, or_, select, union_all

from backoffice.apitext import N_, Text
from backoffice.consents.bulk import job_context
from backoffice.customers.consents import Counts, any_of, apply_batch, check_target
from backoffice.customers.models import Customer
from backoffice.emails import MAX_LENGTH as MAX_EMAIL
from backoffice.emails import is_valid_email
from backoffice.extensions import db
from backoffice.jobs.models import Job
from backoffice.jobs.runner import JobError, Progress, kind
from backoffice.people.keys import email_key, phone_key

KIND = "consents.optout"
MAX_LINE_CHARS = 1000
# Header names of the columns a CSV's values are read from.
EMAIL_HEADERS = frozenset({"email", "e-mail", "email_address", "mail", "eposta", "e-posta"})
PHONE_HEADERS = frozenset({"phone", "phone_number", "telephone", "mobile", "gsm", "msisdn", "tel"})


class Line(NamedTuple):
    """One line of the file: its number (from 1) and its keys; no key: unreadable."""

    number: int
    email: str | None
    phone: str | None


class OptOutFileError(ValueError):
    """The file cannot be read as an opt-out list at all (the form says why, translated; a
    failed job keeps the English)."""


def read_lines(data: bytes) -> Iterator[Line]:
    """The file's lines with their keys; blank lines and a CSV's header are left out."""
    text = _decode(data)
    raw = text.splitlines()
    most = current_app.config["OPTOUT_MAX_LINES"]
    if len(raw) > most:
        raise OptOutFileError(
            Text(
                N_("The file has %(lines)s lines; at most %(most)s are read."),
                lines=f"{len(raw):,}",
                most=f"{most:,}",
            )
        )
    columns = _csv_columns(raw[0]) if raw else None
    if columns is None:
        for number, value in enumerate(raw, 1):
            if value.strip():
                yield _line(number, [value.strip()[:MAX_LINE_CHARS]])
        return
    reader = csv.reader(io.StringIO("\n".join(raw[1:])), _dialect(raw[0]))
    for number, row in enumerate(reader, 2):
        values = [row[i].strip()[:MAX_LINE_CHARS] for i in columns if i < len(row)]
        if any(values):
            yield _line(number, [v for v in values if v])


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1254"):  # UTF-8, else Windows Turkish
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise OptOutFileError(Text(N_("The file is not text (UTF-8 or Windows-1254).")))


def _dialect(header: str) -> Any:
    return csv.excel_tab if "\t" in header else (_Semicolon if ";" in header else csv.excel)


class _Semicolon(csv.excel):
    delimiter = ";"


def _csv_columns(header: str) -> list[int] | None:
    """The positions of the email and phone columns when the first line is a CSV header."""
    names = [
        name.strip().strip('"').casefold() for name in next(csv.reader([header], _dialect(header)))
    ]
    found = [i for i, name in enumerate(names) if name in EMAIL_HEADERS | PHONE_HEADERS]
    return found or None


def _line(number: int, values: list[str]) -> Line:
    email = phone = None
    for value in values:
        if "@" in value:
            email = email_key(value) if readable_email(value) else None
        else:
            phone = line_phone_key(value)
    return Line(number, email, phone)


# Shortcuts for the common shapes, each giving what the full rule gives (tests hold them to
# it): an address plain enough to pass Django's validator, a Turkish number written in full.
_PLAIN_EMAIL = re.compile(
    r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,63}"
)
_PHONE_PUNCTUATION = str.maketrans("", "", " -().")
_TR_E164 = re.compile(r"\+90[1-9][0-9]{9}")
_TR_NATIONAL = re.compile(r"0[1-9][0-9]{9}")


def readable_email(value: str) -> bool:
    """``emails.is_valid_email``, without its full work for a plain address."""
    if len(value) <= MAX_EMAIL and _PLAIN_EMAIL.fullmatch(value):
        return True
    return is_valid_email(value)


def line_phone_key(value: str) -> str | None:
    """``keys.phone_key``, without phonenumbers' parse for +90 / 0 and ten digits."""
    bare = value.translate(_PHONE_PUNCTUATION)
    if _TR_E164.fullmatch(bare):
        return bare
    if _TR_NATIONAL.fullmatch(bare):
        return "+90" + bare[1:]
    return phone_key(value)


def _channel_clause(channels: list[int]) -> list[Any]:
    return [Customer.channel_id.in_(channels)] if channels else []


def matching(lines: list[Line], channels: list[int]) -> list[Any]:
    """SQL: the customers any of ``lines`` names, in ``channels`` (none: all)."""
    emails = sorted({line.email for line in lines if line.email})
    phones = sorted({line.phone for line in lines if line.phone})
    if not (emails or phones):
        return [false()]
    if db.session.get_bind().dialect.name == "postgresql":
        # One array each (any_of), and the two index scans ORed into one bitmap heap scan
        # that reads the rows in page order (no second lookup by id).
        found = or_(any_of(Customer.email_key, emails), any_of(Customer.phone_key, phones))
        return [found, *_channel_clause(channels)]
    parts = [select(Customer.id).where(Customer.email_key.in_(emails))] if emails else []
    parts += [select(Customer.id).where(Customer.phone_key.in_(phones))] if phones else []
    # A union of two index lookups: SQLite plans "email_key IN … OR phone_key IN …" as a scan.
    return [Customer.id.in_(union_all(*parts)), *_channel_clause(channels)]


def matched_lines(lines: list[Line], keys: list[tuple[str | None, str | None]]) -> int:
    """How many of ``lines`` name one of the customers whose (email, phone) keys are ``keys``."""
    emails = {email for email, _phone in keys} - {None}
    phones = {phone for _email, phone in keys} - {None}
    return sum(1 for line in lines if line.email in emails or line.phone in phones)


KEYS = (Customer.email_key, Customer.phone_key)


def batches(lines: list[Line], size: int) -> Iterator[list[Line]]:
    for start in range(0, len(lines), size):
        yield lines[start : start + size]


def count_lines(data: bytes) -> int:
    """The file's lines (blank ones included): its size as the preview job counts it.
    Raises OptOutFileError for a file that is not text or has too many lines."""
    lines = len(_decode(data).splitlines())
    most = current_app.config["OPTOUT_MAX_LINES"]
    if lines > most:
        raise OptOutFileError(f"The file has {lines:,} lines; at most {most:,} are read.")
    return lines


@kind(KIND)
def run_optout(job: Job, progress: Progress) -> dict[str, Any]:
    """Apply the list in line batches; a re-run starts after the last committed line."""
    target = check_target(job.params["target"])
    channels = list(job.params.get("channels") or [])
    try:
        lines = list(read_lines(zlib.decompress(job.input)))
    except (OptOutFileError, zlib.error) as exc:
        raise JobError(f"The uploaded file cannot be read: {exc}") from exc
    context = job_context(job, "optout")
    start = job.cursor or 0
    pending = [line for line in lines if line.number > start]
    for batch in batches(pending, current_app.config["JOBS_BATCH_SIZE"]):
        readable = [line for line in batch if line.email or line.phone]
        counts, matched = Counts(), 0
        if readable:
            applied = apply_batch(matching(readable, channels), target, context, extra=KEYS)
            counts, matched = applied.counts, matched_lines(readable, applied.extra)
        progress.commit(
            len(batch),
            batch[-1].number,
            {
                **counts.as_dict(),
                "matched_lines": matched,
                "unmatched_lines": len(readable) - matched,
                "unreadable_lines": len(batch) - len(readable),
            },
        )
    return {}
