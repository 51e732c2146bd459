"""The saved-view forms: save the current list, rename or share, update, delete."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import DataRequired, Length


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class RenameViewForm(FlaskForm):
    name = StringField(
        _l("View name"),
        validators=[DataRequired(message=_l("Give the view a name.")), Length(max=100)],
        filters=[_strip],
    )
    shared = BooleanField(_l("Shared with everyone"))
    layout = (("", ("name", "shared")),)


class SaveViewForm(RenameViewForm):
    """Save the list as it is now: ``query`` is its query string."""

    query = HiddenField()


class UpdateViewForm(FlaskForm):
    """Replace a view's filters by the list's current ones."""

    query = HiddenField()


class DeleteViewForm(FlaskForm):
    """A CSRF-checked button."""
