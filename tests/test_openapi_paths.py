"""The OpenAPI paths follow the URL map: a route the document does not describe fails loudly."""

import pytest
from flask import Flask

from backoffice.api.blueprint import bp
from backoffice.api.openapi import openapi_document
from backoffice.api.openapi_paths import UndocumentedRoute, openapi_path


def _api_app() -> Flask:
    app = Flask("openapi-test")
    app.register_blueprint(bp)
    return app


def test_rules_become_openapi_paths():
    assert openapi_path("/api/v1/customers/<lookup:pk>/") == "/api/v1/customers/{pk}/"
    assert (
        openapi_path("/api/v1/channel/<int:channel_id>/customers/<lookup:pk>/")
        == "/api/v1/channel/{channel_id}/customers/{pk}/"
    )


def test_served_document_is_the_url_maps(api):
    served = api.get("/api/v1/schema/").get_json()
    assert served == openapi_document()
    assert "/api/v1/schema/" not in served["paths"] and "/api/v1/docs/" not in served["paths"]


def test_an_undocumented_route_fails_the_document():
    app = _api_app()
    app.add_url_rule("/api/v1/refunds/", endpoint="api.refund_list", view_func=lambda: "")
    with pytest.raises(UndocumentedRoute, match="GET /api/v1/refunds/"):
        openapi_document(app.url_map)


def test_an_undocumented_method_fails_the_document():
    app = _api_app()
    app.add_url_rule(
        "/api/v1/orders/<int:pk>/",
        endpoint="api.order_delete",
        view_func=lambda pk: "",
        methods=["DELETE"],
    )
    with pytest.raises(UndocumentedRoute, match="DELETE /api/v1/orders/<int:pk>/"):
        openapi_document(app.url_map)


def test_an_operation_without_a_route_fails_the_document():
    app = Flask("openapi-test")  # no API routes at all: every documented operation is stale
    with pytest.raises(UndocumentedRoute, match="operations without a route"):
        openapi_document(app.url_map)
