"""Bad requests get the stated status, code and a message naming the problem; nothing partial lands."""

from __future__ import annotations

import gzip

import httpx
import pytest
from sqlalchemy import Engine

from lodestar.db.engine import session_factory
from lodestar.events import service
from tests.events.conftest import Server, eventually, new_key

BIG = "x" * (33 * 1024)


def _track(i: int, **extra: object) -> dict[str, object]:
    return {"type": "track", "userId": "u1", "event": "E", "messageId": f"bad-{i}", **extra}


CASES = [
    ("not json", "/v1/batch", b"{nope", {}, 400, "bad_json", "not valid JSON"),
    ("track without event", "/v1/track", b'{"userId":"u1"}', {}, 400, "invalid_message", "message.event"),
    (
        "no user",
        "/v1/track",
        b'{"userId":null,"anonymousId":null,"event":"E"}',
        {},
        400,
        "invalid_message",
        "userId or anonymousId is required",
    ),
    ("group without groupId", "/v1/group", b'{"userId":"u1"}', {}, 400, "invalid_message", "message.groupId"),
    (
        "alias without previousId",
        "/v1/alias",
        b'{"userId":"u1"}',
        {},
        400,
        "invalid_message",
        "message.previousId",
    ),
    (
        "unknown type in batch",
        "/v1/batch",
        b'{"batch":[{"type":"nope","userId":"u"}]}',
        {},
        400,
        "invalid_message",
        "batch[0].type",
    ),
    (
        "bad timestamp",
        "/v1/track",
        b'{"userId":"u","event":"E","timestamp":"yesterday"}',
        {},
        400,
        "invalid_message",
        "message.timestamp",
    ),
    ("bad gzip", "/v1/batch", b"not gzip", {"Content-Encoding": "gzip"}, 400, "bad_encoding", "gzip"),
]


@pytest.mark.parametrize(
    ("path", "body", "headers", "status", "code", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_malformed_requests_are_refused_naming_the_problem(
    server: Server,
    engine: Engine,
    path: str,
    body: bytes,
    headers: dict[str, str],
    status: int,
    code: str,
    words: str,
) -> None:
    key = new_key(engine, "bad")
    answer = httpx.post(f"{server.url}{path}", content=body, headers=headers, auth=(key, ""))
    assert answer.status_code == status
    assert answer.json()["code"] == code
    assert words in answer.json()["message"]


def test_an_unknown_or_revoked_or_missing_write_key_gets_401(server: Server, engine: Engine) -> None:
    with session_factory(engine).begin() as session:
        key, secret = service.create_key(session, "revoked-src")
        service.revoke_key(session, key.name)
    message = {"userId": "u1", "event": "E"}
    for auth in (("lsk_nobody", ""), (secret, "")):
        answer = httpx.post(f"{server.url}/v1/track", json=message, auth=auth)
        assert (answer.status_code, answer.json()["code"]) == (401, "bad_write_key")
    answer = httpx.post(f"{server.url}/v1/track", json=message)
    assert (answer.status_code, answer.json()["code"]) == (401, "no_write_key")


def test_a_message_over_32_kb_and_a_batch_over_500_kb_get_413(server: Server, engine: Engine) -> None:
    key = new_key(engine, "big")
    one = httpx.post(f"{server.url}/v1/track", json=_track(1, properties={"blob": BIG}), auth=(key, ""))
    assert one.status_code == 413 and "32 KB" in one.json()["message"]
    many = {"batch": [_track(i, properties={"blob": "y" * 20_000}) for i in range(30)]}
    answer = httpx.post(f"{server.url}/v1/batch", json=many, auth=(key, ""))
    assert answer.status_code == 413 and "500 KB" in answer.json()["message"]
    zipped = gzip.compress(httpx.Request("POST", "/", json=many).content)
    answer = httpx.post(
        f"{server.url}/v1/batch", content=zipped, headers={"Content-Encoding": "gzip"}, auth=(key, "")
    )
    assert answer.status_code == 413


def test_a_batch_with_one_bad_message_stores_none_of_it(server: Server, engine: Engine) -> None:
    key = new_key(engine, "partial")
    batch = {"batch": [_track(10), {"type": "track", "userId": "u1", "messageId": "bad-11"}, _track(12)]}
    answer = httpx.post(f"{server.url}/v1/batch", json=batch, auth=(key, ""))
    assert answer.status_code == 400 and answer.json()["message"].startswith("batch[1].event")
    ok = httpx.post(
        f"{server.url}/v1/track", json={"userId": "u", "event": "E", "messageId": "bad-ok"}, auth=(key, "")
    )
    assert ok.status_code == 200
    assert [r["message_id"] for r in server.wait_stored(1, "bad-")] == ["bad-ok"]


def test_rejections_are_kept_with_their_reason_for_the_admin(server: Server, engine: Engine) -> None:
    key = new_key(engine, "reasons")
    httpx.post(f"{server.url}/v1/track", json={"userId": "u1", "messageId": "why-1"}, auth=(key, ""))

    def reasons() -> list[str]:
        with session_factory(engine)() as session:
            return [r.reason for r in service.ingestion_status(session, since=service.utcnow())["rejections"]]

    wanted = "message.event: is required for track messages"
    eventually(lambda: wanted in reasons())
    assert wanted in reasons()
