"""The forms of consent operations: a bulk change from the list, an opt-out list upload."""

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
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
MAX_SHOWN = f"{MAX_SELECTED:,}"


class BulkConsentForm(FlaskForm):
    consent = SelectField(_l("Consent"), choices=CONSENT_CHOICES, validators=[InputRequired()])
    value = RadioField(
        _l("Change"),
        choices=[SelectChoice("false", _l("Withdraw")), SelectChoice("true", _l("Allow"))],
        validators=[InputRequired(message=_l("Choose withdraw or allow."))],
    )
    scope = RadioField(
        _l("Customers"),
        choices=[
            SelectChoice("selected", _l("The selected rows")),
            SelectChoice("all", _l("All customers matching the filters")),
        ],
        default="selected",
        validators=[InputRequired()],
    )
    ids = SelectMultipleField(_l("Selected customers"), coerce=int, validate_choice=False)
    query = HiddenField(validators=[Length(max=4000)])

    def validate_ids(self, field: SelectMultipleField) -> None:
        if self.scope.data == "selected" and not field.data:
            raise ValidationError(_("Select at least one customer, or choose all matching."))
        if len(field.data or ()) > MAX_SELECTED:
            raise ValidationError(
                _("Select at most %(num)s rows, or choose all matching.", num=MAX_SHOWN)
            )

    def target(self) -> dict[str, bool]:
        return {self.consent.data: self.value.data == "true"}

    def selection(self) -> str:
        """The customers chosen, as a list query."""
        if self.scope.data == "all":
            return self.query.data or ""
        return selection_query(self.ids.data)


class OptOutForm(FlaskForm):
    file = FileField(
        _l("File of emails or phone numbers"),
        validators=[FileRequired(message=_l("Choose a file to upload."))],
        description=_l("CSV with an email and/or phone column, or one email or phone per line."),
    )
    consents = CheckboxesField(
        _l("Consents to withdraw"),
        choices=CONSENT_CHOICES,
        validators=[InputRequired(message=_l("Choose at least one consent to withdraw."))],
    )
    channels = CheckboxesField(_l("Only these channels (none ticked: every channel)"), coerce=int)

    layout = (("", ("file", "consents", "channels")),)

    def __init__(self, channels: Iterable[Any], *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.channels.choices = [SelectChoice(channel.id, channel.name) for channel in channels]
