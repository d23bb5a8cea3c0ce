"""The admin API's guard: with an admin token set, ``/_localcloud/…`` answers only requests that
carry it as ``Authorization: Bearer <token>`` (401 otherwise). ``/_localcloud/health`` stays open, so
readiness probes need no secret; it tells nothing but the time scale.

A pure ASGI middleware in front of every router, so the central platform's admin routes
(``/_localcloud/central/…``) and any added later are covered too. Settings refuse to listen beyond
loopback without a token (``settings.LocalCloudSettings``).
"""

from __future__ import annotations

import hmac
import json

from starlette.types import ASGIApp, Receive, Scope, Send

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
        if (
            self.expected is None
            or scope["type"] != "http"
            or not (scope["path"] + "/").startswith(ADMIN_PREFIX)
            or scope["path"].rstrip("/") in OPEN_PATHS
            or self._allowed(scope)
        ):
            await self.app(scope, receive, send)
            return
        body = json.dumps({"error_msg": "the admin API needs the admin token: Authorization: Bearer <token>"}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"www-authenticate", b'Bearer realm="localcloud-admin"'),
        ]
        await send({"type": "http.response.start", "status": 401, "headers": headers})
        await send({"type": "http.response.body", "body": body})
