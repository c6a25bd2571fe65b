"""The official Node SDK (@segment/analytics-node, a devDependency in package.json) against a live server."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.events.conftest import Server, new_key

ROOT = Path(__file__).resolve().parents[3]
NODE = shutil.which("node")

SCRIPT = """
const { Analytics } = require('@segment/analytics-node');
const analytics = new Analytics({ writeKey: process.env.KEY, host: process.env.HOST, flushAt: 20 });
analytics.on('error', (err) => { console.error(err); process.exitCode = 1; });
analytics.group({ userId: 'n-user', groupId: 'node-co', traits: { name: 'Node Co' }, messageId: 'node-g' });
for (let i = 0; i < 40; i++) {
  analytics.track({ userId: 'n-user', event: 'Node Event', properties: { i }, messageId: `node-t${i}` });
}
analytics.identify({ userId: 'n-user', traits: { plan: 'pro' }, messageId: 'node-i' });
analytics.closeAndFlush({ timeout: 10000 }).then(() => console.log('flushed'));
"""


@pytest.mark.skipif(
    NODE is None and not os.environ.get("CI"), reason="node is not installed (CI requires it)"
)
def test_the_node_sdk_sends_batches_that_are_stored_with_their_account(
    server: Server, engine: Engine
) -> None:
    assert NODE is not None, "CI must have node"
    assert (ROOT / "node_modules/@segment/analytics-node").is_dir(), "run scripts/vendor-assets.sh (npm ci)"
    key = new_key(engine, "node")
    done = subprocess.run(
        [NODE, "-e", SCRIPT],
        cwd=ROOT,
        env={**os.environ, "KEY": key, "HOST": server.url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout.strip()) == (0, "flushed"), done.stderr
    rows = {str(r["message_id"]): r for r in server.wait_stored(42, "node-")}
    assert set(rows) == {"node-g", "node-i", *(f"node-t{i}" for i in range(40))}
    assert rows["node-t7"]["event"] == "Node Event" and rows["node-t7"]["properties"] == '{"i":7}'
    assert rows["node-t7"]["group_id"] == "node-co"
    assert rows["node-i"]["traits"] == '{"plan":"pro"}'
    assert str(rows["node-g"]["source"]).startswith("node-")
