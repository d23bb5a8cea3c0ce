"""The errors every platform client raises.

Messages carry the HTTP status, the platform's error code and message, never a request body,
header or credential.
"""

from __future__ import annotations

import httpx

from aicompute.provider.engine_contract import OUTCOME_UNKNOWN_MARK as OUTCOME_UNKNOWN_MARK


class ApiError(Exception):
    """A platform answered with an error."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        method: str = "",
        path: str = "",
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.method = method
        self.path = path
        self.retry_after = retry_after
        super().__init__(status, code, message)

    def __str__(self) -> str:
        where = f" on {self.method} {self.path}" if self.method else ""
        return f"HTTP {self.status} {self.code}: {self.message}{where}"

    request_sent: bool = True
    """False when the call failed before its request left (e.g. the token endpoint refused a token):
    nothing can have taken effect, so even a create may be sent again."""

    @property
    def effective_status(self) -> int:
        """The status that says how the call went (a platform may put it in its envelope)."""
        return self.status

    @property
    def retryable(self) -> bool:
        return self.effective_status == 429 or self.effective_status >= 500

    @property
    def rejected(self) -> bool:
        """The platform refused the call (4xx other than a request timeout): it took no effect."""
        return 400 <= self.effective_status < 500 and self.effective_status != 408


class ExistingObject(ApiError):
    """A create met an object that is not its own to adopt (it says which): nothing new was made,
    so its outcome is known, whatever the call that found it wrote."""


class NotFound(ApiError):
    """The object does not exist (404, or the platform's own not-found code)."""


class Unreachable(httpx.ConnectError):
    """The platform's endpoint could not be reached (nothing was sent): the message names it."""

    def __init__(self, endpoint: str, method: str, path: str, reason: str) -> None:
        self.endpoint = endpoint
        super().__init__(f"cannot connect to {endpoint} ({method} {path}): {reason}")


class OutcomeUnknown(Exception):
    """The request left, but no complete response came back: it may or may not have taken effect."""


class CreateOutcomeUnknown(Exception):
    """A create failed after a write of it may have taken effect: the object may exist."""

    def __init__(self, kind: str, cause: BaseException) -> None:
        super().__init__(
            f"{cause} ({OUTCOME_UNKNOWN_MARK}: the {kind} may exist; the next update looks it up and adopts it "
            "rather than creating another)"
        )


class WaitError(Exception):
    """A wait ended without its target state. ``aftermath`` says what was done about it."""

    aftermath: str = ""

    def with_aftermath(self, text: str) -> WaitError:
        self.aftermath = text
        return self

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base}; {self.aftermath}" if self.aftermath else base


class WaitFailed(WaitError):
    """A waited-for object reached a failure state."""

    def __init__(self, what: str, state: str, reason: str) -> None:
        self.what = what
        self.state = state
        self.reason = reason
        super().__init__(f"{what} reached state {state!r}: {reason or 'no reason given'}")


class WaitTimeout(WaitError):
    """A deadline passed before the object reached its target state."""

    def __init__(self, what: str, target: str, seconds: float, last_state: str) -> None:
        self.what = what
        self.last_state = last_state
        super().__init__(
            f"timed out after {seconds:.0f}s waiting for {what} to become {target}; "
            f"last state seen: {last_state!r} (raise the resource's `timeouts` input to wait longer)"
        )
