"""The seed's CustomerViewSet in Django REST Framework + django-filter (for tests only)."""

import os
from pathlib import Path

DATABASE_ALIASES = ("sqlite", "postgresql")


def configure(sqlite_path: Path, postgres_url: str = "") -> None:
    """Set Django up in this process, once: a SQLite database, and PostgreSQL when named."""
    import django
    from django.conf import settings

    if settings.configured:
        return
    databases = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(sqlite_path)},
        "sqlite": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(sqlite_path)},
    }
    if postgres_url:
        rest = postgres_url.split("://", 1)[1]
        credentials, _, location = rest.rpartition("@")
        user, _, password = credentials.partition(":")
        hostport, _, name = location.partition("/")
        host, _, port = hostport.partition(":")
        databases["postgresql"] = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": user,
            "PASSWORD": password,
            "HOST": host,
            "PORT": port or "5432",
        }
    for database in databases.values():
        database["CONN_MAX_AGE"] = None  # one connection for the whole run
    os.environ.pop("DJANGO_SETTINGS_MODULE", None)
    settings.configure(
        DEBUG=False,
        SECRET_KEY="drf-reference",
        ALLOWED_HOSTS=["*"],
        USE_TZ=True,
        TIME_ZONE="UTC",
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "django.contrib.staticfiles",  # the browsable API's page
            "rest_framework",
            "django_filters",
            "tests.drf_reference",
        ],
        MIDDLEWARE=[],
        TEMPLATES=[
            {"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}
        ],
        STATIC_URL="/static/",
        DATABASES=databases,
        DATABASE_ROUTERS=["tests.drf_reference.routing.Router"],
        ROOT_URLCONF="tests.drf_reference.urls",
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        REST_FRAMEWORK={
            "DEFAULT_AUTHENTICATION_CLASSES": ["tests.drf_reference.auth.TokenAuthentication"],
            "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
            "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
            "DEFAULT_PAGINATION_CLASS": "tests.drf_reference.auth.Pagination",
            "UNAUTHENTICATED_USER": None,
        },
    )
    django.setup()
