"""Authentication for httpx: AK/SK signatures, IAM tokens, OAuth2 client-credentials bearer tokens.

Each is an ``httpx.Auth`` that holds its credential only for the life of a client: clients are
built inside each provider call, never stored on a provider object (which is pickled into state).
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Generator
from typing import Any, Literal
from urllib.parse import parse_qsl, quote_plus

import httpx

from aicompute.provider import signing
from aicompute.provider.errors import ApiError


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


TokenAuthMethod = Literal["auto", "post", "basic"]
"""How the client authenticates to the token endpoint (RFC 6749 §2.3.1): ``post`` sends
``client_id``/``client_secret`` in the form body, ``basic`` sends them as HTTP Basic credentials, and
``auto`` starts with the form body and switches to Basic when the server asks for it."""


class OAuth2ClientCredentialsAuth(httpx.Auth):
    """OAuth 2.0 client-credentials grant (RFC 6749 §4.4) with the token sent as a Bearer token (RFC 6750).

    The token is fetched on first use through the same client (so the same TLS settings apply) and
    reused until shortly before ``expires_in`` runs out. A 401 to a request made with a cached token
    (expired early, revoked, or the server forgot it) drops the token, fetches a new one and sends
    the request once more. The client secret is read from configuration for each new client, so a
    rotated secret is used from the next provider call on. Neither the secret nor a token is ever in
    ``repr`` or in an error message.
    """

    requires_request_body = True  # a request refused for a stale token is sent again

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        method: TokenAuthMethod = "auto",
        scope: str | None = None,
    ) -> None:
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._method: TokenAuthMethod = method
        self._scope = scope
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"OAuth2ClientCredentialsAuth(token_url={self._token_url}, client_id={self._client_id})"

    @staticmethod
    def refresh_margin(expires_in: float) -> float:
        """How long before ``expires_in`` runs out a token is replaced: a tenth of its life, at most a minute."""
        return min(60.0, expires_in / 10)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        with self._lock:
            cached = self._token if self._token is not None and time.monotonic() < self._expires else None
        token = cached or (yield from self._fetch_token())
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401 and cached is not None:
            with self._lock:
                if self._token == cached:
                    self._token = None
            request.headers["Authorization"] = f"Bearer {(yield from self._fetch_token())}"
            yield request

    def _token_request(self, method: Literal["post", "basic"]) -> httpx.Request:
        form = {"grant_type": "client_credentials"}
        if self._scope:
            form["scope"] = self._scope
        headers = {"Accept": "application/json"}
        if method == "basic":
            # RFC 6749 §2.3.1: both parts are form-urlencoded before they are joined and base64-encoded.
            pair = f"{quote_plus(self._client_id)}:{quote_plus(self._client_secret)}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
        else:
            form.update(client_id=self._client_id, client_secret=self._client_secret)
        return httpx.Request("POST", self._token_url, data=form, headers=headers)

    def _fetch_token(self) -> Generator[httpx.Request, httpx.Response, str]:
        method: Literal["post", "basic"] = "basic" if self._method == "basic" else "post"
        response = yield self._token_request(method)
        response.read()
        if self._method == "auto" and method == "post" and _wants_basic(response):
            self._method = "basic"
            response = yield self._token_request("basic")
            response.read()
        token, lifetime = self._parse_token(response)
        with self._lock:
            self._token = token
            self._expires = (
                time.monotonic() + lifetime - self.refresh_margin(lifetime) if lifetime is not None else float("inf")
            )
        return token

    def _parse_token(self, response: httpx.Response) -> tuple[str, float | None]:
        try:
            body: Any = response.json()
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        path = httpx.URL(self._token_url).path
        if response.status_code != 200:
            code = str(body.get("error") or f"HTTP.{response.status_code}")
            detail = str(body.get("error_description") or response.reason_phrase or "")
            message = f"the token endpoint refused client {self._client_id!r}: {detail}".rstrip(": ")
            raise ApiError(response.status_code, code, message, method="POST", path=path)
        token = body.get("access_token")
        token_type = str(body.get("token_type") or "Bearer")
        if not isinstance(token, str) or not token:
            raise ApiError(
                response.status_code,
                "invalid_response",
                "the token response has no access_token",
                method="POST",
                path=path,
            )
        if token_type.lower() != "bearer":
            raise ApiError(
                response.status_code,
                "unsupported_token_type",
                f"token type {token_type!r} is not Bearer",
                method="POST",
                path=path,
            )
        expires_in = body.get("expires_in")
        try:
            lifetime = float(expires_in) if expires_in is not None else None
        except (TypeError, ValueError):
            lifetime = None
        return token, lifetime


def _wants_basic(response: httpx.Response) -> bool:
    """RFC 6749 §5.2: a 401 ``invalid_client`` answer names the scheme it wants in WWW-Authenticate."""
    return response.status_code == 401 and "basic" in response.headers.get("WWW-Authenticate", "").lower()
