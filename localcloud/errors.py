"""Errors in each platform's own shape, and which platform a path belongs to.

Backends raise ``PlatformError`` (usually through a platform helper such as
``modelarts_error``); the app renders it with the body the platform documents. Fault injection
uses ``platform_for_path`` and ``error_body`` to answer as the platform itself would.
"""

from __future__ import annotations

import re
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

PLATFORMS: list[Platform] = [IAM, MODELARTS]


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
