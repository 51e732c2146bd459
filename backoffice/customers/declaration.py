"""The customer declared once: per field its API spec, label, write and erasure rules, default."""

import copy
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from backoffice.customers.models import GENDERS, USER_TYPES
from backoffice.fields import Field

KEEP: Any = object()  # erase_to of a field anonymization leaves as it is
# Columns of the customers table that are no field of the API.
INTERNAL_COLUMNS = frozenset(
    {"anonymized_at", "version", "email_key", "phone_key", "phone_tail", "search_words"}
)


@dataclass(frozen=True)
class Erasure:
    """What an anonymization knows when it computes the values it writes."""

    customer_id: int
    actor_id: int | None
    now: datetime


@dataclass(frozen=True)
class CustomerField:
    spec: Field  # the API's spec: parsing, rendering, OpenAPI
    label: Any  # the one name staff read: pages, chips, history, forms (a lazy translation)
    column: str  # the table column
    writable: bool  # a caller may set it (create, update, import)
    personal: bool  # identifies a person: erased by anonymization, in the row and its history
    erase_to: Any  # what anonymization writes: KEEP, a value, or a function of an Erasure
    default: Any  # a new row's value when the caller sets none
    plain: bool  # its filter values identify no one: an export's audit event keeps them
    consent: bool = False  # a consent: a write of consents only is a "consent" event

    def __post_init__(self) -> None:
        if self.personal and self.erase_to is KEEP:
            raise ValueError(f"{self.spec.name} is personal: declare what anonymization writes")

    @property
    def name(self) -> str:
        return self.spec.name

    def erased(self, erasure: Erasure) -> Any:
        return self.erase_to(erasure) if callable(self.erase_to) else copy.copy(self.erase_to)


def _field(
    name: str,
    kind: str,
    label: str,
    *,
    column: str | None = None,
    writable: bool | None = None,
    personal: bool = False,
    erase_to: Any = KEEP,
    default: Any = None,
    plain: bool = False,
    consent: bool = False,
    **spec: Any,
) -> CustomerField:
    api = Field(name, kind, **spec)
    return CustomerField(
        api,
        label,
        column or name,
        not api.read_only if writable is None else writable,
        personal,
        erase_to,
        default,
        plain,
        consent,
    )


def _personal_dict(name: str, label: str, description: str = "") -> CustomerField:
    return _field(name, "dict", label, description=description, personal=True, **_EMPTY_DICT)


def _consent(name: str, label: str) -> CustomerField:
    return _field(name, "boolean", label, erase_to=False, default=False, plain=True, consent=True)


def anonymized_email(customer_id: int) -> str:
    return f"anonymized-{customer_id}@anonymized.example"


def _anonymization_mark(erasure: Erasure) -> dict[str, Any]:
    return {
        "anonimizing_user_id": erasure.actor_id,
        "anonimization_time": erasure.now.isoformat().replace("+00:00", "Z"),
    }


_EMPTY_DICT: dict[str, Any] = {"erase_to": {}, "default": {}}
_BLANK: dict[str, Any] = {"personal": True, "erase_to": "", "default": ""}

# In the order of Omnitron's CustomerSerializer, which the API's responses and the CSV keep.
DECLARATION: tuple[CustomerField, ...] = (
    _field("pk", "integer", _l("Id"), column="id", read_only=True, plain=True),
    _field(
        "channel", "pk", _l("Channel"), column="channel_id", writable=False, plain=True,
        required=True, description="The channel's pk.",
    ),
    _field(
        "email", "email", _l("Email"), personal=True,
        erase_to=lambda erasure: anonymized_email(erasure.customer_id),
        required=True, allow_blank=False, max_length=254,
    ),
    _field("first_name", "char", _l("First name"), max_length=255, **_BLANK),
    _field("last_name", "char", _l("Last name"), max_length=255, **_BLANK),
    _field(
        "phone_number", "char", _l("Phone"), personal=True, erase_to=None,
        max_length=128, allow_null=True,
    ),
    _field(
        "is_active", "boolean", _l("Active"), erase_to=False, default=True, plain=True,
        description="False for an anonymized customer.",
    ),
    _field(
        "channel_code", "char", _l("Channel code"), required=True, allow_blank=False, max_length=64
    ),
    _field("erp_code", "char", _l("ERP code"), max_length=64, allow_null=True),
    _personal_dict("extra_field", _l("Extra field")),
    _field("modified_date", "datetime", _l("Modified"), read_only=True, plain=True),
    _field("created_date", "datetime", _l("Created"), read_only=True, plain=True),
    _field("date_joined", "datetime", _l("Joined"), allow_null=True, plain=True),
    _consent("email_allowed", _l("Email allowed")),
    _consent("sms_allowed", _l("SMS allowed")),
    _consent("call_allowed", _l("Calls allowed")),
    _field(
        "gender", "choice", _l("Gender"), personal=True, erase_to=None,
        choices=GENDERS, allow_null=True,
    ),
    _field(
        "attributes", "dict", _l("Attributes"), personal=True, erase_to=_anonymization_mark,
        default={}, description="logged_ip, register_client_type, has_loyalty, sso_id, …",
    ),
    _field("user_type", "choice", _l("User type"), choices=USER_TYPES, allow_null=True, plain=True),
    _field(
        "date_of_birth", "date", _l("Date of birth"), personal=True, erase_to=None, allow_null=True
    ),
    _personal_dict("attributes_kwargs", _l("Attributes kwargs")),
    _personal_dict("localized_attributes", _l("Localized attributes")),
    _personal_dict("localized_attributes_kwargs", _l("Localized attributes kwargs")),
)  # fmt: skip
DECLARED: dict[str, CustomerField] = {f.name: f for f in DECLARATION}

# -- the lists the rest of the package reads, all derived from the declaration ----------------

CUSTOMER_FIELDS: dict[str, Field] = {f.name: f.spec for f in DECLARATION}
LABELS: dict[str, Any] = {f.name: f.label for f in DECLARATION}
WRITABLE_FIELDS = frozenset(f.name for f in DECLARATION if f.writable)
PERSONAL_FIELDS = frozenset(f.name for f in DECLARATION if f.personal)
ERASED_FIELDS = tuple(f for f in DECLARATION if f.erase_to is not KEEP)
PLAIN_FIELDS = frozenset(f.name for f in DECLARATION if f.plain)
CONSENT_FIELDS = tuple(f.name for f in DECLARATION if f.consent)
JSON_FIELDS = tuple(f.name for f in DECLARATION if f.spec.kind == "dict")
DEFAULTS: dict[str, Any] = {f.name: f.default for f in DECLARATION if f.writable}
COLUMNS: dict[str, str] = {f.name: f.column for f in DECLARATION}


def label(name: str) -> Any:
    """The field's label in the reader's language (a lazy string), or the name itself."""
    return LABELS.get(name, name)


def defaults() -> dict[str, Any]:
    """A new row's values of every writable field, each its own copy."""
    return copy.deepcopy(DEFAULTS)


def erased_values(erasure: Erasure) -> dict[str, Any]:
    """What an anonymization writes, field by field."""
    return {f.name: f.erased(erasure) for f in ERASED_FIELDS}
