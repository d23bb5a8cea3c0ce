"""Errors in each platform's own shape, and which platform a path belongs to.

Backends raise ``PlatformError`` (usually through a platform helper such as
``modelarts_error``); the app renders it with the body the platform documents. Fault injection
uses ``platform_for_path`` and ``error_body`` to answer as the platform itself would.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any


class PlatformError(Exception):
    """An error response: HTTP status plus the platform's JSON body."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}


@dataclass(frozen=True)
class Platform:
    name: str
    path_pattern: re.Pattern[str]
    code_prefix: str

    def error_body(self, code: str, message: str) -> dict[str, Any]:
        return {"error_code": code, "error_msg": message}


MODELARTS = Platform("modelarts", re.compile(r"^/v[12]/[^/]+/"), "ModelArts")
IAM = Platform("iam", re.compile(r"^/v3/auth/"), "IAM")


@dataclass(frozen=True)
class RequestIdPlatform(Platform):
    """A platform whose errors read ``{"request_id", "error_code", "error_message"}``."""

    def error_body(self, code: str, message: str) -> dict[str, Any]:
        return {"request_id": uuid.uuid4().hex, "error_code": code, "error_message": message}


# HiLens (seed 000): /v3 paths under ai-mgr, node-manager, tag-mgr or a tagged resource type, and the
# basic console's and skill market's /v1 and /v2 paths, which ModelArts' pattern would otherwise take.
_HILENS_V3 = r"/v3/(ai-mgr/|[^/]+/(ai-mgr|node-manager|tag-mgr|nodes?|deployments?|configmaps?|secrets?)/)"
_HILENS_V1_V2 = r"/v2/[^/]+/device-manager/|/v1/(skill-market/|[^/]+/(skill-market|alarm-manager|platform-manager)/)"
HILENS = Platform("hilens", re.compile(f"^(?:{_HILENS_V3}|{_HILENS_V1_V2})"), "HIL")
# The application-deployment endpoints (not their jobs) answer errors in their own shape (seed §5.3,
# tables 5-82 to 5-85 and their repeats).
HILENS_DEPLOYMENTS = RequestIdPlatform(
    "hilens",
    re.compile(r"^/v3/[^/]+/ai-mgr/deployments(/[^/]+(/nodes|/(?!tasks$)[^/]+(/action/[^/]+)?)?)?/?$"),
    "HIL",
)


@dataclass(frozen=True)
class CentralPlatform(Platform):
    """A T/BAX central platform envelope family (digest §4.1): ``code`` is 0 for success and non-zero
    otherwise, a string on /CCP and /CAD and an integer on /ACP and /CAP, next to the text in
    ``message`` (``msg`` on the CAP's algorithm, service and task interfaces)."""

    integer_code: bool = False
    text_key: str = "message"

    def error_body(self, code: str, message: str) -> dict[str, Any]:
        value: str | int = int(code) if self.integer_code and re.fullmatch(r"-?\d+", code) else code
        body: dict[str, Any] = {"code": value, self.text_key: message, "data": None}
        if not self.integer_code:
            body["requestId"] = str(uuid.uuid4())
        return body


@dataclass(frozen=True)
class OAuthPlatform(Platform):
    """The token endpoint answers errors as RFC 6749 §5.2 says: ``{"error", "error_description"}``."""

    def error_body(self, code: str, message: str) -> dict[str, Any]:
        return {"error": code, "error_description": message}


# T/BAX central compute (seed 004): paths are matched without regard to case (digest §4.2 item 3).
# /ACP and /CAP/Status answer {code:int, message}; the other /CAP paths {code:int, msg}.
CENTRAL_CCP = CentralPlatform("central", re.compile(r"^/(?:CCP|CAD)(?:/|$)", re.IGNORECASE), "central")
CENTRAL_ACP = CentralPlatform(
    "central", re.compile(r"^/(?:ACP(?:/|$)|CAP/Status/?$)", re.IGNORECASE), "central", integer_code=True
)
CENTRAL_CAP = CentralPlatform(
    "central", re.compile(r"^/CAP(?:/|:|$)", re.IGNORECASE), "central", integer_code=True, text_key="msg"
)
OAUTH = OAuthPlatform("oauth", re.compile(r"^/oauth/"), "oauth")

PLATFORMS: list[Platform] = [IAM, HILENS_DEPLOYMENTS, HILENS, MODELARTS, CENTRAL_CCP, CENTRAL_ACP, CENTRAL_CAP, OAUTH]


def platform_for_path(path: str) -> Platform | None:
    for platform in PLATFORMS:
        if platform.path_pattern.match(path):
            return platform
    return None


def modelarts_error(status: int, code: str, message: str) -> PlatformError:
    """``{"error_code": "ModelArts.xxxx", "error_msg": ...}`` with the given status."""
    return PlatformError(status, MODELARTS.error_body(code, message))


# Generic codes a fault injection or the server itself answers with, per HTTP status.
GENERIC_CODES: dict[str, dict[int, tuple[str, str]]] = {
    "modelarts": {
        400: ("ModelArts.0104", "Parameter error."),
        401: ("ModelArts.0203", "Invalid token."),
        403: ("ModelArts.0108", "You are not authorized to perform the operation."),
        404: ("ModelArts.0104", "Not found."),
        409: ("ModelArts.5044", "Operations conflict, please try again later"),
        429: ("ModelArts.4206", "Excessive number of requests to the service."),
        500: ("ModelArts.0010", "Internal error."),
        502: ("ModelArts.0010", "Internal error."),
        503: ("ModelArts.0010", "Service unavailable."),
        504: ("ModelArts.0010", "Gateway timeout."),
    },
    # HiLens documents four codes (seed table 7-2: HIL.0002, HIL.0004, HIL.0055, HIL.0145); 400, 404
    # and 409 need codes it does not give, so HIL.0001, HIL.0010 and HIL.0011 are localcloud's own.
    # Gateway answers (401, 429) carry the API gateway's APIGW codes, as the seed says they may.
    "hilens": {
        400: ("HIL.0001", "Invalid parameter."),
        401: ("APIGW.0301", "Incorrect IAM authentication information."),
        403: ("HIL.0145", "Invalid token."),
        404: ("HIL.0010", "The resource does not exist."),
        409: ("HIL.0011", "The request conflicts with the resource's current state."),
        429: ("APIGW.0308", "The throttling threshold has been reached."),
        500: ("HIL.0002", "Internal server error."),
        502: ("HIL.0002", "Internal server error."),
        503: ("HIL.0002", "Internal server error."),
        504: ("HIL.0002", "Internal server error."),
    },
    # The standard defines no error codes (digest §4.1): localcloud answers with the HTTP status as
    # the envelope code, a string or an integer as the family has it.
    "central": {
        400: ("400", "Bad request."),
        401: ("401", "Unauthorized."),
        403: ("403", "Forbidden."),
        404: ("404", "Not found."),
        409: ("409", "Conflict."),
        429: ("429", "Too many requests."),
        500: ("500", "Internal error."),
        502: ("502", "Bad gateway."),
        503: ("503", "Service unavailable."),
        504: ("504", "Gateway timeout."),
    },
    "oauth": {
        400: ("invalid_request", "The request is malformed."),
        401: ("invalid_client", "Client authentication failed."),
        429: ("temporarily_unavailable", "Too many requests."),
        500: ("server_error", "Internal error."),
        502: ("server_error", "Bad gateway."),
        503: ("temporarily_unavailable", "Service unavailable."),
        504: ("temporarily_unavailable", "Gateway timeout."),
    },
    "iam": {
        400: ("IAM.0001", "Bad request."),
        401: ("IAM.0003", "The request you have made requires authentication."),
        429: ("IAM.0021", "Too many requests."),
        500: ("IAM.0010", "Internal error."),
        503: ("IAM.0010", "Service unavailable."),
    },
}


def generic_error(platform: Platform, status: int) -> PlatformError:
    codes = GENERIC_CODES.get(platform.name, {})
    code, message = codes.get(status, (f"{platform.code_prefix}.0010", "Internal error."))
    return PlatformError(status, platform.error_body(code, message))
