"""Sign-in form, and the account page's settings."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Length, ValidationError

from backoffice.i18n import DEFAULT_TIMEZONE, LANGUAGE_NAMES, is_timezone


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField(_l("Keep me signed in on this computer"))


def _known_timezone(form, field) -> None:
    if not is_timezone(field.data or ""):
        raise ValidationError(
            _l("Not a time zone name. Use one like Europe/Istanbul or America/New_York.")
        )


class SettingsForm(FlaskForm):
    layout = (("", ("language", "timezone")),)
    language = SelectField(
        _l("Language"), choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()]
    )
    timezone = StringField(
        _l("Time zone"),
        validators=[DataRequired(), Length(max=64), _known_timezone],
        description=_l("Times on the pages are shown in this zone, e.g. Europe/Istanbul."),
        default=DEFAULT_TIMEZONE,
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )
