"""Chaos: a full disk (a small tmpfs under the data dir) gets 503, never 200, and ingestion resumes when
space returns, losing nothing acknowledged."""

from __future__ import annotations

import errno
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from lodestar.events.ingest import quarantine
from tests.events.conftest import Server


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 24 MB tmpfs mounted for the test (needs root or CAP_SYS_ADMIN; skipped otherwise)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs to fill (needs root or CAP_SYS_ADMIN): {done.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path) -> Path:
    """Writes a file until the file system is full; returns it."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as fh:
        for size in (1 << 20, 4096, 1):
            try:
                while True:
                    fh.write(b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    return filler


def _batch(prefix: str) -> dict[str, object]:
    # Bigger than a page, so the append needs fresh blocks however the log file's last page is filled.
    return {
        "batch": [
            {
                "type": "track",
                "userId": "u",
                "event": "E",
                "messageId": f"{prefix}-{i}",
                "properties": {"i": i},
            }
            for i in range(80)
        ]
    }


def test_a_full_disk_answers_503_and_ingestion_resumes_when_space_returns(
    small_disk: Path, db_url: str, write_key: str
) -> None:
    srv = Server(db_url, small_disk, {}).start()
    try:
        url, auth = f"{srv.url}/v1/batch", (write_key, "")
        assert httpx.post(url, json=_batch("before"), auth=auth).status_code == 200
        assert len(srv.wait_stored(80, "before-")) == 80
        filler = _fill(small_disk)
        full = httpx.post(url, json=_batch("full"), auth=auth)
        assert full.status_code == 503
        assert full.json()["code"] == "storage_unavailable"
        assert "No space left on device" in full.json()["message"]
        assert full.headers["Retry-After"] == "5"
        filler.unlink()
        assert httpx.post(url, json=_batch("after"), auth=auth).status_code == 200
        assert httpx.post(url, json=_batch("full"), auth=auth).status_code == 200  # the SDK's retry
        stored = srv.wait_stored(240, "")
    finally:
        srv.stop()
    ids = sorted(str(r["message_id"]) for r in stored)
    assert len(ids) == len(set(ids)) == 240
    assert {i.split("-")[0] for i in ids} == {"before", "full", "after"}
    assert quarantine.summary(small_disk / "dead-letter").count == 0  # a full disk is no message's fault
