"""The OpenAPI document follows the URL map and the views' declared operations: a route the
document does not describe fails loudly."""

import pytest
from flask import Flask

from backoffice.api import operations
from backoffice.api.blueprint import bp
from backoffice.api.openapi import openapi_document
from backoffice.api.openapi_paths import UndocumentedRoute, openapi_path
from backoffice.customers.declaration import CUSTOMER_FIELDS
from backoffice.fields import Field


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


def test_a_declared_operation_documents_its_route_and_schemas(monkeypatch):
    """A view's own declaration is all the document needs: its path, its parameters, and the
    component schemas made from its field specs."""
    monkeypatch.setattr(operations, "OPERATIONS", dict(operations.OPERATIONS))
    monkeypatch.setattr(operations, "COMPONENTS", dict(operations.COMPONENTS))
    note = operations.Schema(
        "Note",
        {"pk": Field("pk", "integer", read_only=True), "text": Field("text", "char", max_length=9)},
    )
    operations.documented("note_detail", "get", operations.read_operation("One note", note))
    app = _api_app()
    app.add_url_rule("/api/v1/notes/<int:pk>/", endpoint="api.note_detail", view_func=lambda pk: "")

    document = openapi_document(app.url_map)

    item = document["paths"]["/api/v1/notes/{pk}/"]
    assert item["parameters"][0]["name"] == "pk"
    assert item["get"]["summary"] == "One note"
    assert document["components"]["schemas"]["Note"] == {
        "type": "object",
        "properties": {
            "pk": {"type": "integer", "readOnly": True},
            "text": {"type": "string", "maxLength": 9},
        },
        "required": ["pk", "text"],
    }


def test_component_schemas_follow_the_customer_declaration():
    schemas = openapi_document()["components"]["schemas"]
    writable = [name for name, spec in CUSTOMER_FIELDS.items() if not spec.read_only]
    assert list(schemas["Customer"]["properties"]) == list(CUSTOMER_FIELDS)
    assert list(schemas["CustomerPatch"]["properties"]) == writable
    assert "required" not in schemas["CustomerPatch"]
    assert schemas["CustomerInput"]["required"] == [
        name for name in writable if CUSTOMER_FIELDS[name].required
    ]
