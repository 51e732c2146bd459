"""Home page: find a customer, the dashboard of the whole base or of one channel, and the
customers changed most recently."""

from flask import Blueprint, render_template, request

from backoffice.auth.access import role_required
from backoffice.customers.reads import recently_changed
from backoffice.main import presenting
from backoffice.main.dashboard import channel_figures, dashboard
from backoffice.main.forms import ChannelPickerForm

bp = Blueprint("main", __name__)


@bp.route("/")
@role_required("agent")
def index():
    channels = channel_figures()
    form = ChannelPickerForm(request.args, channels)
    board = dashboard(form.chosen(), channels)
    return render_template(
        "main/index.html",
        board=board,
        form=form,
        charts=presenting.charts(board),
        totals=presenting.totals(board),
        customers=recently_changed(10),
    )
