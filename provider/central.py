"""The central compute platform client (T/BAX part 4): OAuth2 bearer auth, the two envelope families.

API facts (seed 004; digest ``tbax-central-compute.md`` §3, §4):

* Chapter 9 asks for OAuth2 tokens (RFC 6749) over HTTPS and names no endpoint: the client uses the
  client-credentials grant against ``aicompute:centralTokenUrl`` (default ``<endpoint>/oauth/token``)
  and sends ``Authorization: Bearer`` on every call (``OAuth2ClientCredentialsAuth``).
* Every answer is an envelope whose ``code`` says how the call went: ``"0"`` (a string) on the
  computing platform ``/CCP`` (tables A.15, A.18, B.10), ``0`` (an integer) on the analysis platform
  ``/CAP`` (tables E.11, F.7, G.9); anything else is a failure. The text is ``message`` on /CCP,
  ``msg`` on /CAP (tables G.17 and G.19 misspell it ``mgs``). The standard defines no error codes and
  no HTTP statuses, so a non-zero code is an error whatever the HTTP status, and a code that reads as
  an HTTP status (``"404"``, ``503``) is treated as one: 404 means not found, 429 and 5xx are retried
  where the call is safe to repeat.
* Several GET and DELETE operations take a JSON body (A.3–A.9, B.3–B.8, E.7) while their tables say
  "no query string"; proxies drop such bodies, so the parameters go in both the body and the query.
* Ids may hold ``/`` or ``:`` (``megvii/cloud/megcity-a2_2``, ``MEGCITY:3843938347``): path segments are
  percent-encoded.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from aicompute.provider.config import ProviderSettings
from aicompute.provider.errors import ApiError, NotFound
from aicompute.provider.http import IDEMPOTENT, ApiClient, unsent

SUCCESS = "0"
PAGE_SIZE = 100


class CentralError(ApiError):
    """The platform answered with a non-zero envelope ``code``, or an HTTP error status."""

    def __init__(self, status: int, code: str, message: str, *, envelope_code: str = "") -> None:
        super().__init__(status, code, message)
        self.envelope_code = envelope_code

    @property
    def effective_status(self) -> int:
        """The HTTP status, or the envelope code when the server said 200 but the code reads as a status."""
        if self.status < 400 and self.envelope_code.isdigit() and 400 <= int(self.envelope_code) <= 599:
            return int(self.envelope_code)
        return self.status

    @property
    def rejected(self) -> bool:
        """A non-zero code in a 2xx answer is the platform's refusal too."""
        return self.effective_status < 400 or super().rejected


class CentralNotFound(CentralError, NotFound):
    """The object does not exist (HTTP 404 or envelope code 404)."""


def _text(body: Mapping[str, Any]) -> str:
    for key in ("message", "msg", "mgs", "error_description", "error_msg"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def _family(path: str) -> str:
    segment = path.lstrip("/").split("/", 1)[0].split(":", 1)[0]
    return segment.upper() or "CENTRAL"


def envelope_error(status: int, body: Any, path: str, reason: str = "") -> CentralError:
    """An error from an envelope (or an OAuth2 error body) and the HTTP status it came with."""
    body = body if isinstance(body, dict) else {}
    raw = body.get("code", body.get("error"))
    envelope_code = "" if raw is None else str(raw)
    family = _family(path)
    code = f"{family}.{envelope_code}" if envelope_code else f"HTTP.{status}"
    message = _text(body) or reason or "no message"
    error = CentralError(status, code, message, envelope_code=envelope_code)
    if error.effective_status == 404:
        error = CentralNotFound(status, code, message, envelope_code=envelope_code)
    return error


def parse_error(response: httpx.Response) -> ApiError:
    try:
        body: Any = response.json()
    except ValueError:
        body = {}
    return envelope_error(response.status_code, body, response.request.url.path, response.reason_phrase)


def segment(value: str) -> str:
    """One path segment, percent-encoded (ids may hold ``/`` and ``:``)."""
    return quote(value, safe="")


class CentralClient(ApiClient):
    """Calls to one central platform's /CCP and /CAP interfaces, envelopes unwrapped."""

    def __init__(self, settings: ProviderSettings, transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(
            settings,
            base_url=settings.central_endpoint(),
            auth=settings.central_auth(),
            parse_error=parse_error,
            transport=transport,
            verify=settings.central_verify(),
        )

    def exchange(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        ok: tuple[int, ...] = (200,),
    ) -> Any:
        """One request; a non-zero envelope code raises ``CentralError`` (``CentralNotFound`` for 404)."""
        body = super().exchange(method, path, json=json, params=params, headers=headers, ok=ok)
        if isinstance(body, dict) and "code" in body and str(body["code"]).strip() != SUCCESS:
            error = envelope_error(200, body, path)
            error.method, error.path = method.upper(), path
            raise error
        return body

    def call(self, method: str, path: str, body: Mapping[str, Any] | None = None, *, safe: bool = False) -> Any:
        """The whole envelope of one call. Idempotent calls (and ``safe`` POSTs such as ``:search``) retry.

        For GET and DELETE the parameters go both as a JSON body, as the standard's examples send
        them, and as a query string, which survives proxies that drop bodies of such requests.
        """
        method = method.upper()
        payload = dict(body) if body is not None else None
        params = _query(payload) if method in {"GET", "DELETE"} and payload else None
        retryable = None if method in IDEMPOTENT or safe else unsent
        for attempt in self.retrying() if retryable is None else self.retrying(retryable):
            with attempt:
                return self.send_once(method, path, json=payload, params=params)
        raise AssertionError("unreachable: tenacity reraises")

    def data(self, method: str, path: str, body: Mapping[str, Any] | None = None, *, safe: bool = False) -> Any:
        """The ``data`` of one call's envelope."""
        envelope = self.call(method, path, body, safe=safe)
        return envelope.get("data") if isinstance(envelope, dict) else None

    def data_or_none(self, path: str, body: Mapping[str, Any] | None = None) -> Any:
        """``data`` of a GET, or None when the object does not exist."""
        try:
            return self.data("GET", path, body)
        except NotFound:
            return None

    def search(
        self, path: str, body: Mapping[str, Any] | None = None, page_size: int = PAGE_SIZE
    ) -> Iterator[dict[str, Any]]:
        """Every record of a CAP ``:search`` (pages ``{pageNumber, pageSize, total, records}``, 1-based)."""
        page = 1
        seen = 0
        while True:
            data = self.data("POST", path, {**(body or {}), "pageNumber": page, "pageSize": page_size}, safe=True)
            data = data if isinstance(data, dict) else {}
            records = data.get("records") or []
            records = [records] if isinstance(records, dict) else records  # some examples print one object
            yield from (record for record in records if isinstance(record, dict))
            seen += len(records)
            total = data.get("total")
            if not records or len(records) < page_size or (isinstance(total, int) and seen >= total):
                return
            page += 1


def _query(body: Mapping[str, Any]) -> dict[str, Any]:
    """The scalar and list-of-scalar parameters of a body, as query parameters."""
    query: dict[str, Any] = {}
    for key, value in body.items():
        scalar = isinstance(value, str | int | float | bool)
        if scalar or (isinstance(value, list) and all(isinstance(v, str | int | float) for v in value)):
            query[key] = value
    return query


def as_list(value: Any) -> list[Any]:
    """The standard types several lists as one object in its examples (A.9 ``data``, ``xpuResources``)."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]
