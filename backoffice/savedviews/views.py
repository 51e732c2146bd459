"""Saved-view pages: save the current list, open, rename or share, update, delete."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from backoffice.audit.context import audit_context_from_request
from backoffice.auth.access import role_required
from backoffice.savedviews.forms import DeleteViewForm, RenameViewForm, SaveViewForm, UpdateViewForm
from backoffice.savedviews.models import SavedView
from backoffice.savedviews.service import (
    NotYourView,
    SavedViewError,
    SavedViewService,
    view_for,
)

bp = Blueprint("saved_views", __name__, url_prefix="/customers/views")


@bp.post("/", endpoint="create")
@role_required("agent")
def create():
    form = SaveViewForm()
    if form.validate_on_submit():
        try:
            view = SavedViewService().create(
                current_user, form.name.data, form.query.data or "", form.shared.data,
                audit_context_from_request("web"),
            )  # fmt: skip
        except SavedViewError as exc:
            form[exc.field].errors.append(str(exc))
        else:
            flash(_("View “%(name)s” saved.", name=view.name), "success")
            return redirect(_list_url(view))
    return render_template("savedviews/form.html", form=form, view=None)


@bp.get("/<int:pk>/", endpoint="open")
@role_required("agent")
def open_view(pk: int):
    return redirect(_list_url(_visible(pk)))


@bp.route("/<int:pk>/edit", methods=["GET", "POST"], endpoint="edit")
@role_required("agent")
def edit(pk: int):
    view = _changeable(pk)
    form = RenameViewForm(obj=view)
    if form.validate_on_submit():
        try:
            SavedViewService().rename(
                current_user, view, form.name.data, form.shared.data,
                audit_context_from_request("web"),
            )  # fmt: skip
        except SavedViewError as exc:
            form[exc.field].errors.append(str(exc))
        else:
            flash(_("View saved."), "success")
            return redirect(_list_url(view))
    return render_template("savedviews/form.html", form=form, view=view)


@bp.post("/<int:pk>/update", endpoint="update")
@role_required("agent")
def update(pk: int):
    view = _changeable(pk)
    form = UpdateViewForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        SavedViewService().update_query(
            current_user, view, form.query.data or "", audit_context_from_request("web")
        )
    except SavedViewError as exc:
        flash(str(exc), "error")
        return redirect(url_for("customers.list"))
    flash(_("View “%(name)s” now shows the current filters.", name=view.name), "success")
    return redirect(_list_url(view))


@bp.post("/<int:pk>/delete", endpoint="delete")
@role_required("agent")
def delete(pk: int):
    view = _changeable(pk)
    if not DeleteViewForm().validate_on_submit():
        abort(400)
    name = view.name
    SavedViewService().delete(current_user, view, audit_context_from_request("web"))
    flash(_("View “%(name)s” deleted.", name=name), "success")
    return redirect(url_for("customers.list"))


def _visible(pk: int) -> SavedView:
    view = view_for(current_user, pk)
    if view is None:
        abort(404)
    return view


def _changeable(pk: int) -> SavedView:
    """A view this user may change; 404 if they may not even see it, 403 if only see it."""
    view = _visible(pk)
    try:
        SavedViewService().check_owner(current_user, view)
    except NotYourView:
        abort(403)
    return view


def _list_url(view: SavedView) -> str:
    base = url_for("customers.list")
    return f"{base}?{view.query}" if view.query else base
