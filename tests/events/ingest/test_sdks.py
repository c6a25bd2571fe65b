"""The real Segment and RudderStack Python SDKs, pointed at a Lodestar server on loopback."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
from rudderstack.analytics.client import Client as RudderClient
from segment.analytics.client import Client as SegmentClient
from sqlalchemy import Engine

from lodestar.db.engine import session_factory
from lodestar.events import service
from lodestar.events.ingest.receiver import FAIL_FIRST_ENV
from tests.events.conftest import Server, eventually, new_key


def _by_id(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(r["message_id"]): r for r in rows}


def test_segment_sdk_calls_of_every_type_land_in_the_event_store_with_their_account(
    server: Server, engine: Engine
) -> None:
    write_key = new_key(engine, "web-app")
    client = SegmentClient(write_key, host=server.url, gzip=True, upload_interval=0.05, max_retries=3)
    client.group(user_id="u1", group_id="acme", traits={"name": "Acme Ltd"}, message_id="sdk-g1")
    client.identify(user_id="u1", context={"traits": {"email": "u1@acme.test"}}, message_id="sdk-i1")
    client.track(user_id="u1", event="Report Exported", properties={"rows": 120}, message_id="sdk-t1")
    client.page(user_id="u1", name="Dashboard", message_id="sdk-p1")
    client.screen(anonymous_id="anon-7", name="Home", message_id="sdk-s1")
    client.track(user_id="u2", event="Signed In", context={"groupId": "globex"}, message_id="sdk-t2")
    client.alias(previous_id="anon-7", user_id="u2", message_id="sdk-a1")
    client.flush()
    rows = _by_id(server.wait_stored(7, "sdk-"))
    assert set(rows) == {"sdk-g1", "sdk-i1", "sdk-t1", "sdk-p1", "sdk-s1", "sdk-t2", "sdk-a1"}
    assert rows["sdk-t1"]["event"] == "Report Exported"
    assert rows["sdk-t1"]["group_id"] == "acme"  # linked by the earlier group call
    assert rows["sdk-t1"]["properties"] == '{"rows":120}'
    assert rows["sdk-p1"]["name"] == "Dashboard" and rows["sdk-p1"]["group_id"] == "acme"
    assert rows["sdk-i1"]["traits"] == '{"email":"u1@acme.test"}'  # identify traits only in context.traits
    assert rows["sdk-s1"]["anonymous_id"] == "anon-7" and rows["sdk-s1"]["user_id"] is None
    assert rows["sdk-t2"]["group_id"] == "globex"  # context.groupId wins
    assert len({r["source"] for r in rows.values()}) == 1
    assert str(next(iter(rows.values()))["source"]).startswith("web-app-")


def test_rudderstack_sdk_sends_gzip_batches_that_are_stored(server: Server, engine: Engine) -> None:
    write_key = new_key(engine, "rudder")
    client = RudderClient(write_key, host=server.url, gzip=True, upload_interval=0.05)
    for i in range(250):
        client.track(user_id=f"user-{i % 7}", event="Feature Used", properties={"i": i}, message_id=f"r{i}")
    client.flush()
    rows = server.wait_stored(250, "r")
    assert len(rows) == 250
    assert {r["message_id"] for r in rows} == {f"r{i}" for i in range(250)}


def test_sdk_retries_after_a_forced_500_and_each_message_is_stored_once(
    make_server: Any, write_key: str
) -> None:
    srv = make_server(**{FAIL_FIRST_ENV: "2"}).start()
    client = SegmentClient(write_key, host=srv.url, gzip=False, upload_interval=0.05, max_retries=5)
    for i in range(30):
        client.track(user_id="u1", event="Clicked", message_id=f"m{i}")
    client.flush()
    rows = srv.wait_stored(30)
    assert Counter(r["message_id"] for r in rows) == Counter({f"m{i}": 1 for i in range(30)})


def test_a_batch_sent_twice_is_stored_once_and_counted_as_deduplicated(
    server: Server, engine: Engine
) -> None:
    write_key = new_key(engine, "dedup")
    batch = {
        "batch": [
            {"type": "track", "userId": "u1", "event": "Saved", "messageId": f"d{i}"} for i in range(10)
        ]
    }
    for _ in range(3):
        answer = httpx.post(f"{server.url}/v1/batch", json=batch, auth=(write_key, ""))
        assert answer.status_code == 200 and answer.json() == {"success": True}
    rows = server.wait_stored(10, "d")
    assert len(rows) == 10
    source = str(rows[0]["source"])

    def totals() -> tuple[int, int, int]:
        with session_factory(engine)() as session:
            row = service.stats(session)["sources"].get(source, {})
        return row.get("accepted", 0), row.get("deduplicated", 0), row.get("stored", 0)

    # The counters reach the database on the bookkeeper's and the mover's next rounds.
    eventually(lambda: totals() == (10, 20, 10))
    assert totals() == (10, 20, 10)


def test_the_same_message_id_from_two_sources_is_kept_for_each(server: Server, engine: Engine) -> None:
    write_key, other = new_key(engine, "web"), new_key(engine, "mobile")
    message = {"userId": "u1", "event": "Opened", "messageId": "shared-1"}
    assert httpx.post(f"{server.url}/v1/track", json=message, auth=(write_key, "")).status_code == 200
    assert httpx.post(f"{server.url}/v1/track", json={**message, "writeKey": other}).status_code == 200
    rows = server.wait_stored(2, "shared-")
    assert sorted(str(r["source"])[:3] for r in rows) == ["mob", "web"]


def test_explicit_null_user_id_with_an_anonymous_id_is_accepted(server: Server, engine: Engine) -> None:
    write_key = new_key(engine, "nulls")
    message = {"userId": None, "anonymousId": "a-1", "event": "Viewed", "messageId": "n1"}
    answer = httpx.post(f"{server.url}/v1/track", json=message, auth=(write_key, ""))
    assert answer.status_code == 200
    rows = server.wait_stored(1, "n1")
    assert rows[0]["anonymous_id"] == "a-1" and rows[0]["user_id"] is None
