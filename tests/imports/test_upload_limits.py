"""Uploads are bounded: a size cap while streaming, a zip bomb refused early, parsing off the event loop."""

from __future__ import annotations

import asyncio
import io
import time
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lodestar.app import create_app
from lodestar.imports import readers
from lodestar.settings import load_settings
from tests.api_fixtures import Team


def _zip_bomb(unpacked_mb: int = 200) -> bytes:
    """A workbook whose one sheet is `unpacked_mb` MB of XML, compressed to well under a megabyte."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            chunk = b"<row><c><v>1</v></c></row>" * 40_000
            for _ in range(unpacked_mb * 1024 * 1024 // len(chunk)):
                sheet.write(chunk)
    return out.getvalue()


def test_a_zip_bomb_workbook_is_refused_before_it_is_unpacked(client: TestClient, team: Team) -> None:
    bomb = _zip_bomb()
    assert len(bomb) < 1024 * 1024
    started = time.perf_counter()
    files = {"file": ("bomb.xlsx", bomb, "application/octet-stream")}
    answer = client.post("/api/v1/imports/accounts", files=files, headers=team.admin.headers)
    assert answer.status_code == 422, answer.text
    assert "unpacks to more than" in answer.json()["message"]
    assert time.perf_counter() - started < 5


def test_an_upload_over_the_limit_is_refused_with_413(db_url: str, tmp_path: Path, team: Team) -> None:
    app = create_app(load_settings(database_url=db_url, data_dir=tmp_path, max_upload_mb=1))
    client = TestClient(app)
    big = b"crm_id,name\n" + b"C-1,Acme\n" * 200_000
    files = {"file": ("big.csv", big, "text/csv")}
    answer = client.post("/api/v1/imports/accounts", files=files, headers=team.admin.headers)
    assert answer.status_code == 413
    assert "LODESTAR_MAX_UPLOAD_MB" in answer.json()["message"]


def test_too_many_rows_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "MAX_ROWS", 3)
    with pytest.raises(readers.InvalidInput, match="more than 3 rows"):
        readers.read_table(b"a\n1\n2\n3\n4\n", "f.csv")


def test_imports_are_parsed_off_the_event_loop(
    client: TestClient, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    real = readers.read_table

    def spy(*args, **kw):
        try:
            asyncio.get_running_loop()
            seen.append(True)
        except RuntimeError:
            seen.append(False)
        return real(*args, **kw)

    monkeypatch.setattr(readers, "read_table", spy)
    files = {"file": ("a.csv", b"crm_id,name\nC-1,Acme\n", "text/csv")}
    answer = client.post("/api/v1/imports/accounts", files=files, headers=team.admin.headers)
    assert answer.status_code == 200, answer.text
    assert seen == [False]
