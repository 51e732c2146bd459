"""/api/v1/channels/: list and read channels; admins create them."""

from flask import jsonify
from sqlalchemy import func, select

from backoffice.api.auth import requires
from backoffice.api.blueprint import bp
from backoffice.api.body import request_data
from backoffice.api.operations import (
    ERROR,
    VALIDATION_ERROR,
    documented,
    operation,
    page_operation,
    read_operation,
)
from backoffice.api.pagination import invalid_page, page_params, page_response
from backoffice.api.responses import get_or_404, validation_error
from backoffice.api.schemas import CHANNEL, CHANNEL_FIELDS, CHANNEL_INPUT, channel_json
from backoffice.channels import service
from backoffice.channels.models import Channel
from backoffice.extensions import db
from backoffice.fields import validate
from backoffice.pagination import InvalidPage, paginate


@bp.route("/channels/", methods=["GET"], endpoint="channel_list")
@documented("channel_list", "get", page_operation("Channels", CHANNEL))
@requires("agent")
def channel_list():
    number, limit = page_params()
    statement = select(Channel).order_by(Channel.id)
    try:
        page = paginate(db.session, statement, select(func.count(Channel.id)), number, limit)
    except InvalidPage as exc:
        raise invalid_page() from exc
    return page_response(page, [channel_json(c) for c in page.items])


@bp.route("/channels/", methods=["POST"], endpoint="channel_create")
@documented(
    "channel_create",
    "post",
    operation(
        "Create a channel (admin)",
        {"201": CHANNEL, "400": VALIDATION_ERROR, "415": ERROR},
        body=CHANNEL_INPUT,
    ),
)
@requires("admin")
def channel_create():
    values, problems = validate(CHANNEL_FIELDS, request_data(), partial=False)
    if problems:
        raise validation_error(problems)
    return jsonify(channel_json(service.create_channel(**values))), 201


@bp.route("/channels/<int:pk>/", methods=["GET"], endpoint="channel_detail")
@documented("channel_detail", "get", read_operation("One channel", CHANNEL))
@requires("agent")
def channel_detail(pk: int):
    return jsonify(channel_json(get_or_404(Channel, pk)))
