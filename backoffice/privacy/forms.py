"""The privacy request forms: a new request, its completion, its rejection, the erasure lookup."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    EmailField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from backoffice.apitext import shown_all
from backoffice.customers.declaration import label
from backoffice.customers.forms import CheckboxesField
from backoffice.privacy.models import KINDS
from backoffice.privacy.service import WITHDRAWABLE, check_request

KIND_LABELS = {
    "access": _l("Access (a copy of their data)"),
    "erasure": _l("Erasure"),
    "consent_withdrawal": _l("Consent withdrawal"),
}


class SubjectFields(FlaskForm):
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=254)])
    phone_number = StringField(_l("Phone number"), validators=[Optional(), Length(max=128)])


class PrivacyRequestForm(SubjectFields):
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(k, KIND_LABELS[k]) for k in KINDS],
        validators=[InputRequired()],
    )
    consents = CheckboxesField(
        _l("Consents to withdraw"),
        choices=[SelectChoice(name, label(name)) for name in WITHDRAWABLE],
    )
    received_at = DateTimeLocalField(
        _l("Received (UTC)"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[Optional()],
    )
    reference = StringField(_l("Reference (ticket)"), validators=[Optional(), Length(max=128)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])
    layout = (
        (_l("Request"), ("kind", "consents", "received_at", "reference")),
        (_l("Subject"), ("email", "phone_number")),
        ("", ("notes",)),
    )

    def validate(self, extra_validators=None) -> bool:
        """The fields, then the service's rules, each message beside its field."""
        if not super().validate(extra_validators):
            return False
        errors = check_request(
            self.kind.data, self.email.data, self.phone_number.data, self.consents.data
        )
        for name, messages in errors.items():
            if name == "non_field_errors":
                self.form_errors.extend(shown_all(messages))
            else:
                getattr(self, name).errors = shown_all(messages)
        return not errors


class CompleteForm(FlaskForm):
    customers = CheckboxesField(_l("Records of this person"), coerce=int, validate_choice=False)


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[InputRequired(), Length(max=4000)])


class ErasedLookupForm(SubjectFields):
    def validate_phone_number(self, field: StringField) -> None:
        if not self.email.data and not field.data:
            raise ValidationError(_("Type the email or the phone number."))
