"""The OpenAPI document and the self-hosted Swagger UI."""

from __future__ import annotations

import re

from tests.api_fixtures import client

__all__ = ["client"]

CORE_ROUTES = {
    "/api/v1/me": ["get"],
    "/api/v1/tokens": ["get", "post"],
    "/api/v1/users": ["get", "post"],
    "/api/v1/users/{user_id}": ["get", "patch"],
    "/api/v1/accounts": ["get", "post"],
    "/api/v1/accounts/{account_id}": ["get", "patch"],
    "/api/v1/accounts/{account_id}/contacts": ["get"],
    "/api/v1/accounts/{account_id}/contracts": ["get"],
    "/api/v1/contacts": ["post"],
    "/api/v1/contacts/{contact_id}": ["get", "patch"],
    "/api/v1/contracts": ["post"],
    "/api/v1/contracts/{contract_id}": ["get", "patch"],
}


def test_the_openapi_document_lists_every_core_route_with_its_methods(client):
    doc = client.get("/openapi.json").json()
    routes = {path: sorted(ops) for path, ops in doc["paths"].items()}
    # Other domains add their own routes; these are the ones this module's tests own.
    assert {path: routes.get(path) for path in CORE_ROUTES} == CORE_ROUTES


def test_every_core_operation_has_a_tag_a_summary_and_a_typed_success_answer(client):
    doc = client.get("/openapi.json").json()
    for path in CORE_ROUTES:
        for method, op in doc["paths"][path].items():
            assert op["tags"] and op["tags"][0] in {"me", "users", "accounts", "contacts", "contracts"}, path
            assert op["summary"], (method, path)
            ok = op["responses"].get("201") or op["responses"]["200"]
            assert "schema" in ok["content"]["application/json"], (method, path)


def test_the_account_list_documents_its_filters_as_query_parameters(client):
    doc = client.get("/openapi.json").json()
    params = {p["name"] for p in doc["paths"]["/api/v1/accounts"]["get"]["parameters"]}
    assert params == {
        "q",
        "owner_id",
        "industry",
        "tier",
        "plan",
        "status",
        "grade",
        "stage",
        "renewal_window",
        "stars",
        "churn_min",
        "closed",
        "sort",
        "desc",
        "page",
        "size",
    }


def test_the_docs_page_loads_swagger_ui_from_our_own_static_files(client):
    res = client.get("/docs")
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("text/html")
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in res.text
    assert "/static/vendor/swagger-ui/swagger-ui.css" in res.text
    assert re.findall(r"(?:https?:)?//[\w.-]+", res.text) == []  # no CDN or other external host
