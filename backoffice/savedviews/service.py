"""Saved views: who sees which, and every write (create, rename, update, delete) audited."""

from collections import namedtuple
from urllib.parse import parse_qsl, urlencode

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, literal_column, null, or_, select, type_coerce, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backoffice.audit.context import AuditContext
from backoffice.audit.service import record_event
from backoffice.auth.models import User
from backoffice.channels.models import Channel
from backoffice.dbread import read
from backoffice.extensions import db
from backoffice.savedviews.models import SavedView

OBJECT_TYPE = "saved_view"
MAX_QUERY = 2000
# Not part of a view: the page it was saved on.
DROPPED = frozenset({"page"})
TAKEN = _l("You already have a view with this name.")


class SavedViewError(Exception):
    """A saved-view write refused; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str = "name"):
        super().__init__(message)
        self.field = field


class NotYourView(SavedViewError):
    """Only the owner of a view, or an admin, may change it."""

    def __init__(self):
        super().__init__(_("Only the person who made this view, or an admin, can change it."))


def view_query(query: str) -> str:
    """A list query string as a view keeps it: its page dropped, the rest as given."""
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=False) if k not in DROPPED]
    return urlencode(pairs)


def views_for(user: User, session: Session | None = None) -> list[SavedView]:
    """The views ``user`` may open: their own and the shared ones, by name (the list page and
    the dashboard show these)."""
    session = session or db.session
    statement = (
        select(SavedView)
        .where(or_(SavedView.owner_id == user.id, SavedView.shared.is_(True)))
        .order_by(SavedView.name, SavedView.id)
    )
    return list(session.scalars(statement))


def view_for(user: User, pk: int, session: Session | None = None) -> SavedView | None:
    """The view ``pk`` if ``user`` may open it (theirs, shared, or any for an admin)."""
    view = (session or db.session).get(SavedView, pk)
    if view is None or not (view.shared or may_change(user, view)):
        return None
    return view


def _channels_and_views():
    channels, views, owners = Channel.__table__, SavedView.__table__, User.__table__
    kept = views.c.owner_id == bindparam("user_id"), views.c.shared.is_(True)
    absent = (views.c.query, views.c.shared, views.c.owner_id, owners.c.email.label("owner_email"))
    return union_all(
        select(
            literal_column("0").label("kind"),
            channels.c.id,
            channels.c.name,
            *(type_coerce(null(), column.type).label(column.name) for column in absent),
        ),
        select(
            literal_column("1"),
            views.c.id,
            views.c.name,
            views.c.query,
            views.c.shared,
            views.c.owner_id,
            owners.c.email.label("owner_email"),
        )
        .join_from(views, owners, owners.c.id == views.c.owner_id)
        .where(or_(*kept)),
    ).order_by("kind", "name", "id")


# The list page's two small reads in one statement (built once): every channel and the views
# a user may open (as views_for), rows told apart by ``kind``.
CHANNELS_AND_VIEWS = _channels_and_views()
# Its rows, by column name, as read on the DBAPI cursor.
ChannelOrView = namedtuple("ChannelOrView", CHANNELS_AND_VIEWS.selected_columns.keys())


def channels_and_views(user: User) -> tuple[list[ChannelOrView], list[ChannelOrView]]:
    """Every channel (``id``, ``name``) by name, and the views ``user`` may open by name
    (``id``, ``name``, ``query``, ``shared``, ``owner_id``, ``owner_email``): the list page
    reads both, in one statement."""
    found: tuple[list[ChannelOrView], list[ChannelOrView]] = ([], [])
    for row in read(CHANNELS_AND_VIEWS, {"user_id": user.id}):
        found_row = ChannelOrView._make(row)
        found[found_row.kind].append(found_row)
    return found


def list_panel(user: User, query: str, views: list) -> dict:
    """What the list page shows beside the table: the ``views`` (channels_and_views's), which
    of them ``user`` may change, and the current query as a view would keep it (to save, or to
    mark the view that is open)."""
    return {
        "views": views,
        "changeable": {view.id for view in views if may_change(user, view)},
        "current": view_query(query),
    }


def may_change(user: User, view: SavedView) -> bool:
    return view.owner_id == user.id or user.has_role("admin")


class SavedViewService:
    """Every write of a saved view, each with its audit event in the same transaction."""

    def __init__(self, session: Session | None = None):
        self.session = session or db.session

    def check_owner(self, user: User, view: SavedView) -> None:
        """Raise NotYourView unless ``user`` may change ``view``."""
        if not may_change(user, view):
            raise NotYourView()

    def create(
        self, owner: User, name: str, query: str, shared: bool, context: AuditContext
    ) -> SavedView:
        view = SavedView(owner_id=owner.id, name=name, query=_checked(query), shared=shared)
        self._refuse_taken(owner.id, name)
        self.session.add(view)
        self._flush_unique()
        self._record(context, view, "create", {"name": (None, name), "query": (None, view.query),
                                                "shared": (None, shared)})  # fmt: skip
        return self._commit(view)

    def rename(
        self, user: User, view: SavedView, name: str, shared: bool, context: AuditContext
    ) -> SavedView:
        changes = self._changes(user, view, name=name, shared=shared)
        return self._write(view, changes, context)

    def update_query(
        self, user: User, view: SavedView, query: str, context: AuditContext
    ) -> SavedView:
        return self._write(view, self._changes(user, view, query=_checked(query)), context)

    def delete(self, user: User, view: SavedView, context: AuditContext) -> None:
        self.check_owner(user, view)
        self._record(context, view, "delete", {"name": (view.name, None)})
        self.session.delete(view)
        self.session.commit()

    # -- helpers -------------------------------------------------------------------------------

    def _changes(self, user: User, view: SavedView, **values) -> dict:
        self.check_owner(user, view)
        return {k: (getattr(view, k), v) for k, v in values.items() if getattr(view, k) != v}

    def _write(self, view: SavedView, changes: dict, context: AuditContext) -> SavedView:
        if not changes:
            return view
        if "name" in changes:
            self._refuse_taken(view.owner_id, changes["name"][1], view.id)
        for name, (_old, new) in changes.items():
            setattr(view, name, new)
        self._flush_unique()
        self._record(context, view, "update", changes)
        return self._commit(view)

    def _refuse_taken(self, owner_id: int, name: str, pk: int | None = None) -> None:
        taken = select(SavedView.id).where(
            SavedView.owner_id == owner_id, SavedView.name == name, SavedView.id != (pk or 0)
        )
        if self.session.scalar(taken) is not None:
            raise SavedViewError(str(TAKEN))

    def _flush_unique(self) -> None:
        """Flush; a name taken meanwhile by a concurrent write is the same clear error."""
        try:
            self.session.flush()
        except IntegrityError as exc:
            self.session.rollback()
            raise SavedViewError(str(TAKEN)) from exc

    def _record(self, context: AuditContext, view: SavedView, action: str, changes) -> None:
        record_event(self.session, context, object_type=OBJECT_TYPE, object_id=view.id,
                     action=action, changes=changes)  # fmt: skip

    def _commit(self, view: SavedView) -> SavedView:
        self.session.commit()
        return view


def _checked(query: str) -> str:
    kept = view_query(query)
    if len(kept) > MAX_QUERY:
        message = _(
            "This list's filters are too long to save (over %(most)d characters).", most=MAX_QUERY
        )
        raise SavedViewError(message, field="query")
    return kept
