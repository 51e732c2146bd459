"""Saved views: staff name the list's URL, personal or shared; only the owner (or an admin)
changes one; every write is audited; a view whose filters went bad opens with the errors."""

import re
from html import unescape

import pytest
from sqlalchemy import select

from backoffice.audit.models import AuditEvent
from backoffice.customers.reads import all_channels
from backoffice.extensions import db
from backoffice.savedviews.models import SavedView
from backoffice.savedviews.service import channels_and_views, views_for
from tests.builders import make_channel, make_customer
from tests.conftest import sign_in


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def events(view_id: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == "saved_view", AuditEvent.object_id == view_id)
            .order_by(AuditEvent.id)
        )
    )


def save(client, name: str, query: str, shared: bool = False):
    data = {"name": name, "query": query, **({"shared": "y"} if shared else {})}
    return client.post("/customers/views/", data=data)


def the_view(name: str) -> SavedView:
    return db.session.scalars(select(SavedView).where(SavedView.name == name)).one()


@pytest.fixture
def other_agent(app, users):
    from backoffice.auth.models import User

    user = User(email="other@example.com", role="agent")
    user.set_password("other-password-123")
    db.session.add(user)
    db.session.commit()
    return sign_in(app.test_client(), user, "other-password-123")


def test_saving_the_list_keeps_its_filters_ordering_and_size_but_not_its_page(
    agent_client, users, channel
):
    make_customer(channel, email="ann@example.com")
    query = f"email__startswith=an&channel={channel.id}&ordering=email&limit=50&page=3"
    response = save(agent_client, "Ann's", query)
    view = the_view("Ann's")
    assert view.query == f"email__startswith=an&channel={channel.id}&ordering=email&limit=50"
    assert response.headers["Location"] == f"/customers/?{view.query}"
    assert (view.owner_id, view.shared) == (users["agent"].id, False)
    [created] = events(view.id)
    assert created.action == "create" and created.actor_id == users["agent"].id
    assert created.changes["name"] == [None, "Ann's"]

    html = text(agent_client.get(f"/customers/?{view.query}"))
    assert re.search(r'<a href="/customers/views/\d+/" aria-current="true">Ann\'s</a>', html)
    opened = agent_client.get(f"/customers/views/{view.id}/")
    assert opened.headers["Location"] == f"/customers/?{view.query}"


def test_a_personal_view_is_the_owners_and_a_shared_one_shows_who_made_it(
    agent_client, other_agent, users
):
    save(agent_client, "Mine", "is_active=true")
    save(agent_client, "Team", "is_active=false", shared=True)
    mine, team = the_view("Mine"), the_view("Team")
    html = text(other_agent.get("/customers/"))
    assert "Mine" not in html
    assert "Team</a>" in html and "shared by agent@test.example" in html
    assert other_agent.get(f"/customers/views/{mine.id}/").status_code == 404
    assert other_agent.get(f"/customers/views/{team.id}/").status_code == 302
    assert [v.name for v in views_for(users["supervisor"])] == ["Team"]  # for the dashboard


def test_the_list_reads_the_channels_and_the_views_in_one_statement_as_apart(
    agent_client, other_agent, users, channel
):
    """channels_and_views (the list page's one read) answers as all_channels and views_for."""
    for name in ("Amazon TR", "Web Shop"):
        make_channel(name=name)
    for name, shared in (("b team", True), ("Mine", False), ("a team", True), ("Z", False)):
        save(agent_client, name, f"search={name}", shared=shared)
    save(other_agent, "Theirs", "is_active=true")
    for user in (users["agent"], users["supervisor"]):
        channels, views = channels_and_views(user)
        assert [(c.id, c.name) for c in channels] == [(c.id, c.name) for c in all_channels()]
        expected = views_for(user)
        assert [(v.id, v.name, v.query, v.shared, v.owner_id, v.owner_email) for v in views] == [
            (v.id, v.name, v.query, v.shared, v.owner_id, v.owner.email) for v in expected
        ]
        assert len(views) == (4 if user is users["agent"] else 2)


def test_only_the_owner_or_an_admin_changes_a_shared_view(agent_client, other_agent, admin_client):
    save(agent_client, "Team", "is_active=true", shared=True)
    view = the_view("Team")
    html = text(other_agent.get("/customers/"))
    assert f"/customers/views/{view.id}/delete" not in html
    for action, data in (("edit", {"name": "Mine now"}), ("update", {"query": "x=1"}),
                         ("delete", {})):  # fmt: skip
        response = other_agent.post(f"/customers/views/{view.id}/{action}", data=data)
        assert response.status_code == 403, action
    assert other_agent.get(f"/customers/views/{view.id}/edit").status_code == 403
    db.session.refresh(view)
    assert (view.name, view.query) == ("Team", "is_active=true")
    assert [e.action for e in events(view.id)] == ["create"]
    renamed = admin_client.post(
        f"/customers/views/{view.id}/edit", data={"name": "Team (admin)", "shared": "y"}
    )
    assert renamed.status_code == 302
    db.session.refresh(view)
    assert view.name == "Team (admin)"


def test_rename_share_update_and_delete_are_each_audited(agent_client, users):
    save(agent_client, "Old name", "is_active=true")
    view = the_view("Old name")
    path = f"/customers/views/{view.id}"
    renamed = agent_client.post(f"{path}/edit", data={"name": "New name", "shared": "y"})
    assert renamed.status_code == 302
    response = agent_client.post(f"{path}/update", data={"query": "gender=female&page=2"})
    assert response.headers["Location"] == "/customers/?gender=female"
    db.session.refresh(view)
    assert (view.name, view.shared, view.query) == ("New name", True, "gender=female")
    view_id = view.id
    assert agent_client.post(f"{path}/delete").headers["Location"] == "/customers/"
    db.session.expunge_all()
    assert db.session.get(SavedView, view_id) is None
    history = events(view_id)
    assert [e.action for e in history] == ["create", "update", "update", "delete"]
    assert history[1].changes == {"name": ["Old name", "New name"], "shared": [False, True]}
    assert history[2].changes == {"query": ["is_active=true", "gender=female"]}


def test_a_blank_or_taken_name_is_an_error_beside_the_field(agent_client):
    save(agent_client, "Taken", "is_active=true")
    html = text(save(agent_client, "Taken", "is_active=false"))
    assert re.search(r'id="name-errors">\s*<li>You already have a view with this name.', html)
    html = text(save(agent_client, "   ", "is_active=false"))
    assert re.search(r'id="name-errors">\s*<li>Give the view a name.', html)
    save(agent_client, "Other", "is_active=false")
    other = the_view("Other")
    html = text(agent_client.post(f"/customers/views/{other.id}/edit", data={"name": "Taken"}))
    assert "You already have a view with this name." in html
    assert db.session.scalar(select(SavedView.name).where(SavedView.id == other.id)) == "Other"


def test_a_view_whose_channel_is_gone_opens_with_the_error_beside_the_field(agent_client, app):
    gone = make_channel(name="Closed Shop")
    save(agent_client, "Closed", f"channel={gone.id}&is_active=true")
    view = the_view("Closed")
    db.session.delete(gone)
    db.session.commit()
    response = agent_client.get(f"/customers/views/{view.id}/", follow_redirects=True)
    assert response.status_code == 200
    html = text(response)
    assert re.search(
        rf'id="channel-errors">\s*<li>Select a valid choice. {gone.id} is not one of the', html
    )
    assert "Some filters could not be used" in html


def test_saved_view_forms_need_their_csrf_token(app, agent_client):
    save(agent_client, "Guarded", "is_active=true")
    view = the_view("Guarded")
    app.config["WTF_CSRF_ENABLED"] = True
    base = f"/customers/views/{view.id}"
    for path in ("/customers/views/", f"{base}/edit", f"{base}/update", f"{base}/delete"):
        assert agent_client.post(path, data={"name": "Forged"}).status_code == 400, path
    assert db.session.get(SavedView, view.id).name == "Guarded"
    html = text(agent_client.get("/customers/"))
    assert html.count('name="csrf_token"') >= 4  # save, update, delete, sign out
