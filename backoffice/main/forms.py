"""The dashboard's channel picker: a GET form, so a chosen channel is a link."""

from flask_babel import lazy_gettext as _l
from flask_wtf.i18n import translations
from wtforms import Form, SelectField

ALL_CHANNELS = _l("All channels")


class ChannelPickerForm(Form):
    channel = SelectField(_l("Channel"), choices=[], default="")

    class Meta:
        def get_translations(self, form):
            return translations  # WTForms' own messages in the page's language (Flask-WTF's)

    def __init__(self, formdata, channels) -> None:
        super().__init__(formdata)
        self.channel.choices = [("", ALL_CHANNELS)] + [(str(c.id), c.name) for c in channels]

    def chosen(self) -> int | None:
        """The channel's id, or None for every channel (also when the choice is bad: the
        error shows beside the field)."""
        if not self.validate() or not self.channel.data:
            return None
        return int(self.channel.data)
