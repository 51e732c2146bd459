"""Property-based run of the API against its own OpenAPI document (schemathesis, in process).

No generated request may produce a server error or a response that breaks the document.
FUZZ_EXAMPLES sets the examples per operation (a quick run by default; CI's fuzz step: 200).
"""

import contextvars
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis.errors import FlakyStrategyDefinition
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from backoffice.api.openapi import openapi_document
from backoffice.extensions import db
from tests.builders import make_customer

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


fuzzed = schemathesis.openapi.from_dict(openapi_document())


@pytest.fixture
def data(app, channel):
    """Something for reads and updates to find."""
    return make_customer(channel)


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)


def call(case, app, token: str | None) -> None:
    db.session.commit()  # requests run in their own context and session, as in production
    headers = dict(case.headers or {})
    headers.pop("Authorization", None)
    if token:
        headers["Authorization"] = f"Token {token}"
    contextvars.Context().run(case.call_and_validate, app=app, headers=headers, checks=CHECKS)


@fuzzed.parametrize()
@FUZZ_SETTINGS
def test_api_with_a_token_never_errors_and_keeps_its_schema(case, app, data, tokens):
    call(case, app, tokens["admin"])


@fuzzed.parametrize()
@FUZZ_SETTINGS
def test_api_without_a_token_never_errors_and_keeps_its_schema(case, app, data):
    call(case, app, None)


def test_stateful_sequences_never_error_and_keep_the_schema(app, data, tokens):
    """Create a customer, then read and change it through the links the document declares."""
    headers = {"Authorization": f"Token {tokens['admin']}"}

    class Machine(fuzzed.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"app": app, "headers": headers}

        def call(self, case, **kwargs):
            db.session.commit()
            return contextvars.Context().run(case.call, **kwargs)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    stateful = settings(
        max_examples=max(5, EXAMPLES // 2),
        stateful_step_count=6,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    # Which links a step may follow depends on what the API answered, and the database keeps
    # every example's writes (a code taken by an earlier example makes the same POST a 400):
    # now and then the engine replays a choice that took another turn before and stops with
    # FlakyStrategyDefinition, a complaint about the generator, not a check of the API (those
    # raise their own failures, never caught here). Such a run is started again, twice at most.
    for attempt in range(3):
        try:
            run_state_machine_as_test(Machine, settings=stateful)
            return
        except FlakyStrategyDefinition:
            if attempt == 2:
                raise
