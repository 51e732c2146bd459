"""Code run in child processes by the concurrency tests (importable under spawn)."""

from backoffice import create_app
from backoffice.audit.context import AuditContext
from backoffice.customers.service import CustomerService
from backoffice.extensions import db


def upsert_keys(database_url: str, channel_id: int, keys: list[str], worker: int) -> int:
    """Upsert every key once; return how many writes raised (it should be none)."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url})
    errors = 0
    with app.app_context():
        service = CustomerService()
        context = AuditContext.system("ingestion", f"worker {worker}")
        for key in keys:
            try:
                service.upsert_customer(
                    channel_id, key, context, email=f"{key}@example.com", first_name=f"w{worker}"
                )
            except Exception:
                db.session.rollback()
                errors += 1
        db.engine.dispose()
    return errors
