"""The HTTP client every platform client is built on: errors, retries, safe creates.

* Idempotent calls (GET, PUT, PATCH, DELETE) retry on 429, 5xx and transport errors with
  exponential backoff and jitter, honouring ``Retry-After``.
* A create (POST) whose outcome is unknown — it may have been committed although no response
  came back — is never blindly re-sent: ``create_reconciled`` first looks the object up by name
  and adopts it if it is there.
* ``AICOMPUTE_RECONCILE_CREATES=1`` in the provider process's environment makes every
  ``create_reconciled`` look the object up by name *before* its first POST, and adopt it if it is
  there. aicompute's engine starts a provider process with it only to repeat a create that an
  interrupted deployment left pending (a ``creating`` operation in the state: the object may exist
  without being in the state). Ordinary creates never adopt: an object of the same name that
  someone else made stays a duplicate-name error. The Pulumi CLI has no such knowledge: set it in
  the environment of the one ``pulumi up`` that repeats a create an interrupted update left pending.
"""

from __future__ import annotations

import logging
import os
import ssl
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from aicompute.provider.config import ProviderSettings
from aicompute.provider.engine_contract import RECONCILE_CREATES_ENV as RECONCILE_CREATES_ENV
from aicompute.provider.errors import ApiError, OutcomeUnknown, Unreachable

log = logging.getLogger("aicompute.provider")

T = TypeVar("T")
ErrorParser = Callable[[httpx.Response], ApiError]
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE"})


def reconcile_creates_requested(environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``AICOMPUTE_RECONCILE_CREATES`` asks creates to adopt an object of their name."""
    value = (os.environ if environ is None else environ).get(RECONCILE_CREATES_ENV, "")
    return value.strip().lower() in ("1", "true", "yes")


def _retryable(error: BaseException) -> bool:
    if isinstance(error, ApiError):
        return error.retryable
    return isinstance(error, httpx.TransportError | OutcomeUnknown)


def unsent(error: BaseException) -> bool:
    """The call failed before its request left, for a reason that may pass: safe to send again even
    when it is a create (the connection was refused; the token endpoint answered 503)."""
    if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout):
        return True
    return isinstance(error, ApiError) and not error.request_sent and error.retryable


def writes(method: str, path: str) -> bool:
    """Whether a call may change something on the platform (a ``:search`` POST only reads)."""
    return method.upper() not in ("GET", "HEAD") and not path.endswith(":search")


def _wait(settings: ProviderSettings) -> Callable[[RetryCallState], float]:
    backoff = wait_exponential_jitter(multiplier=min(0.2, settings.poll_interval), max=20, jitter=0.5)

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, ApiError) and error.retry_after is not None:
            return min(error.retry_after, 60.0)
        return float(backoff(state))

    return wait


def _log_retry(state: RetryCallState) -> None:
    # Debug only: the final error says what failed; a line per retry drowns it (drift reads many).
    error = state.outcome.exception() if state.outcome else None
    log.debug("retrying after attempt %d failed: %s", state.attempt_number, error)


def _reason(error: httpx.TransportError) -> str:
    """``Connection refused`` rather than ``[Errno 111] Connection refused``."""
    text = str(error) or type(error).__name__
    return text.split("] ", 1)[1] if text.startswith("[Errno ") and "] " in text else text


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class ApiClient:
    """One platform's base URL, auth, error shape and retry policy over an ``httpx.Client``."""

    def __init__(
        self,
        settings: ProviderSettings,
        base_url: str,
        auth: httpx.Auth,
        parse_error: ErrorParser,
        transport: httpx.BaseTransport | None = None,
        verify: ssl.SSLContext | bool | None = None,
    ) -> None:
        """``verify`` overrides the TLS verification that ``settings.insecure`` implies."""
        self.settings = settings
        self._parse_error = parse_error
        self._http = httpx.Client(
            base_url=base_url,
            auth=auth,
            timeout=settings.request_timeout,
            verify=(not settings.insecure) if verify is None else verify,
            transport=transport,
        )
        self.wrote = False
        """A write this client sent may have taken effect: it was answered with success, with an
        error other than a refusal (5xx after the commit), or not answered at all."""

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def retrying(self, retryable: Callable[[BaseException], bool] = _retryable) -> Retrying:
        """The retry policy for calls that fail with errors ``retryable`` accepts (by default: those
        safe to repeat for an idempotent call)."""
        return Retrying(
            retry=retry_if_exception(retryable),
            stop=stop_after_attempt(self.settings.max_retries + 1),
            wait=_wait(self.settings),
            before_sleep=_log_retry,
            reraise=True,
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        ok: tuple[int, ...] = (200,),
    ) -> Any:
        """Send one call (retried when idempotent) and return its JSON body (None when empty)."""
        method = method.upper()
        if method not in IDEMPOTENT:
            for attempt in self.retrying(unsent):
                with attempt:
                    return self.send_once(method, path, json=json, params=params, headers=headers, ok=ok)
        for attempt in self.retrying():
            with attempt:
                return self.send_once(method, path, json=json, params=params, headers=headers, ok=ok)
        raise AssertionError("unreachable: tenacity reraises")

    def send_once(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        ok: tuple[int, ...] = (200,),
    ) -> Any:
        """One attempt. Raises ``OutcomeUnknown`` when the request may have been committed unseen;
        notes in ``wrote`` a write that may have taken effect."""
        write = writes(method, path)
        try:
            answer = self.exchange(method, path, json=json, params=params, headers=headers, ok=ok)
        except OutcomeUnknown:
            self.wrote = self.wrote or write
            raise
        except ApiError as error:
            self.wrote = self.wrote or (write and error.request_sent and not error.rejected)
            raise
        self.wrote = self.wrote or write
        return answer

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
        """One request and its answer's JSON body; an error answer raises ``ApiError``."""
        clean_params = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            response = self._http.request(method, path, json=json, params=clean_params, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout) as connect_error:
            # Never reached the server: safe to retry as is.
            raise Unreachable(self._endpoint(connect_error), method, path, _reason(connect_error)) from None
        except httpx.TransportError as transport_error:
            kind = type(transport_error).__name__
            raise OutcomeUnknown(f"{method} {path}: no complete response ({kind})") from None
        except ApiError as auth_error:
            auth_error.request_sent = False  # raised by the auth flow (a token request), before the call
            raise
        if response.status_code not in ok:
            api_error = self._parse_error(response)
            api_error.method, api_error.path = method, path
            api_error.retry_after = _retry_after(response)
            raise api_error
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return None

    def _endpoint(self, error: httpx.TransportError) -> str:
        """The scheme and host the failed request went to (a token request's may differ from ours)."""
        try:
            url = error.request.url
        except RuntimeError:
            url = self._http.base_url
        return f"{url.scheme}://{url.netloc.decode()}"

    def create_reconciled(self, post: Callable[[], T], find: Callable[[], T | None]) -> T:
        """Create once, even when responses are lost.

        ``post`` sends the create; ``find`` looks the object up by its unique name and returns what
        ``post`` would have returned, or None. Before any re-send after an ambiguous or retryable
        failure, ``find`` is asked first, so a create committed unseen is adopted, not duplicated.
        When ``AICOMPUTE_RECONCILE_CREATES`` is set (a create repeated after an interrupted
        deployment), ``find`` is asked before the first ``post`` too.
        """
        if reconcile_creates_requested():
            existing = find()
            if existing is not None:
                log.info("adopting an object an interrupted deployment created (%s)", RECONCILE_CREATES_ENV)
                return existing
        for attempt in self.retrying():
            with attempt:
                if attempt.retry_state.attempt_number > 1:
                    existing = find()
                    if existing is not None:
                        log.info("adopting an object created by an earlier attempt")
                        return existing
                return post()
        raise AssertionError("unreachable: tenacity reraises")
