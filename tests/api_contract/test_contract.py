"""The JSON API contract: documented error answers, complete Allow headers, strict ids and counts."""

from __future__ import annotations

import httpx
import pytest

from tests.api_contract.conftest import World

ERRORS = {"400", "401", "403", "404", "409", "422"}


def test_every_api_operation_documents_the_shared_error_answers_and_bearer_auth(world: World) -> None:
    doc = httpx.get(f"{world.url}/openapi.json").json()
    body = doc["components"]["schemas"]["ErrorBody"]
    assert body["required"] == ["code", "message"]
    assert set(body["properties"]) == {"code", "message", "problems"}
    assert doc["components"]["schemas"]["ProblemBody"]["required"] == ["field", "message"]
    assert "HTTPValidationError" not in doc["components"]["schemas"]  # never sent
    api = [
        (path, op) for path, ops in doc["paths"].items() if path.startswith("/api/") for op in ops.values()
    ]
    assert len(api) >= 38
    for path, op in api:
        assert set(op["responses"]) >= ERRORS, path
        schema = op["responses"]["404"]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorBody"}, path
        assert op["security"] == [{"bearerToken": []}], path


def test_the_segment_endpoints_are_described_with_their_bodies_and_write_key(world: World) -> None:
    doc = httpx.get(f"{world.url}/openapi.json").json()
    assert doc["components"]["securitySchemes"]["writeKey"] == {
        "type": "http",
        "scheme": "basic",
        "description": "Segment style: a write key as the Basic username, the password empty.",
    }
    for call in ("batch", "identify", "group", "track", "page", "screen", "alias"):
        op = doc["paths"][f"/v1/{call}"]["post"]
        assert op["security"] == [{"writeKey": []}]
        assert op["requestBody"]["content"]["application/json"]["schema"]["type"] == "object"
        assert {"200", "400", "401", "413", "429"} <= set(op["responses"])
    batch = doc["paths"]["/v1/batch"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert batch["required"] == ["batch"]


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/api/v1/accounts/{account}", "GET, PATCH"),
        ("PUT", "/api/v1/accounts", "GET, POST"),
        ("DELETE", "/api/v1/contracts/{contract}", "GET, PATCH"),
        ("PUT", "/api/v1/tokens", "GET, POST"),
        ("PUT", "/accounts/new", "GET, POST"),  # a page too
    ],
)
def test_method_not_allowed_names_every_allowed_method(
    world: World, method: str, path: str, allow: str
) -> None:
    url = world.url + path.format(account=world.mine.account, contract=world.mine.contract)
    response = httpx.request(method, url, headers=world.headers["admin"])
    assert (response.status_code, response.headers["allow"]) == (405, allow)


@pytest.mark.parametrize("junk", ["%0D", "%20", "%0A", ".0", "_0", "+"])
def test_a_path_id_with_anything_but_digits_is_not_found(world: World, junk: str) -> None:
    account = world.mine.account
    path = f"/api/v1/accounts/+{account}" if junk == "+" else f"/api/v1/accounts/{account}{junk}"
    assert httpx.get(world.url + path, headers=world.headers["csm"]).status_code == 404
    assert (
        httpx.get(f"{world.url}/api/v1/accounts/{account}", headers=world.headers["csm"]).status_code == 200
    )


@pytest.mark.parametrize(
    ("path", "field", "value"),
    [
        ("/api/v1/accounts/{account}/touches", "duration_minutes", False),
        ("/api/v1/accounts/{account}/touches", "duration_minutes", True),
    ],
)
def test_a_boolean_is_not_a_count(world: World, path: str, field: str, value: bool) -> None:
    body = {"kind": "call", "occurred_at": "2026-03-02T10:00:00+00:00", field: value}
    url = world.url + path.format(account=world.mine.account)
    response = httpx.post(url, json=body, headers=world.headers["csm"])
    assert response.status_code == 422
    assert response.json()["problems"] == [
        {"field": field, "message": "must be a whole number, not true or false"}
    ]


def test_booleans_are_refused_as_counts_and_ids_in_every_domain(world: World) -> None:
    admin = world.headers["admin"]
    employees = httpx.patch(
        f"{world.url}/api/v1/accounts/{world.mine.account}", json={"employees": True}, headers=admin
    )
    seats = httpx.patch(
        f"{world.url}/api/v1/contracts/{world.mine.contract}", json={"seats": False}, headers=admin
    )
    owner = httpx.patch(
        f"{world.url}/api/v1/accounts/{world.mine.account}", json={"owner_id": True}, headers=admin
    )
    assert [r.status_code for r in (employees, seats, owner)] == [422, 422, 422]
    assert [r.json()["problems"][0]["field"] for r in (employees, seats, owner)] == [
        "employees",
        "seats",
        "owner_id",
    ]


@pytest.mark.parametrize("value", ["-8703061920730134012231680", "99999999999999999999999", "-2147483648"])
def test_a_query_id_or_integer_out_of_range_is_refused_naming_it(world: World, value: str) -> None:
    # Found by schemathesis: a signed huge account_id reached the database (OverflowError, a 500).
    response = httpx.get(f"{world.url}/api/v1/tasks?account_id={value}", headers=world.headers["csm"])
    assert (response.status_code, response.json()["problems"][0]["field"]) == (422, "account_id")


def test_a_query_integer_past_64_bits_is_refused_naming_it(world: World) -> None:
    response = httpx.get(
        f"{world.url}/api/v1/tasks?offset=99999999999999999999", headers=world.headers["csm"]
    )
    assert response.status_code == 422
    assert response.json()["problems"] == [{"field": "offset", "message": "is out of range"}]
