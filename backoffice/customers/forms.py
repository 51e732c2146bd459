"""The customer forms: profile (new and edit), consents, anonymization and the list's filters."""

import json
from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    Form,
    IntegerField,
    SearchField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from backoffice import jsondoc
from backoffice.apitext import shown
from backoffice.audit.models import AuditEvent
from backoffice.audit.service import jsonable
from backoffice.customers.declaration import CONSENT_FIELDS, label
from backoffice.customers.models import GENDERS, USER_TYPES, Customer
from backoffice.emails import is_valid_email

YES_NO_ANY = [
    SelectChoice("", _l("Any")),
    SelectChoice("true", _l("Yes")),
    SelectChoice("false", _l("No")),
]
# The words of the stored choices (the values stay the API's).
CHOICE_LABELS = {
    "male": _l("Male"),
    "female": _l("Female"),
    "registered": _l("Registered"),
    "guest": _l("Guest"),
}


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _choices(values: tuple[str, ...], blank: str) -> list[SelectChoice]:
    return [SelectChoice("", blank), *(SelectChoice(v, CHOICE_LABELS.get(v, v)) for v in values)]


def _email(form: Any, field: EmailField) -> None:
    """The API's rule (Django's EmailValidator), so a customer saved here can be saved there."""
    if field.data and not is_valid_email(field.data):
        raise ValidationError(_("Invalid email address."))


def _channel_choices(channels: Iterable[Any]) -> list[SelectChoice]:
    return [SelectChoice(str(channel.id), channel.name) for channel in channels]


class JSONObjectField(TextAreaField):
    """A JSON object edited as text; anything but an object is a clear field error."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return json.dumps(self.data or {}, indent=2, ensure_ascii=False, sort_keys=True)

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist:
            return
        text = valuelist[0].strip()
        self.data = {}
        if not text:
            return
        try:
            value = jsondoc.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(
                _(
                    "This is not valid JSON (%(problem)s, line %(line)d, column %(column)d).",
                    problem=exc.msg,
                    line=exc.lineno,
                    column=exc.colno,
                )
            ) from exc
        if not isinstance(value, dict):
            raise ValueError(_('Enter a JSON object in braces, like {"size": "M"}.'))
        try:  # what the API's JSON fields refuse, in the same words (English there)
            jsondoc.check_value(value)
        except jsondoc.JSONValueError as exc:
            raise ValueError(shown(exc.args[0])) from exc
        self.data = value


class CheckboxesField(SelectMultipleField):
    """Several choices as a group of checkboxes (friendlier than a multiple select)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class BlankableSelectField(SelectField):
    """A choice that may also be left out: not given is as good as the blank option."""

    def pre_validate(self, form: Form) -> None:
        if self.data not in (None, ""):
            super().pre_validate(form)


class VersionField(IntegerField):
    """The version the form was read at: the optimistic lock a save is checked against."""

    widget = HiddenInput()


# -- profile -----------------------------------------------------------------------------------

TEXT = [Optional(), Length(max=255)]
# The legends of the field groups.
PERSON, ACCOUNT, DATA = _l("Person"), _l("Account"), _l("Data")
CHANNEL, CONSENTS = _l("Channel"), _l("Consents")
IDENTITY, DATES, ADVANCED = _l("Identity"), _l("Dates"), _l("Advanced")


class CustomerForm(FlaskForm):
    """The profile fields shared by "new" and "edit"."""

    email = EmailField(
        label("email"), validators=[DataRequired(), _email, Length(max=254)], filters=[_strip]
    )
    first_name = StringField(label("first_name"), validators=TEXT, filters=[_strip])
    last_name = StringField(label("last_name"), validators=TEXT, filters=[_strip])
    phone_number = StringField(
        label("phone_number"), validators=[Optional(), Length(max=128)], filters=[_strip]
    )
    channel_code = StringField(
        label("channel_code"), validators=[DataRequired(), Length(max=64)], filters=[_strip]
    )
    erp_code = StringField(
        label("erp_code"), validators=[Optional(), Length(max=64)], filters=[_strip]
    )
    gender = BlankableSelectField(label("gender"), choices=_choices(GENDERS, _l("Not given")))
    user_type = BlankableSelectField(
        label("user_type"), choices=_choices(USER_TYPES, _l("Not given"))
    )
    date_of_birth = DateField(label("date_of_birth"), validators=[Optional()])
    is_active = BooleanField(label("is_active"), default=True)
    attributes = JSONObjectField(_l("Attributes (JSON object)"))
    extra_field = JSONObjectField(_l("Extra field (JSON object)"))

    profile_fields = (
        "email",
        "first_name",
        "last_name",
        "phone_number",
        "channel_code",
        "erp_code",
        "gender",
        "user_type",
        "date_of_birth",
        "is_active",
        "attributes",
        "extra_field",
    )
    # Groups of fields, as the form template shows them.
    layout: tuple[tuple[Any, tuple[str, ...]], ...] = (
        (PERSON, ("email", "first_name", "last_name", "phone_number", "gender", "date_of_birth")),
        (ACCOUNT, ("channel_code", "erp_code", "user_type", "is_active")),
        (DATA, ("attributes", "extra_field")),
    )

    def customer_fields(self) -> dict[str, Any]:
        """The submitted profile as the service takes it: blanks become None where allowed."""
        values = {name: self[name].data for name in self.profile_fields}
        for name in ("phone_number", "erp_code", "gender", "user_type"):
            values[name] = values[name] or None
        for name in ("first_name", "last_name"):
            values[name] = values[name] or ""
        return values


class NewCustomerForm(CustomerForm):
    channel = SelectField(
        _l("Channel"), validators=[InputRequired(message=_l("Choose a channel."))]
    )
    email_allowed = BooleanField(label("email_allowed"))
    sms_allowed = BooleanField(label("sms_allowed"))
    call_allowed = BooleanField(label("call_allowed"))

    layout = (
        (CHANNEL, ("channel", "channel_code")),
        (PERSON, ("email", "first_name", "last_name", "phone_number", "gender", "date_of_birth")),
        (ACCOUNT, ("erp_code", "user_type", "is_active")),
        (CONSENTS, CONSENT_FIELDS),
        (DATA, ("attributes", "extra_field")),
    )

    def __init__(self, channels: Iterable[Any], *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.channel.choices = [
            SelectChoice("", _("Choose a channel…")),
            *_channel_choices(channels),
        ]

    def customer_fields(self) -> dict[str, Any]:
        values = super().customer_fields()
        values.update({name: self[name].data for name in CONSENT_FIELDS})
        return values


CODE_WARNING = _l(
    "The order import finds this customer by this code: after a change, the next order "
    "with the old code creates a new customer."
)
CODE_LOCKED = _l("Only a supervisor can change the channel code.")


class EditCustomerForm(CustomerForm):
    version = VersionField(validators=[InputRequired()])

    def __init__(self, *args: Any, may_change_code: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.may_change_code = may_change_code
        self.channel_code.description = CODE_WARNING if may_change_code else CODE_LOCKED
        if not may_change_code:
            self.channel_code.render_kw = {"readonly": True}


class ConsentsForm(FlaskForm):
    email_allowed = BooleanField(label("email_allowed"))
    sms_allowed = BooleanField(label("sms_allowed"))
    call_allowed = BooleanField(label("call_allowed"))
    version = VersionField(validators=[InputRequired()])

    profile_fields = CONSENT_FIELDS
    layout = ((CONSENTS, CONSENT_FIELDS),)

    def customer_fields(self) -> dict[str, Any]:
        return {name: self[name].data for name in CONSENT_FIELDS}


class AnonymizeForm(FlaskForm):
    confirm_email = StringField(
        _l("Type the customer's email to confirm"),
        validators=[DataRequired(message=_l("Type the customer's email."))],
        filters=[_strip],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    layout = (("", ("confirm_email",)),)

    def __init__(self, expected_email: str, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.expected_email = expected_email

    def validate_confirm_email(self, field: StringField) -> None:
        if (field.data or "").lower() != self.expected_email.lower():
            raise ValidationError(_("That is not this customer's email. Type it exactly as shown."))


# -- optimistic locking ------------------------------------------------------------------------


def rebase(form: CustomerForm | ConsentsForm, customer: Customer, events: list[AuditEvent]):
    """Move a stale form onto the customer's current version after a refused save.

    A field someone else changed meanwhile and this person left alone takes the current value;
    a field both changed keeps this person's value and gets a note. Saving again is then a
    deliberate choice made with the other changes in view. Returns the names of the fields
    both changed.
    """
    submitted = form.customer_fields()
    base: dict[str, Any] = {}
    for event in events:
        for field, (old, _new) in event.changes.items():
            base.setdefault(field, old)
    clashes = []
    for field, old in base.items():
        if field not in submitted:
            continue
        current = getattr(customer, field)
        if jsonable(submitted[field]) == old:
            form[field].data = current
            form[field].raw_data = None
        elif jsonable(submitted[field]) != jsonable(current):
            clashes.append(field)
    form.version.data = customer.version
    form.version.raw_data = None
    return clashes


# -- the list's filter panel -------------------------------------------------------------------


class CustomerFilterForm(Form):
    """A friendly editor of the list's query string; field names are the API's parameters.

    The few friendly-only names (``created_until``, ``attribute_key``…) are translated into
    the API's language before the list runs; see ``listing.canonical_args``.
    """

    email__startswith = SearchField(_l("Email starts with"))
    first_name = StringField(label("first_name"))
    last_name = StringField(label("last_name"))
    phone_number = StringField(label("phone_number"))
    channel = CheckboxesField(_l("Channels"), choices=[])
    channel_code = StringField(label("channel_code"))
    erp_code = StringField(label("erp_code"))
    mapping__code = StringField(_l("Mapping code"))
    is_active = SelectField(label("is_active"), choices=YES_NO_ANY)
    email_allowed = SelectField(label("email_allowed"), choices=YES_NO_ANY)
    sms_allowed = SelectField(label("sms_allowed"), choices=YES_NO_ANY)
    call_allowed = SelectField(label("call_allowed"), choices=YES_NO_ANY)
    gender = SelectField(label("gender"), choices=_choices(GENDERS, _l("Any")))
    user_type = SelectField(label("user_type"), choices=_choices(USER_TYPES, _l("Any")))
    created_date__gte = StringField(_l("Created from"), render_kw={"type": "date"})
    created_until = StringField(_l("Created until"), render_kw={"type": "date"})
    modified_date__gte = StringField(_l("Modified from"), render_kw={"type": "date"})
    modified_until = StringField(_l("Modified until"), render_kw={"type": "date"})
    date_of_birth = StringField(label("date_of_birth"), render_kw={"type": "date"})
    attribute_key = StringField(_l("Attribute key"))
    attribute_value = StringField(_l("Attribute value"))

    # The common filters first; the groups in ``collapsed`` start folded unless in use.
    layout = (
        (IDENTITY, ("email__startswith", "first_name", "last_name", "phone_number",
                    "channel", "is_active")),
        (CONSENTS, ("email_allowed", "sms_allowed", "call_allowed")),
        (DATES, ("created_date__gte", "created_until", "modified_date__gte", "modified_until")),
        (ADVANCED, ("channel_code", "erp_code", "mapping__code", "gender", "user_type",
                    "date_of_birth", "attribute_key", "attribute_value")),
    )  # fmt: skip
    collapsed = (ADVANCED,)

    def __init__(self, channels: Iterable[Any], *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.channel.choices = _channel_choices(channels)
