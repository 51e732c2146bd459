"""The customers API answers as Omnitron's DRF + django-filter would: a differential run."""

# Every request of tests/drf_corpus.py goes to this app and to tests/drf_reference (the seed's
# CustomerViewSet in Django REST Framework 3.14 and django-filter 23.5), both holding the same
# rows. Status, JSON body and the headers in differential.COMPARED_HEADERS must match, but for
# the differences listed below, each with its reason.

import re

import pytest

from tests.conftest import POSTGRES_URL
from tests.differential import (
    ROWS,
    create_reference_tables,
    drop_reference_tables,
    load_app,
    load_reference,
    normalise,
    scratch_row,
    send_app,
    send_reference,
    start_new_ids,
)
from tests.drf_corpus import corpus

# -- the accepted differences: every one, with its reason -----------------------------------

# Members of Vary only this app sends.
IGNORED_VARY = {
    "Authorization": "the answer depends on the token: a shared cache must not mix users' "
    "answers (DRF leaves it to Cache-Control; ours also says no-store)",
}

# Case ids (regular expressions, matched whole) where this API answers otherwise, why, and on
# which databases (None: all).
ALL_DATABASES = None
ACCEPTED: list[tuple[str, str, set[str] | None]] = [
    (
        r"OPTIONS /api/v1/customers/(1/|detailed/|1/detailed/)? \{\}",
        "OPTIONS answers with Omnitron's metadata (its filters block), not DRF's SimpleMetadata",
        ALL_DATABASES,
    ),
    (
        r"OPTIONS /api/v1/customers/(999|abc)/ \{\}",
        "OPTIONS on a customer that does not exist is 404; DRF's metadata skips the lookup",
        ALL_DATABASES,
    ),
    (
        r'GET /api/v1/customers/(\?format=api| \{"Accept": "text/(html|\*).*"\})',
        "no browsable API: this API renders JSON only (406 for an Accept it cannot satisfy, "
        "404 for ?format=api)",
        ALL_DATABASES,
    ),
    (
        r'PATCH /api/v1/customers/\{pk\}/ \{"If-Match": "\\"v0\\""\} .*',
        "optimistic locking: a stale If-Match is 412 (DRF has no ETags)",
        ALL_DATABASES,
    ),
    (
        r"GET /api/v1/customers/\?ordering=-gender",
        "ties (same gender) are broken by id in the ordering's direction, for stable pages; "
        "DRF leaves their order to the database",
        ALL_DATABASES,
    ),
    (
        r"GET /api/v1/customers/\?email__startswith=C1",
        "startswith is case-sensitive; Django's is LIKE, which SQLite compares without case "
        "(on PostgreSQL, Omnitron's database, it is case-sensitive too)",
        {"sqlite"},
    ),
    (
        r'PATCH /api/v1/customers/\{pk\}/ \{"channel": (1\.5|3\.0)\}',
        "a float channel is refused: DRF would take 1.5 as channel 1 and file the customer "
        "(and its consents) under a channel the client did not name",
        ALL_DATABASES,
    ),
    (
        r'PATCH /api/v1/customers/\{pk\}/ \{"extra_field": \{"a": "\\u0000"\}\}',
        "NUL in a JSON field is refused: PostgreSQL cannot store it (DRF would 500 there)",
        ALL_DATABASES,
    ),
    (
        r"PATCH /api/v1/customers/\{pk\}/ \[application/json; charset=latin-1\] .*",
        "JSON is UTF-8 (RFC 8259): another declared charset is 415; DRF decodes with it, which "
        "let one body be read two ways (the sign-in throttle bypass of issue 11)",
        ALL_DATABASES,
    ),
]


@pytest.fixture(scope="session")
def django_configured(tmp_path_factory):
    from tests.drf_reference import configure

    configure(tmp_path_factory.mktemp("drf") / "reference.sqlite3", POSTGRES_URL)


@pytest.fixture
def reference(app, database_url, django_configured):
    """The reference's tables, on the database the app uses (their own SQLite file there)."""
    from tests.drf_reference.routing import Router

    Router.alias = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    create_reference_tables(Router.alias)
    yield Router.alias
    drop_reference_tables(Router.alias)


def _listed(case_id: str, listed, alias: str) -> bool:
    return any(
        re.fullmatch(pattern, case_id, re.DOTALL) and (dbs is None or alias in dbs)
        for pattern, _, dbs in listed
    )


def test_every_answer_is_drfs_but_the_accepted_differences(app, tokens, reference):
    from django.contrib.auth.models import User
    from django.test import Client

    from tests.drf_reference.auth import TOKENS

    alias = reference
    load_app(ROWS, channels=True)
    load_reference(ROWS, channels=True)
    start_new_ids(alias)
    token = tokens["agent"]
    TOKENS[token] = User(username="agent")
    ours_client, theirs_client = app.test_client(), Client(raise_request_exception=False)

    cases, differences, scratch = corpus(), {}, 0
    for case in cases:
        path = case.path
        if "{pk}" in path:
            scratch += 1
            row = scratch_row(scratch)
            load_app([row])
            load_reference([row])
            path = path.replace("{pk}", str(row["id"]))
        ours = normalise(send_app(ours_client, case, path, token), case, set(IGNORED_VARY))
        theirs = normalise(send_reference(theirs_client, case, path, token), case, set())
        if ours != theirs:
            differences[case.id] = (ours, theirs)

    listed = ACCEPTED
    unexplained = {k: v for k, v in differences.items() if not _listed(k, listed, alias)}
    unused = [
        entry[0]
        for entry in ACCEPTED
        if (entry[2] is None or alias in entry[2])
        and not any(_listed(k, [entry], alias) for k in differences)
    ]
    print(
        f"{alias}: {len(cases)} requests, {len(cases) - len(differences)} identical, "
        f"{len(differences) - len(unexplained)} accepted differences, {len(unexplained)} other"
    )
    for case_id in differences.keys() - unexplained.keys():
        print(f"  listed: {case_id[:120]}")
    report = "\n".join(f"{k}\n  ours:   {o}\n  theirs: {t}" for k, (o, t) in unexplained.items())
    assert not unexplained, f"{len(unexplained)} answers differ from DRF's:\n{report}"
    assert not unused, f"listed differences that no longer occur (delete them): {unused}"
