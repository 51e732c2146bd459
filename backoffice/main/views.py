"""Home page: find a customer, or pick one of the most recently changed."""

from flask import Blueprint, render_template

from backoffice.auth.access import role_required
from backoffice.customers.reads import recently_changed

bp = Blueprint("main", __name__)


@bp.route("/")
@role_required("agent")
def index():
    return render_template("main/index.html", customers=recently_changed(10))
