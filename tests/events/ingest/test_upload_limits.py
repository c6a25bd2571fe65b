"""Uploads to /v1 are bounded before they are read: the write key is checked first, and a chunked body is
refused with 413 as soon as it passes 500 KB, without reading the rest (a real server, raw sockets)."""

from __future__ import annotations

import base64
import select
import socket

import pytest
from sqlalchemy import Engine

from tests.events.conftest import Server, new_key

TOTAL = 64 << 20  # what the client offers to send; the server must answer long before it is all sent
CHUNK = b"x" * 65536
FRAME = b"%x\r\n" % len(CHUNK) + CHUNK + b"\r\n"


def _head(server: Server, path: str, key: str) -> bytes:
    auth = base64.b64encode(f"{key}:".encode()).decode()
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nAuthorization: Basic {auth}\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()


def _answer(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data or not data.split(b"\r\n\r\n", 1)[1]:
        part = sock.recv(65536)
        if not part:
            break
        data += part
    return data


def _upload(server: Server, path: str, key: str) -> tuple[bytes, int]:
    """Streams a chunked body of up to TOTAL bytes; returns the answer and how much was sent before it."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=20)
    sock.sendall(_head(server, path, key))
    sock.setblocking(False)
    sent = 0
    try:
        while sent < TOTAL:
            readable, writable, _ = select.select([sock], [sock], [], 20)
            if readable:
                break
            if not writable:
                raise AssertionError("the server neither read nor answered for 20 s")
            try:
                sent += sock.send(FRAME)  # a partial send only ever happens when the buffers are full
            except (BrokenPipeError, ConnectionResetError):
                break
        sock.settimeout(20)
        return _answer(sock), sent
    finally:
        sock.close()


@pytest.mark.parametrize("path", ["/v1/batch", "/v1/track", "/v1/identify"])
def test_an_oversized_chunked_upload_is_refused_with_413_long_before_it_ends(
    server: Server, engine: Engine, path: str
) -> None:
    key = new_key(engine, "big-upload")
    answer, sent = _upload(server, path, key)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"the request body is over 500 KB" in answer
    assert sent < TOTAL // 4  # what sat in socket buffers at most, not the 64 MB offered


def test_an_unknown_write_key_is_refused_before_the_body_is_read(server: Server) -> None:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=20)
    try:
        sock.sendall(_head(server, "/v1/batch", "lsk_nobody"))  # headers only: no body is ever sent
        answer = _answer(sock)
    finally:
        sock.close()
    assert answer.startswith(b"HTTP/1.1 401 ")
    assert b"bad_write_key" in answer
