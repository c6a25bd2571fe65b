"""Caps the body of upload routes while it streams in, so an oversized upload is never read in full."""

from __future__ import annotations

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UPLOAD_PATHS = ("/api/v1/imports/", "/imports/upload")


class UploadLimit:
    """Answers 413 once an upload route's body passes `max_bytes` (declared or counted)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self) -> HTTPException:
        megabytes = self.max_bytes // (1024 * 1024)
        return HTTPException(413, f"the upload is larger than {megabytes} MB (LODESTAR_MAX_UPLOAD_MB)")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(UPLOAD_PATHS):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _answer_413(send, self._too_large().detail)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:  # chunked or lying about its length: stop reading here
                    raise self._too_large()
            return message

        await self.app(scope, counted, send)


async def _answer_413(send: Send, detail: str) -> None:
    body = ('{"code": "http_error", "message": "' + detail + '"}').encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
