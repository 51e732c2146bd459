"""Each order import run leaves a record (started, finished, counts, status), written beside
the import's own transactions; the home page lists the last five, and shows supervisors the
open privacy requests by due date."""

import io
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from backoffice.audit.context import AuditContext
from backoffice.extensions import db
from backoffice.orders import runs as runs_module
from backoffice.orders.importer import ErrorReport, import_orders
from backoffice.orders.models import ImportRun, Order
from backoffice.privacy import service as privacy
from backoffice.types import utcnow
from tests.test_order_import import lines
from tests.test_order_service import payload


def runs() -> list[ImportRun]:
    db.session.expire_all()
    return list(db.session.scalars(select(ImportRun).order_by(ImportRun.id)))


def test_a_cli_run_is_recorded_with_its_counts(runner, channel, tmp_path, monkeypatch):
    monkeypatch.setattr(runs_module, "UPDATE_EVERY", 0)  # the counts written after every batch
    source = tmp_path / "march.jsonl"
    source.write_text("\n".join(lines(channel)) + "\n", encoding="utf-8")
    before = utcnow()
    result = runner.invoke(args=["orders", "import", str(source), "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    [run] = runs()
    assert (run.label, run.file_name, run.status, run.error) == (
        "orders import march.jsonl",
        "march.jsonl",
        "done",
        "",
    )
    assert before <= run.started_at <= run.finished_at <= utcnow()
    # as the summary printed: 3 created, 1 updated; 2 customers created; 3 lines rejected
    counts = (run.lines, run.orders_created, run.orders_updated, run.orders_unchanged)
    assert counts == (8, 3, 1, 0)
    assert (run.customers_created, run.customers_updated, run.rejected) == (2, 0, 3)

    again = runner.invoke(args=["orders", "import", str(source)])
    assert again.exit_code == 0, again.output
    assert [(r.status, r.orders_unchanged) for r in runs()] == [("done", 0), ("done", 4)]


def test_a_run_is_running_until_it_ends_and_failed_when_an_error_stops_it(app, channel, tmp_path):
    data = "\n".join(json.dumps(payload(channel, f"F-{n}")) for n in range(5)) + "\n"
    seen = []

    def stop_after_the_first_batch(summary):
        with db.engine.connect() as connection:  # as another process would read it
            seen.append(connection.execute(select(ImportRun.status)).scalar_one())
        raise RuntimeError("progress display broke")

    db.session.commit()
    with pytest.raises(RuntimeError):
        import_orders(
            io.BytesIO(data.encode()),
            ErrorReport(tmp_path / "errors.jsonl"),
            label="orders import failing.jsonl",
            file_name="failing.jsonl",
            batch_size=2,
            on_batch=stop_after_the_first_batch,
        )
    assert seen == ["running"]
    [run] = runs()
    assert (run.status, run.error) == ("failed", "RuntimeError: progress display broke")
    assert run.finished_at is not None
    # the batch committed before the error is kept, and counted
    assert (run.lines, run.orders_created) == (2, 2)
    assert sorted(db.session.scalars(select(Order.number))) == ["F-0", "F-1"]


def add_runs(count: int) -> None:
    start = utcnow() - timedelta(hours=count)
    for n in range(count):
        db.session.add(
            ImportRun(
                label=f"orders import day-{n}.jsonl",
                file_name=f"day-{n}.jsonl",
                status="failed" if n == count - 1 else "done",
                started_at=start + timedelta(hours=n),
                finished_at=start + timedelta(hours=n, minutes=5),
                orders_created=1000 + n,
                orders_updated=n,
                rejected=7,
                error="OperationalError: database is locked" if n == count - 1 else "",
            )
        )
    db.session.commit()


def test_the_home_page_lists_the_last_five_runs_newest_first(agent_client):
    add_runs(7)
    html = agent_client.get("/").get_data(as_text=True)
    section = html.split('id="imports-title"')[1].split("</section>")[0]
    shown = re.findall(r"orders import (day-\d)\.jsonl", section)
    assert shown == ["day-6", "day-5", "day-4", "day-3", "day-2"]
    assert "1,006" in section and "failed" in section and "done" in section
    assert "No import has run yet" not in html


def test_supervisors_see_the_open_privacy_requests_by_due_date(supervisor_client, channel):
    def register(days_ago: int, **values):
        return privacy.create_request(
            AuditContext.system("test"),
            kind="erasure",
            email="someone@example.com",
            received_at=utcnow() - timedelta(days=days_ago),
            **values,
        )

    later, overdue, soon = register(0), register(40), register(25)
    closed = register(50)
    privacy.reject(closed.id, None, AuditContext.system("test"), "Duplicate")
    html = supervisor_client.get("/").get_data(as_text=True)
    section = html.split('id="privacy-due-title"')[1].split("</section>")[0]
    links = re.findall(r'href="/privacy/(\d+)"', section)
    assert links == [str(r.id) for r in (overdue, soon, later)]  # by due date, open only
    rows = re.findall(r"<tr( class=\"overdue\")?>\s*<td[^>]*><a href=\"/privacy/(\d+)\"", section)
    assert rows == [(' class="overdue"', str(overdue.id)), ("", str(soon.id)), ("", str(later.id))]
    assert section.count(">overdue</span>") == 1
    assert "<strong>2</strong> due this week" in section
    assert "All 3 open requests" not in section  # all three are listed already
    for n in range(4):
        register(n)
    html = supervisor_client.get("/").get_data(as_text=True)
    section = html.split('id="privacy-due-title"')[1].split("</section>")[0]
    assert len(re.findall(r'href="/privacy/\d+"', section)) == 5
    assert "All 7 open requests" in section


def test_agents_do_not_see_privacy_requests(agent_client, channel):
    privacy.create_request(AuditContext.system("test"), kind="erasure", email="someone@example.com")
    html = agent_client.get("/").get_data(as_text=True)
    assert "privacy-due-title" not in html and "/privacy/" not in html


def test_the_home_page_is_in_turkish(supervisor_client, channel):
    add_runs(1)
    privacy.create_request(
        AuditContext.system("test"),
        kind="erasure",
        email="someone@example.com",
        received_at=utcnow() - timedelta(days=40),
    )
    html = supervisor_client.get("/", headers={"Accept-Language": "tr"}).get_data(as_text=True)
    assert "Son içe aktarmalar" in html and "süresi geçmiş" in html
