"""Opt-out lists: a file of emails and phones matched on the search keys across channels,
previewed (matched, unmatched, unreadable lines), applied as a job; the same from the
command line. SQLite and PostgreSQL."""

import io

import pytest
from sqlalchemy import select

from backoffice.audit.models import AuditEvent
from backoffice.extensions import db
from backoffice.jobs.models import Job
from tests.builders import make_channel, make_customer

LIST = "\n".join(
    [
        "ANN@Example.com",  # 1: two customers, on two channels
        "0532 111 22 33",  # 2: a phone, written as people write it
        "nobody@example.com",  # 3: no one
        "not an address@",  # 4: unreadable
        "",  # blank: skipped
        "+90 (532) 999 88 77",  # 6: no one
        "12",  # 7: unreadable
    ]
).encode()


@pytest.fixture
def people(channel):
    other = make_channel(name="Other Market")
    return {
        "ann": make_customer(
            channel, email="ann@example.com", email_allowed=True, sms_allowed=True
        ),
        "ann2": make_customer(
            other, email="Ann@Example.com", phone_number=None, email_allowed=True
        ),
        "phone": make_customer(channel, phone_number="+905321112233", email_allowed=True),
        "bystander": make_customer(channel, email="bob@example.com", email_allowed=True),
        "other": other,
    }


def upload(client, data: bytes, consents=("email_allowed",), channels=(), name="list.txt"):
    return client.post(
        "/consents/optout",
        data={
            "file": (io.BytesIO(data), name),
            "consents": list(consents),
            "channels": list(channels),
        },
        content_type="multipart/form-data",
    )


def events_of(customer) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.object_id == customer.id, AuditEvent.action == "consent"
        )
    ).all()


def test_preview_then_apply(supervisor_client, people):
    response = upload(supervisor_client, LIST)
    job = db.session.scalars(select(Job)).one()
    assert response.headers["Location"].endswith(f"/consents/optout/{job.id}")
    assert job.status == "draft"
    preview = supervisor_client.get(f"/consents/optout/{job.id}").get_data(as_text=True)
    for name, number in {
        "lines": 6,
        "matched_lines": 2,
        "customers": 3,
        "will_change": 3,
        "unmatched_lines": 2,
        "unreadable_lines": 2,
    }.items():
        assert f'data-count="{name}">{number}<' in preview, name
    assert 'class="unreadable">4, 7<' in preview
    assert people["ann"].email_allowed  # nothing changed yet

    assert supervisor_client.post(f"/consents/optout/{job.id}").status_code == 302
    db.session.refresh(job)
    assert (job.status, job.done, job.total) == ("done", 6, 6)
    assert job.result["changed"] == 3 and job.result["unreadable_lines"] == 2
    db.session.expire_all()
    for key in ("ann", "ann2", "phone"):
        assert people[key].email_allowed is False
        (event_,) = events_of(people[key])
        assert (event_.source, event_.request_id) == ("optout", f"job-{job.id}")
        assert event_.changes == {"email_allowed": [True, False]}
    assert people["ann"].sms_allowed is True
    assert people["bystander"].email_allowed is True and events_of(people["bystander"]) == []


def test_channels_limit_the_list(supervisor_client, people):
    upload(supervisor_client, b"ann@example.com\n", channels=[people["other"].id])
    job = db.session.scalars(select(Job)).one()
    supervisor_client.post(f"/consents/optout/{job.id}")
    db.session.expire_all()
    assert people["ann2"].email_allowed is False
    assert people["ann"].email_allowed is True


def test_csv_columns_and_a_second_run_changes_nothing(supervisor_client, people):
    data = b"name;E-mail;GSM\nAnn;ann@example.com;\nX;;0532 111 2233\nY;bad;\n"
    for _ in range(2):
        upload(supervisor_client, data, consents=["email_allowed", "sms_allowed"])
        job = db.session.scalars(select(Job).order_by(Job.id.desc())).first()
        supervisor_client.post(f"/consents/optout/{job.id}")
    first, second = db.session.scalars(select(Job).order_by(Job.id)).all()
    assert first.result["changed"] == 3 and first.result["unreadable_lines"] == 1
    assert second.result["changed"] == 0 and second.result["unchanged"] == 3
    assert len(events_of(people["ann"])) == 1


@pytest.mark.parametrize(
    ("data", "form", "message"),
    [
        (None, {}, "Choose a file to upload."),
        (b"ann@example.com", {"consents": []}, "Choose at least one consent"),
        (b"\x81\x8d\x8f\x90\x9d", {}, "The file is not text"),
        (b"a@b.example\n" * 11, {}, "The file has 11 lines; at most 10 are read."),
    ],
)
def test_bad_uploads_are_refused_beside_the_field(
    app, supervisor_client, people, data, form, message
):
    app.config["OPTOUT_MAX_LINES"] = 10
    fields = {"consents": ["email_allowed"], **form}
    if data is not None:
        fields["file"] = (io.BytesIO(data), "list.txt")
    response = supervisor_client.post(
        "/consents/optout", data=fields, content_type="multipart/form-data"
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalars(select(Job)).all() == []


def test_command_line_withdraw(runner, people, tmp_path):
    path = tmp_path / "optout.txt"
    path.write_bytes(LIST)
    result = runner.invoke(
        args=["consents", "withdraw", str(path), "--consents", "email_allowed,sms_allowed"]
    )
    assert result.exit_code == 0, result.output
    assert "6 lines: 2 matched 3 customers, 2 unmatched, 2 unreadable." in result.output
    assert "3 customers changed" in result.output
    db.session.expire_all()
    assert (people["ann"].email_allowed, people["ann"].sms_allowed) == (False, False)
    job = db.session.scalars(select(Job)).one()
    assert (job.status, job.started_by_label) == ("done", "cli optout.txt")


def test_command_line_refuses_unknown_consents(runner, tmp_path):
    path = tmp_path / "optout.txt"
    path.write_bytes(b"ann@example.com\n")
    result = runner.invoke(args=["consents", "withdraw", str(path), "--consents", "is_active"])
    assert result.exit_code == 2
    assert "name one or more of email_allowed" in result.output
