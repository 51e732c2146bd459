"""The privacy request rules: register a request, match its subject, complete or reject it."""

import hashlib
import hmac
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from flask import current_app
from sqlalchemy import func, or_, select

from backoffice.apitext import N_, Text
from backoffice.audit.context import AuditContext
from backoffice.channels.models import Channel
from backoffice.customers.consents import apply_consents
from backoffice.customers.models import Customer
from backoffice.customers.service import CustomerService
from backoffice.database import discard_old_page_images
from backoffice.extensions import db
from backoffice.orders.models import Order
from backoffice.people.keys import email_key, phone_key
from backoffice.privacy import packages
from backoffice.privacy.events import audit, request_source
from backoffice.privacy.models import PrivacyRequest
from backoffice.types import utcnow

DUE_DAYS = 30
WITHDRAWABLE = ("email_allowed", "sms_allowed", "call_allowed")


class RequestError(ValueError):
    """A request that cannot be made or completed; ``errors`` by field (DRF's shape)."""

    def __init__(self, errors: dict[str, list[str]], status: int = 400):
        super().__init__(errors)
        self.errors = errors
        self.status = status


class Match(NamedTuple):
    customer_id: int
    channel_id: int
    channel_name: str
    matched_on: list[str]  # "email", "phone"
    orders: int
    name: str


def hash_key(key: str | None) -> str | None:
    """The keyed HMAC-SHA256 of a subject key (``PRIVACY_HASH_KEY``; without it, one derived
    from SECRET_KEY, so that changing SECRET_KEY changes every hash)."""
    if key is None:
        return None
    secret = current_app.config.get("PRIVACY_HASH_KEY")
    if not secret:
        base = current_app.config["SECRET_KEY"].encode()
        secret = hmac.new(base, b"backoffice privacy request hash", hashlib.sha256).digest()
    elif isinstance(secret, str):
        secret = secret.encode()
    return hmac.new(secret, key.encode(), hashlib.sha256).hexdigest()


def create_request(
    context: AuditContext,
    *,
    kind: str,
    email: str | None = None,
    phone_number: str | None = None,
    received_at: datetime | None = None,
    reference: str = "",
    notes: str = "",
    consents: list[str] | None = None,
) -> PrivacyRequest:
    """Register a request and audit it (the event names no identifier); commits."""
    errors = check_request(kind, email, phone_number, consents)
    if errors:
        raise RequestError(errors)
    received = received_at or utcnow()
    keys = {"email_key": email_key(email), "phone_key": phone_key(phone_number)}
    found = PrivacyRequest(
        kind=kind,
        status="open",
        email=email or None,
        phone_number=phone_number or None,
        **keys,
        email_hash=hash_key(keys["email_key"]),
        phone_hash=hash_key(keys["phone_key"]),
        details={"consents": list(consents)} if kind == "consent_withdrawal" else {},
        received_at=received,
        due_date=(received + timedelta(days=DUE_DAYS)).date(),
        reference=reference or "",
        notes=notes or "",
        reason="",
        created_by_label=context.actor_label,
    )
    db.session.add(found)
    db.session.flush()
    audit(found, context, "create", {"kind": (None, kind), "reference": (None, reference)})
    db.session.commit()
    return found


def check_request(
    kind: str, email: str | None, phone_number: str | None, consents: list[str] | None
) -> dict[str, list[str]]:
    """The request's problems by field, in DRF's shape; empty when it can be made."""
    errors: dict[str, list[str]] = {}
    if not email and not phone_number:
        errors["non_field_errors"] = [
            Text(N_("Give the subject's email or phone number (or both)."))
        ]
    elif phone_number and phone_key(phone_number) is None:
        errors["phone_number"] = [Text(N_("Enter a valid phone number."))]
    if kind == "consent_withdrawal":
        if not consents:
            errors["consents"] = [Text(N_("Name the consents to withdraw."))]
        elif set(consents) - set(WITHDRAWABLE):
            errors["consents"] = [
                Text(N_("Each consent must be one of %(names)s."), names=", ".join(WITHDRAWABLE))
            ]
    elif consents:
        errors["consents"] = [Text(N_("Consents are named only for a consent_withdrawal request."))]
    return errors


def matches(found: PrivacyRequest) -> list[Match]:
    """Every customer record (not anonymized) whose email or phone key is the subject's."""
    c = Customer.__table__.c
    keyed = []
    if found.email_key:
        keyed.append(c.email_key == found.email_key)
    if found.phone_key:
        keyed.append(c.phone_key == found.phone_key)
    if not keyed:
        return []
    orders = select(func.count(Order.id)).where(Order.customer_id == c.id).scalar_subquery()
    rows = db.session.execute(
        select(
            c.id,
            c.channel_id,
            Channel.name,
            c.email_key,
            c.phone_key,
            c.first_name,
            c.last_name,
            orders.label("orders"),
        )
        .join(Channel, Channel.id == c.channel_id)
        .where(or_(*keyed), c.anonymized_at.is_(None))
        .order_by(c.id)
    ).all()
    return [
        Match(
            row.id,
            row.channel_id,
            row.name,
            [
                n
                for n, k in (("email", found.email_key), ("phone", found.phone_key))
                if k and row[3 if n == "email" else 4] == k
            ],
            row.orders,
            " ".join(p for p in (row.first_name, row.last_name) if p),
        )
        for row in rows
    ]


class Waiting(NamedTuple):
    """The open requests a supervisor should see first: the next few by due date, how many
    are due within seven days (overdue included), and how many are open in all."""

    requests: list[PrivacyRequest]
    due_this_week: int
    open: int


def waiting(limit: int = 5) -> Waiting:
    """The open requests by due date (the first ``limit``) and the counts: one statement."""
    is_open = PrivacyRequest.status == "open"
    last = utcnow().date() + timedelta(days=7)
    count = select(func.count(PrivacyRequest.id)).where(is_open)
    rows = db.session.execute(
        select(
            PrivacyRequest,
            # not correlated: counts over the whole table, not the row beside them
            count.where(PrivacyRequest.due_date <= last).correlate(None).scalar_subquery(),
            count.correlate(None).scalar_subquery(),
        )
        .where(is_open)
        .order_by(PrivacyRequest.due_date, PrivacyRequest.id)
        .limit(limit)
    ).all()
    if not rows:
        return Waiting([], 0, 0)
    return Waiting([row[0] for row in rows], rows[0][1], rows[0][2])


def locked(pk: int) -> PrivacyRequest | None:
    """The request, its row held until the transaction ends (two completions queue)."""
    return db.session.get(PrivacyRequest, pk, with_for_update=True, populate_existing=True)


def complete(pk: int, user: Any, context: AuditContext, customers: list[int] | None = None):
    """Apply the request to ``customers`` (None: every match), all or none; commits. An
    access request is done at once: its package is built by a job queued here.

    RequestError (409) once it is no longer open, (400) for a pk not among the matches."""
    found = _open(pk)
    context = replace(context, source=request_source(found.id))
    matched = {m.customer_id for m in matches(found)}
    chosen = sorted(matched) if customers is None else sorted(set(customers))
    if stray := [pk for pk in chosen if pk not in matched]:
        db.session.rollback()
        names = ", ".join(str(p) for p in stray)
        message = Text(N_("Not among this request's matches: %(names)s."), names=names)
        raise RequestError({"customers": [message]})
    try:
        if found.kind == "access":
            packages.queue_build(found, chosen, user, context)
        else:
            APPLY[found.kind](found, chosen, context)
        found.status = "done"
        found.details = {**found.details, "customers": chosen}
        found.completed_by_id = getattr(user, "id", None)
        found.completed_by_label = context.actor_label
        found.completed_at = utcnow()
        if found.kind == "erasure":
            _forget_person(found, chosen, context)
        audit(found, context, "complete", {"customers": (None, chosen)})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    if found.kind == "erasure":
        discard_old_page_images(db.session.get_bind())
    if found.kind == "access":
        packages.start(found)
    return found


def reject(pk: int, user: Any, context: AuditContext, reason: str) -> PrivacyRequest:
    """Close the request unapplied, with ``reason``; commits."""
    if not (reason or "").strip():
        raise RequestError({"reason": [Text(N_("This field may not be blank."))]})
    found = _open(pk)
    found.status = "rejected"
    found.reason = reason.strip()
    found.completed_by_id = getattr(user, "id", None)
    found.completed_by_label = context.actor_label
    found.completed_at = utcnow()
    audit(found, context, "reject", {"reason": (None, found.reason)})
    db.session.commit()
    return found


def _open(pk: int) -> PrivacyRequest:
    found = locked(pk)
    if found is None:
        raise RequestError({"detail": ["Not found."]}, status=404)
    if found.status != "open":
        db.session.rollback()
        message = Text(N_("This request is already %(status)s."), status=found.status)
        raise RequestError({"detail": [message]}, 409)
    return found


def _erase(found: PrivacyRequest, ids: list[int], context: AuditContext) -> None:
    service = CustomerService(autocommit=False)
    for customer in db.session.scalars(select(Customer).where(Customer.id.in_(ids))):
        service.anonymize_customer(customer, context)


def _withdraw(found: PrivacyRequest, ids: list[int], context: AuditContext) -> None:
    if ids:
        target = dict.fromkeys(found.consents, False)
        apply_consents([Customer.__table__.c.id.in_(ids)], target, context)


APPLY = {"erasure": _erase, "consent_withdrawal": _withdraw}


def _forget_person(found: PrivacyRequest, ids: list[int], context: AuditContext) -> None:
    """What the register held of the erased person goes too: this request's and the person's
    closed requests' email and phone (their hashes stay), and the access packages holding an
    erased record. Open requests keep theirs: staff still have to answer them."""
    hashes = [
        column == value
        for column, value in (
            (PrivacyRequest.email_hash, found.email_hash),
            (PrivacyRequest.phone_hash, found.phone_hash),
        )
        if value is not None
    ]
    closed = db.session.scalars(
        select(PrivacyRequest).where(or_(*hashes), PrivacyRequest.status != "open")
    ).all()
    for other in {found, *closed}:
        _forget_subject(other)
    packages.delete_holding(ids, context)


def _forget_subject(found: PrivacyRequest) -> None:
    """Keep only the hashes: the register still answers "did we erase this person?"."""
    found.email = found.phone_number = found.email_key = found.phone_key = None


def erased_before(email: str | None, phone_number: str | None) -> list[PrivacyRequest]:
    """The done erasure requests whose subject had this email or phone (by their hashes)."""
    hashes = []
    if (h := hash_key(email_key(email))) is not None:
        hashes.append(PrivacyRequest.email_hash == h)
    if (h := hash_key(phone_key(phone_number))) is not None:
        hashes.append(PrivacyRequest.phone_hash == h)
    if not hashes:
        return []
    return list(
        db.session.scalars(
            select(PrivacyRequest)
            .where(or_(*hashes), PrivacyRequest.kind == "erasure", PrivacyRequest.status == "done")
            .order_by(PrivacyRequest.id)
        )
    )
