"""The snapshot runs page: status, counts and duration of each run, for admins only."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.snapshots.conftest import Snapped, sign_in, visible_text


def test_admins_see_snapshot_runs_with_status_counts_and_duration(
    snapped: Snapped, client: TestClient
) -> None:
    sign_in(client, "admin")
    text = visible_text(client.get("/settings/runs").text)
    assert re.search(r"1 run 2026-03-17 … 2026-03-31 \(3\) Succeeded \S+ \S+ UTC\+8 [\d.]+ s 3 9 \d+ ", text)
    assert "health v0" in text and "lifecycle v0" in text


def test_only_admins_see_snapshot_runs(snapped: Snapped, client: TestClient) -> None:
    sign_in(client, "manager")
    assert client.get("/settings/runs").status_code == 403
