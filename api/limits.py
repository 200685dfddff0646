"""Request limits applied before any route runs: a body larger than any legitimate request is
refused with 413 without being read into memory."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledger.service.tenders import MAX_ENVELOPE

# The largest legitimate body is a sealed bid of MAX_ENVELOPE bytes sent as base64 (4/3 of it)
# with its signed commitment; a megabyte on top covers the JSON around it.
MAX_BODY_BYTES = MAX_ENVELOPE * 4 // 3 + 1024 * 1024


class _TooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: 413 for a declared or streamed body over `max_bytes`."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(send)
            return
        received = 0
        over = False  # the streamed body went over the limit
        refused = False  # our 413 has been sent

        async def limited() -> Message:
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    over = True
                    raise _TooLarge
            return message

        async def answer(message: Message) -> None:
            nonlocal refused
            if not over:
                await send(message)
            elif not refused:  # the app answered the aborted read (e.g. 400): answer 413 instead
                refused = True
                await self._refuse(send)

        try:
            await self.app(scope, limited, answer)
        except _TooLarge:
            if not refused:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body: dict[str, Any] = {"error": "PayloadTooLarge",
                                "message": f"the request body is over {self.max_bytes:,} bytes"}
        raw = json.dumps(body).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]})
        await send({"type": "http.response.body", "body": raw})
