"""The forms of consent operations: a bulk change from the list, an opt-out list upload."""

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, SelectMultipleField
from wtforms.validators import InputRequired, Length, ValidationError

from backoffice.consents.bulk import selection_query
from backoffice.customers.declaration import CONSENT_FIELDS, label
from backoffice.customers.forms import CheckboxesField

CONSENT_CHOICES = [SelectChoice(name, label(name)) for name in CONSENT_FIELDS]
# Rows a person can tick: a few pages' worth; more is "all matching".
MAX_SELECTED = 1000


class BulkConsentForm(FlaskForm):
    consent = SelectField("Consent", choices=CONSENT_CHOICES, validators=[InputRequired()])
    value = RadioField(
        "Change",
        choices=[SelectChoice("false", "Withdraw"), SelectChoice("true", "Allow")],
        validators=[InputRequired(message="Choose withdraw or allow.")],
    )
    scope = RadioField(
        "Customers",
        choices=[
            SelectChoice("selected", "The selected rows"),
            SelectChoice("all", "All customers matching the filters"),
        ],
        default="selected",
        validators=[InputRequired()],
    )
    ids = SelectMultipleField("Selected customers", coerce=int, validate_choice=False)
    query = HiddenField(validators=[Length(max=4000)])

    def validate_ids(self, field: SelectMultipleField) -> None:
        if self.scope.data == "selected" and not field.data:
            raise ValidationError("Select at least one customer, or choose all matching.")
        if len(field.data or ()) > MAX_SELECTED:
            raise ValidationError(f"Select at most {MAX_SELECTED:,} rows, or choose all matching.")

    def target(self) -> dict[str, bool]:
        return {self.consent.data: self.value.data == "true"}

    def selection(self) -> str:
        """The customers chosen, as a list query."""
        if self.scope.data == "all":
            return self.query.data or ""
        return selection_query(self.ids.data)


class OptOutForm(FlaskForm):
    file = FileField(
        "File of emails or phone numbers",
        validators=[FileRequired(message="Choose a file to upload.")],
        description="CSV with an email and/or phone column, or one email or phone per line.",
    )
    consents = CheckboxesField(
        "Consents to withdraw",
        choices=CONSENT_CHOICES,
        validators=[InputRequired(message="Choose at least one consent to withdraw.")],
    )
    channels = CheckboxesField("Only these channels (none ticked: every channel)", coerce=int)

    layout = (("", ("file", "consents", "channels")),)

    def __init__(self, channels: Iterable[Any], *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.channels.choices = [SelectChoice(channel.id, channel.name) for channel in channels]
