"""Home page: the most recently changed customers."""

from flask import Blueprint, render_template
from sqlalchemy import select

from backoffice.auth.access import role_required
from backoffice.customers.models import Customer
from backoffice.extensions import db

bp = Blueprint("main", __name__)


@bp.route("/")
@role_required("agent")
def index():
    recent = db.session.scalars(
        select(Customer).order_by(Customer.modified_date.desc(), Customer.id.desc()).limit(10)
    ).all()
    return render_template("main/index.html", customers=recent)
