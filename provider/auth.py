"""Authentication for httpx: AK/SK signatures, IAM tokens, OAuth2 bearer tokens.

Each is an ``httpx.Auth`` that holds its credential only for the life of a client: clients are
built inside each provider call, never stored on a provider object (which is pickled into state).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Generator
from urllib.parse import parse_qsl

import httpx

from aicompute.provider import signing


class AkSkAuth(httpx.Auth):
    """Signs each request with SDK-HMAC-SHA256 (and ``X-Security-Token`` for temporary keys)."""

    requires_request_body = True

    def __init__(self, access_key: str, secret_key: str, security_token: str | None = None) -> None:
        self._access_key = access_key
        self._secret_key = secret_key
        self._security_token = security_token

    def __repr__(self) -> str:
        return f"AkSkAuth(access_key={self._access_key[:4]}…)"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.sign(request)
        yield request

    def sign(self, request: httpx.Request) -> None:
        if self._security_token:
            request.headers["X-Security-Token"] = self._security_token
        request.headers.pop(signing.DATE_HEADER, None)
        request.headers.pop("Authorization", None)
        headers = {name: value for name, value in request.headers.items() if name.lower() not in _UNSIGNED}
        if not any(name.lower() == "host" for name in headers):
            headers["Host"] = request.url.netloc.decode("ascii")
        query = parse_qsl(request.url.query.decode("ascii"), keep_blank_values=True)
        added = signing.sign(
            self._access_key,
            self._secret_key,
            request.method,
            raw_path(request.url),
            query,
            headers,
            request.content,
        )
        request.headers.update(added)


def raw_path(url: httpx.URL) -> str:
    """The path as sent, still percent-encoded: the canonical URI decodes it exactly once."""
    return url.raw_path.split(b"?", 1)[0].decode("ascii")


# Headers httpx adds that a proxy or the transport may rewrite; the official SDK does not sign them.
_UNSIGNED = frozenset({"accept-encoding", "connection", "user-agent", "content-length", "accept"})


class StaticTokenAuth(httpx.Auth):
    """Sends a token the user already has, e.g. ``X-Auth-Token``."""

    def __init__(self, token: str, header: str = "X-Auth-Token", prefix: str = "") -> None:
        self._token = token
        self._header = header
        self._prefix = prefix

    def __repr__(self) -> str:
        return f"StaticTokenAuth(header={self._header})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self._header] = self._prefix + self._token
        yield request


class IamPasswordAuth(httpx.Auth):
    """Gets a project-scoped IAM token with a user's password and reuses it until near expiry."""

    requires_request_body = True  # a request refused for a stale token is sent again

    def __init__(
        self,
        iam_endpoint: str,
        user_name: str,
        password: str,
        domain_name: str,
        project_id: str,
        lifetime_seconds: float = 23 * 3600,
    ) -> None:
        self._iam_endpoint = iam_endpoint.rstrip("/")
        self._user_name = user_name
        self._password = password
        self._domain_name = domain_name
        self._project_id = project_id
        self._lifetime = lifetime_seconds
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"IamPasswordAuth(user={self._user_name})"

    def _token_request(self) -> httpx.Request:
        body = {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {
                            "name": self._user_name,
                            "password": self._password,
                            "domain": {"name": self._domain_name},
                        }
                    },
                },
                "scope": {"project": {"id": self._project_id}},
            }
        }
        return httpx.Request("POST", f"{self._iam_endpoint}/v3/auth/tokens", json=body)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        with self._lock:
            cached = self._token if time.monotonic() < self._expires else None
        token = cached or (yield from self._fetch_token())
        request.headers["X-Auth-Token"] = token
        response = yield request
        if response.status_code == 401 and cached is not None:
            # The server no longer knows the token (revoked, or its world was reset): one new try.
            with self._lock:
                if self._token == cached:
                    self._token = None
            request.headers["X-Auth-Token"] = yield from self._fetch_token()
            yield request

    def _fetch_token(self) -> Generator[httpx.Request, httpx.Response, str]:
        response = yield self._token_request()
        response.read()
        if response.status_code != 201 or "X-Subject-Token" not in response.headers:
            raise httpx.HTTPStatusError(
                f"IAM refused the token request with HTTP {response.status_code}",
                request=response.request,
                response=response,
            )
        token = response.headers["X-Subject-Token"]
        with self._lock:
            self._token = token
            self._expires = time.monotonic() + self._lifetime
        return token
