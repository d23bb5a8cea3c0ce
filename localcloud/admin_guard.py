"""The admin API's guard: with an admin token set, ``/_localcloud/…`` answers only requests that
carry it as ``Authorization: Bearer <token>`` (401 otherwise). ``/_localcloud/health`` stays open, so
readiness probes need no secret; it tells nothing but the time scale.

A pure ASGI middleware in front of every router, so the central platform's admin routes
(``/_localcloud/central/…``) and any added later are covered too. Settings refuse to listen beyond
loopback without a token (``settings.LocalCloudSettings``).

It also reads an admin request's JSON body as the platforms' readers do (``jsonbody.loads``): what
FastAPI's own parser lets through (an unpaired surrogate, ``NaN``, 100 levels of nesting) is a 400
here rather than a 500 when an answer echoes it.
"""

from __future__ import annotations

import hmac
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aicompute.localcloud import jsonbody

ADMIN_PREFIX = "/_localcloud/"
OPEN_PATHS = frozenset({"/_localcloud/health"})


class AdminGuard:
    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode() if token else None

    def _allowed(self, scope: Scope) -> bool:
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                return hmac.compare_digest(value, self.expected or b"")
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not (scope["path"] + "/").startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        if self.expected is not None and scope["path"].rstrip("/") not in OPEN_PATHS and not self._allowed(scope):
            denied = "the admin API needs the admin token: Authorization: Bearer <token>"
            await _answer(send, 401, denied, [(b"www-authenticate", b'Bearer realm="localcloud-admin"')])
            return
        messages: list[Message] = []
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
        raw = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")
        if raw.strip():
            try:
                jsonbody.loads(raw)
            except jsonbody.BodyError as error:
                await _answer(send, 400, str(error))
                return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


async def _answer(send: Send, status: int, message: str, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"error_msg": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": [*headers, *(extra or [])]})
    await send({"type": "http.response.body", "body": body})
