"""Customer pages, write side: create, edit, optimistic locking, consents, anonymize, CSRF."""

import re
from html import unescape

import pytest
from sqlalchemy import select

from backoffice.audit.context import AuditContext
from backoffice.audit.models import AuditEvent
from backoffice.customers.models import Customer
from backoffice.customers.service import CustomerService
from backoffice.extensions import db
from tests.builders import customer_count, make_channel, make_customer


def text(response) -> str:
    return response.get_data(as_text=True)


def error_beside(html: str, field_id: str) -> str:
    match = re.search(rf'<ul class="errors" id="{field_id}-errors">(.*?)</ul>', html, re.S)
    return unescape(match.group(1)) if match else ""


def input_value(html: str, name: str) -> str:
    tag = re.search(rf'<input[^>]* name="{name}"[^>]*>', html).group(0)
    return unescape(re.search(r'value="([^"]*)"', tag).group(1))


def events_of(customer: Customer) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == "customer", AuditEvent.object_id == customer.id)
            .order_by(AuditEvent.id)
        )
    )


def edit_data(customer: Customer, **changes) -> dict:
    """What the edit form posts when nothing is touched, plus ``changes``."""
    data = {
        "email": customer.email,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "phone_number": customer.phone_number or "",
        "channel_code": customer.channel_code,
        "erp_code": customer.erp_code or "",
        "gender": customer.gender or "",
        "user_type": customer.user_type or "",
        "date_of_birth": "",
        "attributes": "{}",
        "extra_field": "{}",
        "version": str(customer.version),
    }
    if customer.is_active:
        data["is_active"] = "y"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def customer(channel):
    return make_customer(channel, first_name="Ada", last_name="Lovelace", email="ada@example.com")


# -- create ------------------------------------------------------------------------------------


def test_create_requires_email_channel_and_channel_code(agent_client, channel):
    response = agent_client.post("/customers/new", data={"first_name": "Kept"})
    html = text(response)
    assert response.status_code == 200 and customer_count() == 0
    assert "This field is required." in error_beside(html, "email")
    assert "Choose a channel." in error_beside(html, "channel")
    assert "This field is required." in error_beside(html, "channel_code")
    assert input_value(html, "first_name") == "Kept"
    assert 'aria-invalid="true"' in html and 'aria-describedby="email-errors"' in html


def test_create_checks_the_email_and_json_and_keeps_what_was_typed(agent_client, channel):
    data = {
        "channel": str(channel.id),
        "channel_code": "C-1",
        "email": "not-an-email",
        "attributes": "[1, 2]",
        "extra_field": "{broken",
    }
    html = text(agent_client.post("/customers/new", data=data))
    assert "Invalid email address." in error_beside(html, "email")
    assert "Enter a JSON object" in error_beside(html, "attributes")
    assert "This is not valid JSON" in error_beside(html, "extra_field")
    assert input_value(html, "email") == "not-an-email"
    assert "{broken</textarea>" in html and f'<option selected value="{channel.id}">' in html
    assert customer_count() == 0


def test_create_saves_an_audited_customer_and_opens_it(agent_client, users, channel):
    data = {
        "channel": str(channel.id),
        "channel_code": "C-1",
        "email": "new@example.com",
        "first_name": "New",
        "gender": "female",
        "date_of_birth": "1990-05-01",
        "sms_allowed": "y",
        "attributes": '{"size": "M"}',
    }
    response = agent_client.post("/customers/new", data=data)
    created = db.session.scalars(select(Customer)).one()
    assert response.headers["Location"] == f"/customers/{created.id}/"
    assert created.attributes == {"size": "M"} and created.sms_allowed is True
    assert created.phone_number is None and created.user_type is None
    (creation,) = events_of(created)
    assert creation.source == "web" and creation.actor_id == users["agent"].id


def test_create_refuses_a_duplicate_channel_code_beside_the_field(agent_client, customer):
    data = {"channel": str(customer.channel_id), "channel_code": customer.channel_code,
            "email": "other@example.com"}  # fmt: skip
    html = text(agent_client.post("/customers/new", data=data))
    assert "already has this channel code" in error_beside(html, "channel_code")
    assert customer_count() == 1


def test_create_refuses_an_unknown_channel(agent_client, channel):
    data = {"channel": "999", "channel_code": "C-9", "email": "x@example.com"}
    html = text(agent_client.post("/customers/new", data=data))
    assert "Not a valid choice." in error_beside(html, "channel")


# -- edit --------------------------------------------------------------------------------------


def test_edit_shows_the_channel_but_never_changes_it(agent_client, customer):
    html = text(agent_client.get(f"/customers/{customer.id}/edit"))
    assert 'id="channel-shown" type="text" value="Test Market" readonly' in html
    assert 'name="channel"' not in html
    other = make_channel(name="Elsewhere")
    data = edit_data(customer, channel=str(other.id), first_name="Augusta")
    response = agent_client.post(f"/customers/{customer.id}/edit", data=data)
    assert response.status_code == 302
    db.session.refresh(customer)
    assert customer.first_name == "Augusta" and customer.channel_id != other.id


def test_edit_with_an_invalid_email_shows_the_error_and_keeps_the_typing(agent_client, customer):
    data = edit_data(customer, email="ada@", first_name="Typed")
    html = text(agent_client.post(f"/customers/{customer.id}/edit", data=data))
    assert "Invalid email address." in error_beside(html, "email")
    assert input_value(html, "email") == "ada@" and input_value(html, "first_name") == "Typed"
    db.session.refresh(customer)
    assert customer.first_name == "Ada"


def test_edit_rejects_json_that_is_not_an_object(agent_client, customer):
    data = edit_data(customer, extra_field='"just a string"')
    html = text(agent_client.post(f"/customers/{customer.id}/edit", data=data))
    assert "Enter a JSON object" in error_beside(html, "extra_field")


def test_edit_saves_and_the_history_shows_the_change(agent_client, customer):
    data = edit_data(customer, email="ada.king@example.com", attributes='{"vip": true}')
    response = agent_client.post(f"/customers/{customer.id}/edit", data=data)
    assert response.headers["Location"] == f"/customers/{customer.id}/"
    html = text(agent_client.get(response.headers["Location"]))
    assert "Changes saved." in html
    assert '<span class="old">ada@example.com</span>' in html
    assert '<span class="new">ada.king@example.com</span>' in html
    assert "by agent@test.example" in html and "via web" in html


def test_an_untouched_edit_form_saves_nothing(agent_client, customer):
    agent_client.post(f"/customers/{customer.id}/edit", data=edit_data(customer))
    html = text(agent_client.get(f"/customers/{customer.id}/"))
    assert "Nothing to save" in html and len(events_of(customer)) == 1


def test_edit_refuses_a_duplicate_channel_code(supervisor_client, channel, customer):
    other = make_customer(channel, channel_code="TAKEN")
    data = edit_data(customer, channel_code=other.channel_code)
    html = text(supervisor_client.post(f"/customers/{customer.id}/edit", data=data))
    assert "already has this channel code" in error_beside(html, "channel_code")


def test_an_agent_sees_the_channel_code_read_only_and_cannot_change_it(agent_client, customer):
    html = text(agent_client.get(f"/customers/{customer.id}/edit"))
    assert re.search(r'<input[^>]*id="channel_code"[^>]*readonly', html)
    assert "Only a supervisor can change the channel code." in html
    data = edit_data(customer, channel_code="NEW-CODE", last_name="Byron")
    response = agent_client.post(f"/customers/{customer.id}/edit", data=data)
    assert response.status_code == 200
    assert "Only a supervisor can change" in error_beside(text(response), "channel_code")
    db.session.refresh(customer)
    assert (customer.channel_code, customer.last_name) != ("NEW-CODE", "Byron")
    assert customer.last_name == "Lovelace" and len(events_of(customer)) == 1


def test_a_supervisor_changes_the_channel_code_after_a_warning(supervisor_client, customer):
    html = text(supervisor_client.get(f"/customers/{customer.id}/edit"))
    assert "the next order with the old code creates a new customer" in html
    assert not re.search(r'<input[^>]*id="channel_code"[^>]*readonly', html)
    data = edit_data(customer, channel_code="NEW-CODE")
    assert supervisor_client.post(f"/customers/{customer.id}/edit", data=data).status_code == 302
    db.session.refresh(customer)
    assert customer.channel_code == "NEW-CODE"
    assert events_of(customer)[-1].changes["channel_code"][1] == "NEW-CODE"


def test_required_fields_are_marked_before_submitting(agent_client, customer):
    html = text(agent_client.get("/customers/new"))
    for name in ("email", "channel_code", "channel"):
        assert re.search(rf'<label for="{name}">[^<]*</label> <span class="required"', html), name
        assert re.search(rf'<(input|select)[^>]*id="{name}"[^>]*required', html), name
    assert not re.search(r'<label for="first_name">[^<]*</label> <span class="required"', html)
    assert "marks a required field" in html


# -- optimistic locking ------------------------------------------------------------------------


def test_a_stale_edit_is_refused_and_shows_what_changed_meanwhile(
    agent_client, supervisor_client, customer
):
    stale = edit_data(customer)  # both agents opened the form at version 1
    first = edit_data(customer, phone_number="0555 111", last_name="Byron")
    assert supervisor_client.post(f"/customers/{customer.id}/edit", data=first).status_code == 302

    second = {**stale, "first_name": "Augusta", "last_name": "King"}
    response = agent_client.post(f"/customers/{customer.id}/edit", data=second)
    html = text(response)
    assert response.status_code == 200
    assert "Not saved: someone else changed this customer" in html
    assert "by supervisor@test.example" in html and '<span class="new">0555 111</span>' in html
    db.session.refresh(customer)
    assert customer.first_name == "Ada" and customer.last_name == "Byron"
    # Their untouched change is taken in; the field both changed keeps this person's value.
    assert input_value(html, "phone_number") == "0555 111"
    assert input_value(html, "last_name") == "King" and 'id="last_name-note"' in html
    assert input_value(html, "version") == str(customer.version)

    # Saving the rebased form again is a deliberate choice, and it succeeds.
    rebased = {**second, "phone_number": "0555 111", "version": str(customer.version)}
    again = agent_client.post(f"/customers/{customer.id}/edit", data=rebased)
    assert again.status_code == 302
    db.session.refresh(customer)
    assert (customer.first_name, customer.last_name, customer.phone_number) == (
        "Augusta",
        "King",
        "0555 111",
    )


def test_a_stale_consents_form_is_refused_too(agent_client, users, customer):
    context = AuditContext.for_user(users["supervisor"], "web")
    CustomerService().update_customer(customer, context, call_allowed=True)
    response = agent_client.post(
        f"/customers/{customer.id}/consents", data={"email_allowed": "y", "version": "1"}
    )
    html = text(response)
    assert "Not saved" in html and "Calls allowed" in html
    db.session.refresh(customer)
    assert customer.email_allowed is False and customer.call_allowed is True
    assert re.search(r'<input[^>]* checked [^>]*name="call_allowed"', html)


# -- consents ----------------------------------------------------------------------------------


def test_consents_are_saved_as_one_audited_change(agent_client, customer):
    version = str(customer.version)
    data = {"email_allowed": "y", "sms_allowed": "y", "version": version}
    response = agent_client.post(f"/customers/{customer.id}/consents", data=data)
    assert response.headers["Location"] == f"/customers/{customer.id}/"
    latest = events_of(customer)[-1]
    assert latest.action == "consent" and latest.source == "web"
    assert latest.changes == {"email_allowed": [False, True], "sms_allowed": [False, True]}


def test_the_consents_page_has_its_own_small_form(agent_client, customer):
    html = text(agent_client.get(f"/customers/{customer.id}/consents"))
    for name in ("email_allowed", "sms_allowed", "call_allowed"):
        assert f'name="{name}"' in html
    assert 'name="email"' not in html and "Save consents" in html


# -- anonymize ---------------------------------------------------------------------------------


def test_the_anonymize_page_says_what_is_erased_and_kept(supervisor_client, customer):
    html = text(supervisor_client.get(f"/customers/{customer.id}/anonymize"))
    assert "Erased" in html and "Kept" in html and "cannot be undone" in html
    assert "ada@example.com" in html and 'name="confirm_email"' in html


def test_anonymize_needs_the_customer_email_typed(supervisor_client, customer):
    path = f"/customers/{customer.id}/anonymize"
    html = text(supervisor_client.post(path, data={"confirm_email": "someone@else.com"}))
    assert "not this customer's email" in error_beside(html, "confirm_email")
    assert "Type the customer's email." in error_beside(
        text(supervisor_client.post(path, data={})), "confirm_email"
    )
    db.session.refresh(customer)
    assert not customer.is_anonymized


def test_anonymize_erases_and_shows_the_banner(supervisor_client, users, customer):
    path = f"/customers/{customer.id}/anonymize"
    response = supervisor_client.post(path, data={"confirm_email": " ADA@example.com "})
    assert response.headers["Location"] == f"/customers/{customer.id}/"
    db.session.refresh(customer)
    assert customer.is_anonymized and customer.first_name == ""
    latest = events_of(customer)[-1]
    assert latest.action == "anonymize" and latest.actor_id == users["supervisor"].id
    html = text(supervisor_client.get(f"/customers/{customer.id}/"))
    assert "Anonymized customer." in html and "The customer has been anonymized." in html
    assert supervisor_client.get(path).headers["Location"] == f"/customers/{customer.id}/"


# -- CSRF --------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["new", "{pk}/edit", "{pk}/consents", "{pk}/anonymize"])
def test_every_form_is_refused_without_a_csrf_token(app, admin_client, customer, action):
    app.config["WTF_CSRF_ENABLED"] = True
    path = "/customers/" + action.format(pk=customer.id)
    data = {**edit_data(customer, first_name="Forged"), "confirm_email": customer.email}
    response = admin_client.post(path, data=data)
    assert response.status_code == 400 and "Form expired" in text(response)
    db.session.refresh(customer)
    assert customer.first_name == "Ada" and not customer.is_anonymized


def test_a_form_with_its_csrf_token_is_accepted(app, agent_client, customer):
    app.config["WTF_CSRF_ENABLED"] = True
    path = f"/customers/{customer.id}/edit"
    token = input_value(text(agent_client.get(path)), "csrf_token")
    data = {**edit_data(customer, first_name="Augusta"), "csrf_token": token}
    assert agent_client.post(path, data=data).status_code == 302
    db.session.refresh(customer)
    assert customer.first_name == "Augusta"
