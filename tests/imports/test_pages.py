"""The upload page flow: upload, map columns, preview problems or counts, confirm; CSRF on every POST."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from lodestar.accounts.models import Account
from lodestar.app import create_app
from lodestar.auth.models import Role
from lodestar.imports.models import ImportMapping
from lodestar.settings import load_settings
from tests.factories import PASSWORD, make_user
from tests.imports.conftest import count


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def _hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found
    return found.group(1).replace("&#34;", '"').replace("&quot;", '"').replace("&amp;", "&")


def _client(db, db_url, tmp_path, role: Role) -> TestClient:
    user = make_user(db, role)
    db.commit()
    client = TestClient(create_app(load_settings(database_url=db_url, data_dir=tmp_path)))
    token = _csrf(client.get("/login").text)
    client.post("/login", data={"csrf_token": token, "email": user.email, "password": PASSWORD})
    return client


CSV = '编号,名称,员工\nC-1,Acme,"1,000"\nC-2,Beta,20\n'


def test_an_admin_uploads_maps_previews_and_imports_a_file(db, db_url, tmp_path):
    client = _client(db, db_url, tmp_path, Role.ADMIN)
    token = _csrf(client.get("/imports").text)
    files = {"file": ("accounts.csv", CSV.encode("gbk"), "text/csv")}
    step = client.post("/imports/upload", data={"csrf_token": token, "kind": "accounts"}, files=files)
    assert step.status_code == 200
    assert "编号" in step.text and "C-1 · C-2" in step.text  # the columns with sample values
    form = {
        "csrf_token": token,
        "token": _hidden(step.text, "token"),
        "spec": _hidden(step.text, "spec"),
        "field.crm_id": "编号",
        "field.name": "名称",
        "field.employees": "员工",
    }
    preview = client.post("/imports/preview", data=form)
    assert preview.status_code == 200, preview.text[-3000:]
    assert "2 rows: 2 to create, 0 to update, 0 unchanged." in preview.text
    assert count(db, Account) == 0
    confirm = {
        "csrf_token": token,
        "token": form["token"],
        "spec": _hidden(preview.text, "spec"),
        "save_as": "crm",
    }
    done = client.post("/imports/confirm", data=confirm)
    assert done.status_code == 200 and "2 created" in done.text
    db.expire_all()
    assert sorted(db.scalars(select(Account.employees))) == [20, 1000]
    assert db.scalars(select(ImportMapping.name)).all() == ["crm"]
    assert '<option value="crm">' in client.get("/imports").text


def test_the_preview_lists_bad_cells_and_offers_no_import(db, db_url, tmp_path):
    client = _client(db, db_url, tmp_path, Role.ADMIN)
    token = _csrf(client.get("/imports").text)
    files = {"file": ("a.csv", b"crm_id,name,employees\nC-1,Acme,many\n", "text/csv")}
    step = client.post("/imports/upload", data={"csrf_token": token, "kind": "accounts"}, files=files)
    form = {"csrf_token": token, "token": _hidden(step.text, "token"), "spec": _hidden(step.text, "spec"),
            "field.crm_id": "crm_id", "field.name": "name", "field.employees": "employees"}  # fmt: skip
    preview = client.post("/imports/preview", data=form)
    assert preview.status_code == 422
    assert (
        "<td>2</td><td><code>employees</code></td><td>many</td><td>is not a whole number</td>" in preview.text
    )
    assert "/imports/confirm" not in preview.text


def test_posting_without_the_csrf_token_is_refused(db, db_url, tmp_path):
    client = _client(db, db_url, tmp_path, Role.ADMIN)
    files = {"file": ("a.csv", b"crm_id,name\nC-1,Acme\n", "text/csv")}
    assert client.post("/imports/upload", data={"kind": "accounts"}, files=files).status_code == 403


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CSM, Role.VIEWER])
def test_only_admins_may_import(db, db_url, tmp_path, role):
    assert _client(db, db_url, tmp_path, role).get("/imports").status_code == 403
