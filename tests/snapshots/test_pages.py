"""The snapshot runs page: status, counts and duration of each run, for admins only."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.snapshots.conftest import Snapped, csrf_of, sign_in, visible_text


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


def test_each_run_shows_its_phases_with_seconds_and_rows_written_in_both_languages(
    snapped: Snapped, client: TestClient
) -> None:
    sign_in(client, "admin")
    english = client.get("/settings/runs").text
    phases = re.findall(r'data-phase="(\w+)"><td>([^<]+)</td><td class="text-end">([\d.]+)</td>', english)
    assert [p[0] for p in phases][:5] == ["commercials", "unchanged", "renewal_links", "tiers", "inputs"]
    labels = dict((name, label) for name, label, _ in phases)
    assert labels["metrics"] == "Metrics" and labels["write_back"] == "Account values"
    assert [name for name, label in labels.items() if label == name] == []  # every phase has a label
    # The three-date backfill stored 9 history rows and changed the values of its 3 accounts.
    assert re.search(r'data-phase="history">.*?</td><td class="text-end">9</td>', english)
    assert re.search(r'data-phase="write_back">.*?</td><td class="text-end">3</td>', english)
    client.post("/language", data={"locale": "zh_CN", "csrf_token": csrf_of(english)})
    chinese = visible_text(client.get("/settings/runs").text)
    client.post("/language", data={"locale": "en", "csrf_token": csrf_of(english)})
    assert all(zh in chinese for zh in ("指标", "客户字段回写", "写入行数", "最慢：", "提交"))
