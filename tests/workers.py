"""Code run in child processes by the concurrency tests (importable under spawn)."""

from backoffice import create_app
from backoffice.audit.context import AuditContext
from backoffice.customers.service import CustomerService
from backoffice.extensions import db


def upsert_keys(
    database_url: str, channel_id: int, keys: list[str], worker: int, vary: bool = False
) -> int:
    """Upsert every key; return how many writes raised (it should be none).

    With ``vary`` each write carries a name no other write uses, so every write is a change.
    """
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url})
    errors = 0
    with app.app_context():
        service = CustomerService()
        context = AuditContext.system("ingestion", f"worker {worker}")
        for n, key in enumerate(keys):
            name = f"w{worker}-{n}" if vary else f"w{worker}"
            try:
                service.upsert_customer(
                    channel_id, key, context, email=f"{key}@example.com", first_name=name
                )
            except Exception:
                db.session.rollback()
                errors += 1
        db.engine.dispose()
    return errors
