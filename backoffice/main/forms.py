"""The dashboard's channel picker: a GET form, so a chosen channel is a link."""

from wtforms import Form, SelectField

ALL_CHANNELS = "All channels"


class ChannelPickerForm(Form):
    channel = SelectField("Channel", choices=[], default="")

    def __init__(self, formdata, channels) -> None:
        super().__init__(formdata)
        self.channel.choices = [("", ALL_CHANNELS)] + [(str(c.id), c.name) for c in channels]

    def chosen(self) -> int | None:
        """The channel's id, or None for every channel (also when the choice is bad: the
        error shows beside the field)."""
        if not self.validate() or not self.channel.data:
            return None
        return int(self.channel.data)
