"""Ordinary bad input gets a 404 or a 422 naming the field, never a 500 (on SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import zipfile

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook

from tests.api_fixtures import Team


def _fields(response) -> set[str]:
    return {p["field"] for p in response.json().get("problems", [])}


@pytest.mark.parametrize(
    "path",
    ["/api/v1/contracts/9223372036854775808", "/api/v1/accounts/2147483648", "/api/v1/contacts/99" * 12],
)
def test_an_id_past_the_databases_range_is_not_found(client: TestClient, team: Team, path: str) -> None:
    assert client.get(path, headers=team.admin.headers).status_code == 404
    assert client.patch(path, json={"name": "x"}, headers=team.admin.headers).status_code == 404


def test_an_out_of_range_id_in_a_body_or_query_is_named(client: TestClient, team: Team) -> None:
    answer = client.post(
        "/api/v1/contacts", json={"account_id": 2**63, "name": "A"}, headers=team.admin.headers
    )
    assert answer.status_code == 422 and _fields(answer) == {"account_id"}
    listed = client.get("/api/v1/accounts?owner_id=9223372036854775808", headers=team.admin.headers)
    assert listed.status_code == 422 and _fields(listed) == {"owner_id"}


@pytest.mark.parametrize("field", ["traits", "tier_pinned", "tags", "currency", "departments", "scenarios"])
def test_an_explicit_null_for_a_not_null_account_field_is_named(
    client: TestClient, team: Team, field: str
) -> None:
    account = client.post("/api/v1/accounts", json={"name": "Acme"}, headers=team.admin.headers).json()
    answer = client.patch(f"/api/v1/accounts/{account['id']}", json={field: None}, headers=team.admin.headers)
    assert answer.status_code == 422, answer.text
    assert _fields(answer) == {field}


@pytest.mark.parametrize("field", ["active", "role", "name"])
def test_an_explicit_null_for_a_not_null_contact_field_is_named(
    client: TestClient, team: Team, field: str
) -> None:
    account = client.post("/api/v1/accounts", json={"name": "Acme"}, headers=team.admin.headers).json()
    contact = client.post(
        "/api/v1/contacts", json={"account_id": account["id"], "name": "Lin"}, headers=team.admin.headers
    ).json()
    answer = client.patch(f"/api/v1/contacts/{contact['id']}", json={field: None}, headers=team.admin.headers)
    assert answer.status_code == 422, answer.text
    assert _fields(answer) == {field}


def test_an_empty_crm_id_means_none(client: TestClient, team: Team) -> None:
    for name in ("One", "Two"):
        answer = client.post(
            "/api/v1/accounts", json={"name": name, "crm_id": ""}, headers=team.admin.headers
        )
        assert answer.status_code == 201, answer.text
        assert answer.json()["crm_id"] is None


def test_a_nul_character_anywhere_is_named(client: TestClient, team: Team) -> None:
    created = client.post("/api/v1/accounts", json={"name": "Ac\x00me"}, headers=team.admin.headers)
    assert created.status_code == 422 and _fields(created) == {"name"}
    traits = client.post(
        "/api/v1/accounts", json={"name": "Acme", "traits": {"note": "a\x00b"}}, headers=team.admin.headers
    )
    assert traits.status_code == 422 and _fields(traits) == {"traits.note"}
    searched = client.get("/api/v1/accounts", params={"q": "a\x00"}, headers=team.admin.headers)
    assert searched.status_code == 422 and _fields(searched) == {"q"}


def _corrupt_workbook() -> bytes:
    book = Workbook()
    book.active.append(["crm_id", "name"])
    book.active.append(["C-1", "Acme"])
    good = io.BytesIO()
    book.save(good)
    out = io.BytesIO()
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2] + b"<row><c r=unquoted"  # malformed XML
            dst.writestr(item, data)
    return out.getvalue()


def test_a_corrupt_workbook_is_a_clear_import_error(client: TestClient, team: Team) -> None:
    files = {"file": ("a.xlsx", _corrupt_workbook(), "application/octet-stream")}
    answer = client.post("/api/v1/imports/accounts", files=files, headers=team.admin.headers)
    assert answer.status_code == 422, answer.text
    assert "cannot read the workbook" in answer.json()["message"]
