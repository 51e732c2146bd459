"""The only module-level app: ``flask --app wsgi`` and ``gunicorn wsgi:app``."""

import os

from backoffice import create_app

if os.environ.get("FLASK_RUN_FROM_CLI"):
    # The flask command reads .env before a command runs, but `flask --app wsgi --help` loads
    # the app first; read it here too (never under gunicorn, which does not set this).
    from dotenv import load_dotenv

    load_dotenv()

app = create_app()
