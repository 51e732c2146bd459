"""Large customer exports run as jobs: the file is written into the database in pieces,
downloaded from the job's page by its starter (or an admin) exactly as the inline export
would have sent it, written again whole after a killed run, and deleted when it expires."""

import io
import time
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, func, select

from backoffice.audit.models import AuditEvent
from backoffice.auth.models import User
from backoffice.customers import exportjobs, streaming
from backoffice.customers.models import Customer
from backoffice.customers.service import CustomerService
from backoffice.extensions import db
from backoffice.jobs import files, queue
from backoffice.jobs import service as jobs
from backoffice.jobs.housekeeping import run_sweeps
from backoffice.jobs.models import Job, JobFilePart
from backoffice.jobs.runner import KINDS, Progress, kind
from backoffice.types import utcnow
from tests.builders import make_channel, make_customer
from tests.conftest import sign_in

CSV = "/customers/export.csv"
XLSX = "/customers/export.xlsx"
QUERY = "is_active=true&ordering=email"


@pytest.fixture
def crowd(app, channel, monkeypatch):
    """Twelve customers (ten active, one with Turkish letters and a formula), read two at a
    time, written in pieces of a few hundred bytes: a file of many pieces and commits."""
    monkeypatch.setattr(streaming, "ROWS_PER_BLOCK", 2)
    monkeypatch.setattr(files, "PIECE_BYTES", 300)
    other = make_channel(name="Çiçek Pazarı")
    for n in range(10):
        make_customer(channel if n % 2 else other, email=f"c{n:02d}@example.com")
    make_customer(channel, email="x@example.com", first_name="Ayşe", last_name="=1+1")
    make_customer(channel, email="off@example.com", is_active=False)
    app.config["EXPORT_INLINE_ROWS"] = 100


def inline(client, url: str) -> bytes:
    """The file as the request streams it (under the limit)."""
    response = client.get(url, buffered=True)
    assert response.status_code == 200
    return response.get_data()


def started(app, client, url: str) -> Job:
    """Start the export above the limit: 303 to the job's page; the job (run at once)."""
    app.config["EXPORT_INLINE_ROWS"] = 3
    response = client.get(url)
    assert response.status_code == 303
    job = db.session.scalars(select(Job).order_by(Job.id.desc())).first()
    assert response.location == f"/jobs/{job.id}/"
    return job


def downloaded(client, job: Job, mimetype: str, name: str) -> bytes:
    response = client.get(f"/jobs/{job.id}/download", buffered=True)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == mimetype
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    data = response.get_data()
    assert int(response.headers["Content-Length"]) == len(data)
    return data


def pieces_of(job: Job) -> list[int]:
    return list(
        db.session.scalars(
            select(JobFilePart.seq).where(JobFilePart.job_id == job.id).order_by(JobFilePart.seq)
        )
    )


def test_a_small_export_still_streams_in_the_request(supervisor_client, crowd):
    response = supervisor_client.get(f"{CSV}?{QUERY}")
    assert response.status_code == 200 and response.is_streamed
    assert response.get_data().count(b"\r\n") == 12
    assert db.session.scalars(select(Job)).all() == []


def test_a_large_csv_export_is_a_job_whose_file_equals_the_inline_one(
    app, supervisor_client, users, crowd
):
    expected = inline(supervisor_client, f"{CSV}?{QUERY}")
    job = started(app, supervisor_client, f"{CSV}?{QUERY}")
    db.session.refresh(job)
    assert (job.kind, job.status, job.total, job.done) == (exportjobs.KIND, "done", 11, 11)
    assert job.params["query"] == QUERY and job.params["format"] == "csv"
    assert job.started_by_id == users["supervisor"].id
    assert len(pieces_of(job)) > 3 and pieces_of(job) == list(range(1, len(pieces_of(job)) + 1))
    page = supervisor_client.get(f"/jobs/{job.id}/").get_data(as_text=True)
    assert "Customer export" in page and f'href="/jobs/{job.id}/download"' in page
    assert "11 rows" in page
    got = downloaded(supervisor_client, job, "text/csv", "customers.csv")
    assert got == expected
    assert got.decode().count("\r\n") == 12  # the header and 11 rows, each once
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.action == "export" and event.actor_id == users["supervisor"].id
    assert event.changes["job"] == [None, job.id]
    assert event.changes["filter"] == [None, {"is_active": ["true"], "ordering": ["email"]}]


def cells(data: bytes) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(data))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


@pytest.fixture
def turkish(app, password_hashes):
    """A supervisor whose pages are in Turkish."""
    user = User(
        email="tr@test.example",
        role="supervisor",
        language="tr",
        password_hash=password_hashes["supervisor"],
    )
    db.session.add(user)
    db.session.commit()
    return user


def test_a_large_xlsx_export_in_the_starters_language(app, turkish, crowd):
    client = sign_in(app.test_client(), turkish)
    expected = cells(inline(client, f"{XLSX}?{QUERY}"))
    job = started(app, client, f"{XLSX}?{QUERY}")
    mimetype = exportjobs.FILES["xlsx"][1]
    got = cells(downloaded(client, job, mimetype, "customers.xlsx"))
    assert got == expected
    ((title, rows),) = got.items()
    assert title != "Customers" and rows[0][1] != "Channel"  # worded in Turkish
    assert len(rows) == 12 and "Ayşe" in rows[-1] and "=1+1" in rows[-1]


@kind("test.export_dies_once")
def _dies_after_a_piece(job: Job, progress: Progress):
    """The export, but its first run dies after its first piece (as a killed worker)."""

    class Dying(Progress):
        def commit(self, *args, **kwargs):
            super().commit(*args, **kwargs)
            if job.attempts == 1 and job.cursor == 1:
                raise RuntimeError("worker lost")

    return KINDS[exportjobs.KIND](job, Dying(job))


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_killed_export_is_written_again_whole(
    app, supervisor_client, users, crowd, file_format, monkeypatch
):
    url = f"/customers/export.{file_format}?{QUERY}"
    expected = inline(supervisor_client, url)
    params = {"query": QUERY, "format": file_format, "language": "en"}
    job = jobs.create_job("test.export_dies_once", users["supervisor"], params, total=11)
    monkeypatch.setitem(files.DOWNLOADS, job.kind, files.DOWNLOADS["customers.export"])
    jobs.start(job)
    db.session.refresh(job)
    assert (job.status, job.cursor, pieces_of(job)) == ("failed", 1, [1])
    if file_format == "csv":  # a workbook's deflate holds 11 rows back until it ends
        assert 0 < job.done < 11
    redirect = supervisor_client.get(f"/jobs/{job.id}/download")
    assert redirect.status_code == 302 and redirect.location == f"/jobs/{job.id}/"
    failed = supervisor_client.get(f"/jobs/{job.id}/").get_data(as_text=True)
    assert "Retry writes its file again from the first row." in failed
    assert "from its last completed batch" not in failed  # said of the other jobs

    retried = supervisor_client.post(f"/jobs/{job.id}/retry", follow_redirects=True)
    assert "writes its file from the first row" in retried.get_data(as_text=True)
    db.session.refresh(job)
    assert (job.status, job.attempts, job.done, job.result["rows"]) == ("done", 2, 11, 11)
    got = supervisor_client.get(f"/jobs/{job.id}/download", buffered=True).get_data()
    if file_format == "csv":
        assert got == expected
    else:
        assert cells(got) == cells(expected)


def test_only_the_starter_or_an_admin_may_download(
    app, supervisor_client, admin_client, agent_client, password_hashes, crowd
):
    job = started(app, supervisor_client, f"{CSV}?{QUERY}")
    other = User(
        email="other@test.example", role="supervisor", password_hash=password_hashes["supervisor"]
    )
    db.session.add(other)
    db.session.commit()
    colleague = sign_in(app.test_client(), other)
    assert colleague.get(f"/jobs/{job.id}/download").status_code == 403
    page = colleague.get(f"/jobs/{job.id}/").get_data(as_text=True)
    assert f"/jobs/{job.id}/download" not in page and "supervisor@test.example or an admin" in page
    assert agent_client.get(f"/jobs/{job.id}/download").status_code == 403
    exports = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "export")
    before = db.session.scalar(exports)
    head = supervisor_client.head(f"/jobs/{job.id}/download")
    assert head.status_code == 200 and head.mimetype == "text/csv"
    assert db.session.scalar(exports) == before  # nothing sent: nothing recorded
    assert admin_client.get(f"/jobs/{job.id}/download", buffered=True).status_code == 200
    assert db.session.scalar(exports) == before + 1
    assert supervisor_client.get("/jobs/999/download").status_code == 404


def test_agents_still_may_not_export_and_start_no_job(app, agent_client, crowd):
    app.config["EXPORT_INLINE_ROWS"] = 3
    assert agent_client.get(CSV).status_code == 403
    assert agent_client.get(XLSX).status_code == 403
    assert db.session.scalars(select(Job)).all() == []


def test_a_bad_filter_starts_no_job(app, supervisor_client, crowd):
    app.config["EXPORT_INLINE_ROWS"] = 3
    response = supervisor_client.get(f"{CSV}?created_date__gte=yesterday")
    assert response.status_code == 302 and response.location.startswith("/customers/?")
    assert db.session.scalars(select(Job)).all() == []


def test_the_file_expires_and_goes_with_its_job(app, supervisor_client, crowd):
    job = started(app, supervisor_client, f"{CSV}?{QUERY}")
    kept = started(app, supervisor_client, f"{XLSX}?{QUERY}")
    db.session.refresh(job)
    assert run_sweeps(now=job.finished_at + timedelta(hours=23))["expired job files deleted"] == 0
    assert pieces_of(job)
    later = utcnow() + timedelta(hours=25)
    assert run_sweeps(now=later)["expired job files deleted"] == 2
    assert pieces_of(job) == [] and pieces_of(kept) == []
    response = supervisor_client.get(f"/jobs/{job.id}/download")
    assert response.status_code == 302
    page = supervisor_client.get(f"/jobs/{job.id}/").get_data(as_text=True)
    assert "The file has been deleted" in page

    third = started(app, supervisor_client, f"{CSV}?{QUERY}")
    assert pieces_of(third)
    db.session.execute(delete(Job).where(Job.id == third.id))
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(JobFilePart)) == 0


@pytest.fixture
def sqlite_queue(app, tmp_path):
    """Jobs go to a real queue (a SQLite file) until the test ends, not run where started."""
    app.config.update(JOBS_IMMEDIATE=False, JOBS_URL=f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    queue.configure(app)
    yield
    queue.huey.storage.flush_all()
    app.config.update(JOBS_IMMEDIATE=True, JOBS_URL=None)
    queue.configure(app)


@pytest.mark.slow
def test_a_worker_writes_the_file_outside_any_request(app, turkish, crowd, sqlite_queue):
    """On a real queue, in a worker's thread: no request, yet the starter's language."""
    client = sign_in(app.test_client(), turkish)
    expected = cells(inline(client, f"{XLSX}?{QUERY}"))
    app.config["EXPORT_INLINE_ROWS"] = 3
    response = client.get(f"{XLSX}?{QUERY}")
    assert response.status_code == 303
    job_id = db.session.scalars(select(Job.id)).one()
    db.session.rollback()
    consumer = queue.consumer(app, workers=1)
    consumer.start()
    try:
        deadline = time.monotonic() + 60
        while (status := db.session.scalar(select(Job.status).where(Job.id == job_id))) in (
            "queued",
            "running",
        ):
            db.session.rollback()  # no transaction (SQLite: no lock) held while waiting
            assert time.monotonic() < deadline, "the export job did not run"
            time.sleep(0.05)
    finally:
        consumer.stop(graceful=True)
    assert status == "done"
    job = db.session.get(Job, job_id)
    got = downloaded(client, job, exportjobs.FILES["xlsx"][1], "customers.xlsx")
    assert cells(got) == expected


def test_an_erasure_deletes_every_export_file(app, supervisor_client, crowd):
    job = started(app, supervisor_client, f"{CSV}?{QUERY}")
    assert pieces_of(job)
    erased = db.session.scalars(select(Customer).where(Customer.email == "x@example.com")).one()
    CustomerService().anonymize_customer(erased)
    assert db.session.scalar(select(func.count()).select_from(JobFilePart)) == 0
    assert supervisor_client.get(f"/jobs/{job.id}/download").status_code == 302
    page = supervisor_client.get(f"/jobs/{job.id}/").get_data(as_text=True)
    assert "The file has been deleted" in page


@kind("test.export_meets_an_erasure")
def _meets_an_erasure(job: Job, progress: Progress):
    """The export, but during its first run a customer is erased (after its first piece)."""

    class Erasing(Progress):
        def commit(self, *args, **kwargs):
            super().commit(*args, **kwargs)
            if job.attempts == 1 and job.cursor == 1:
                found = select(Customer).where(Customer.email == "x@example.com")
                CustomerService().anonymize_customer(db.session.scalars(found).one())

    return exportjobs.run_export(job, Erasing(job))


def test_a_file_being_written_when_a_customer_is_erased_fails_and_is_written_anew(
    app, supervisor_client, users, crowd, monkeypatch
):
    monkeypatch.setattr(exportjobs, "KIND", "test.export_meets_an_erasure")  # an export job
    params = {"query": QUERY, "format": "csv", "language": "en"}
    job = jobs.create_job("test.export_meets_an_erasure", users["supervisor"], params, total=11)
    monkeypatch.setitem(files.DOWNLOADS, job.kind, files.DOWNLOADS["customers.export"])
    jobs.start(job)
    db.session.refresh(job)
    assert (job.status, job.error, pieces_of(job)) == ("failed", exportjobs.ERASED, [])
    expected = inline(supervisor_client, f"{CSV}?{QUERY}")  # after the erasure
    assert b"x@example.com" not in expected
    supervisor_client.post(f"/jobs/{job.id}/retry")
    db.session.refresh(job)
    assert (job.status, job.attempts) == ("done", 2)
    assert exportjobs.ERASED_MEANWHILE not in job.params
    assert supervisor_client.get(f"/jobs/{job.id}/download", buffered=True).get_data() == expected
