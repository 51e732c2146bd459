"""Creating channels."""

from backoffice.channels.models import Channel
from backoffice.extensions import db


def create_channel(name: str, channel_type: str = "marketplace", is_active: bool = True) -> Channel:
    channel = Channel(name=name, channel_type=channel_type, is_active=is_active)
    db.session.add(channel)
    db.session.commit()
    return channel
