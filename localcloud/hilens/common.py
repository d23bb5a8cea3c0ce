"""What every HiLens module shares: authentication, errors, ids, times, paging, bodies, directives.

Stored objects are the API's JSON plus private keys starting with ``_`` (``public`` strips them).
Every ``/v3/{project_id}/…`` route takes ``project: HiLensProject``; the firmware catalogue and the
skill market have no project in their path and take ``HiLensCaller`` instead.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from aicompute.localcloud import jsonbody
from aicompute.localcloud.auth import AuthCodes, authenticated_project
from aicompute.localcloud.cloud import Cloud, cloud_of, get_cloud
from aicompute.localcloud.errors import HILENS, HILENS_DEPLOYMENTS, PlatformError, platform_for_path
from aicompute.localcloud.store import Project, Transaction
from aicompute.provider import signing

JSON = dict[str, Any]
T = TypeVar("T")
Model = TypeVar("Model", bound=BaseModel)

# Stored kinds. They are also the kinds of "fail the next transition" directives
# (POST /_localcloud/directives/fail-next): a device's agent connection, a device's next firmware
# upgrade (FIRMWARE_KIND, by node id) and a deployment's next rollout or deletion.
WORKSPACE_KIND = "hilens.workspace"
DEVICE_KIND = "hilens.device"
FIRMWARE_KIND = "hilens.firmware"
DEPLOYMENT_KIND = "hilens.deployment"
POD_KIND = "hilens.pod"
TASK_KIND = "hilens.task"
CONFIGMAP_KIND = "hilens.configmap"
SECRET_KIND = "hilens.secret"
ALARM_KIND = "hilens.alarm"
PLATFORM_ORDER_KIND = "hilens.platform_order"
SKILL_ORDER_KIND = "hilens.skill_order"

DEFAULT_WORKSPACE_ID = "0"  # the main account's default workspace (seed §5.3.9)
PROVIDERS = ("hilens", "ief")
CloudDep = Annotated[Cloud, Depends(get_cloud)]


# errors ----------------------------------------------------------------------------------------
def hilens_error(status: int, code: str, message: str) -> PlatformError:
    """``{"error_code", "error_msg"}``, the shape of seed §3.3."""
    return PlatformError(status, HILENS.error_body(code, message))


def bad_request(detail: str) -> PlatformError:
    return hilens_error(400, "HIL.0001", f"Invalid parameter. {detail}")


def not_found(what: str, ident: str) -> PlatformError:
    return hilens_error(404, "HIL.0010", f"The {what} {ident} does not exist.")


def conflict(detail: str) -> PlatformError:
    return hilens_error(409, "HIL.0011", detail)


def _reshaped(error: PlatformError, platform: Any, status: int | None = None) -> PlatformError:
    body = error.body
    code = str(body.get("error_code", ""))
    message = str(body.get("error_msg", body.get("error_message", "")))
    return PlatformError(status or error.status, platform.error_body(code, message), error.headers)


@contextmanager
def deployment_errors() -> Iterator[None]:
    """Errors raised inside become the deployment endpoints' ``{request_id, error_code,
    error_message}`` shape (seed tables 5-82 to 5-85)."""
    try:
        yield
    except PlatformError as error:
        raise _reshaped(error, HILENS_DEPLOYMENTS) from None


# authentication --------------------------------------------------------------------------------
HILENS_AUTH_CODES = AuthCodes(
    missing=("APIGW.0301", "Incorrect IAM authentication information: x-auth-token not found"),
    expired=("HIL.0145", "Invalid token."),
    invalid=("HIL.0145", "Invalid token."),
    # The API gateway answers signature failures before the service sees the request.
    bad_signature=("APIGW.0301", "Incorrect IAM authentication information: verify aksk signature fail"),
    wrong_project=("HIL.0004", "Invalid projectId."),
)
# The core answers these with 401 and 403; seed table 7-2 gives them 403 and 400.
_SEED_STATUS = {"HIL.0145": 403, "HIL.0004": 400}
_authenticate = authenticated_project(HILENS, HILENS_AUTH_CODES)


async def _project(request: Request, project_id: str) -> Project:
    try:
        return await _authenticate(request, project_id)
    except PlatformError as error:
        platform = platform_for_path(request.url.path) or HILENS
        code = str(error.body.get("error_code", ""))
        raise _reshaped(error, platform, _SEED_STATUS.get(code)) from None


def _credential_project(cloud: Cloud, request: Request) -> str:
    """The project a token or an access key belongs to ("" when neither is known)."""
    token = request.headers.get("X-Auth-Token")
    parsed = signing.parse_authorization(request.headers.get("Authorization", ""))
    with cloud.store.transaction() as tx:
        if token:
            found = tx.token(token)
            return found[0] if found else ""
        project = tx.project_by_access_key(parsed.access_key) if parsed else None
    return project.project_id if project else ""


async def _caller(request: Request) -> Project:
    """Paths without a project (firmware catalogue, skill market): the caller's own project, named by
    ``X-Project-Id`` (which the SDK sends) or found from the credentials."""
    project_id = request.headers.get("X-Project-Id") or _credential_project(cloud_of(request), request)
    return await _project(request, project_id)


async def _optional_caller(request: Request) -> Project | None:
    """Skill detail takes no token (seed table 4-17); credentials that are sent are still checked."""
    if not request.headers.get("X-Auth-Token") and not request.headers.get("Authorization"):
        return None
    return await _caller(request)


HiLensProject = Annotated[Project, Depends(_project)]
HiLensCaller = Annotated[Project, Depends(_caller)]
OptionalCaller = Annotated[Project | None, Depends(_optional_caller)]


def advance(cloud: Cloud, tx: Transaction, project_id: str) -> None:
    """Run the project's due lifecycle steps (admin routes, which skip authentication, call this)."""
    cloud.lifecycle.advance(tx, project_id)


# ids and times ---------------------------------------------------------------------------------
_CHINA = timezone(timedelta(hours=8))


def new_id(provider: str = "hilens") -> str:
    """``hilens-<32 hex>``: the provider names the prefix (seed §5.6 examples)."""
    return f"{provider}-{uuid.uuid4().hex}"


def hilens_time(at: float | None = None) -> str:
    """``2022-02-16 11:01:23 GMT+08:00``, the professional console's timestamps."""
    moment = datetime.fromtimestamp(time.time() if at is None else at, UTC).astimezone(_CHINA)
    return moment.strftime("%Y-%m-%d %H:%M:%S GMT+08:00")


def epoch_ms() -> int:
    """Workspaces, firmware and the basic console count epoch milliseconds."""
    return int(time.time() * 1000)


def public(obj: JSON) -> JSON:
    """The API view of a stored object: its private ``_`` keys removed."""
    return {key: value for key, value in obj.items() if not key.startswith("_")}


# query parameters ------------------------------------------------------------------------------
def query_int(name: str, value: str | None, default: int, minimum: int, maximum: int | None = None) -> int:
    """An integer query parameter within its documented range; anything else is a 400 naming it."""
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise bad_request(f"{name}: {value!r} is not an integer") from None
    if number < minimum or (maximum is not None and number > maximum):
        upper = "" if maximum is None else f" and at most {maximum}"
        raise bad_request(f"{name}: must be at least {minimum}{upper}, not {number}")
    return number


@dataclass(frozen=True)
class Page:
    offset: int
    limit: int

    def of(self, items: Sequence[T]) -> list[T]:
        """``offset`` is an item index (seed: "查询的起始位置")."""
        return list(items[self.offset : self.offset + self.limit])


def page(offset: str | None, limit: str | None, default_limit: int, max_limit: int) -> Page:
    return Page(query_int("offset", offset, 0, 0), query_int("limit", limit, default_limit, 1, max_limit))


def provider_param(value: str | None, default: str | None) -> str | None:
    """The ``provider`` query parameter: ``hilens`` or ``ief`` (seed §5.1.1), else its default."""
    if value is None or value == "":
        return default
    if value not in PROVIDERS:
        raise bad_request(f"provider: must be hilens or ief, not {value!r}")
    return value


def bool_param(name: str, value: str | None) -> bool:
    if value is None or value.lower() in ("", "false"):
        return False
    if value.lower() == "true":
        return True
    raise bad_request(f"{name}: must be true or false, not {value!r}")


def sort_param(value: str | None, fields: tuple[str, ...], default: str) -> tuple[str, bool]:
    """``name``, ``name:asc`` or ``name:desc`` → (field, descending); ascending unless told."""
    field, _, direction = (value or default).partition(":")
    if field not in fields or direction not in ("", "asc", "desc"):
        choices = ", ".join(fields)
        raise bad_request(f"sort: must be one of {choices}, optionally with :asc or :desc, not {value!r}")
    return field, direction == "desc"


def sorted_by(items: list[JSON], field: str, descending: bool) -> list[JSON]:
    """Times sort by their exact moment (the strings only count seconds); ties keep creation order."""
    key = {"created_at": "_created", "updated_at": "_updated"}.get(field, field)
    ranked = sorted(enumerate(items), key=lambda pair: (pair[1][key], pair[0]), reverse=descending)
    return [item for _, item in ranked]


def tag_pairs(value: str | None) -> list[tuple[str, str]]:
    """``key1.value1,key2.value2`` (seed §5.1.1 ``tags``) → pairs; a pair without a dot is a key."""
    pairs = []
    for item in (value or "").split(","):
        if item:
            key, _, tag_value = item.partition(".")
            pairs.append((key, tag_value))
    return pairs


def has_tags(tags: list[JSON], wanted: list[tuple[str, str]]) -> bool:
    present = {(tag["key"], tag["value"]) for tag in tags}
    keys = {tag["key"] for tag in tags}
    return all((key, value) in present if value else key in keys for key, value in wanted)


def fuzzy(needle: str | None, haystack: str | None) -> bool:
    """Name filters match anywhere in the name (seed: "模糊匹配")."""
    return not needle or (haystack is not None and needle in haystack)


# request bodies --------------------------------------------------------------------------------
async def _json_body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return jsonbody.loads(raw)
    except jsonbody.BodyError as error:
        raise bad_request(str(error)) from None


JsonBody = Annotated[Any, Depends(_json_body)]


def _where(loc: Sequence[int | str]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


def describe(error: ValidationError) -> str:
    """``node.log_configs[0].size: Input should be ...`` for each problem."""
    problems = []
    for item in error.errors():
        message = str(item["msg"]).removeprefix("Value error, ")
        problems.append(f"{_where(item['loc'])}: {message}")
    return "; ".join(problems)


def parse(model: type[Model], data: Any, fail: Callable[[str], PlatformError] = bad_request) -> Model:
    """Validate a request body; a failure is HiLens's 400 naming each field."""
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as error:
        raise fail(describe(error)) from None


# request fields several resources share -------------------------------------------------------------
# Descriptions may not contain ^ ~ # $ % & * < > ( ) [ ] { } ' " \\ (seed tables 5-11, 5-89, 5-389).
_FORBIDDEN_IN_TEXT = frozenset("^~#$%&*<>()[]{}'\"\\")


def _plain_text(value: str) -> str:
    found = "".join(sorted(_FORBIDDEN_IN_TEXT & set(value)))
    if found:
        raise ValueError(f"must not contain any of {found}")
    return value


Description = Annotated[str, Field(max_length=255), AfterValidator(_plain_text)]
TAG_KEY = r"^[A-Za-z0-9_-]{1,36}$"
TAG_VALUE = r"^[A-Za-z0-9_-]{1,43}$"


class TagObject(BaseModel):
    """A tag of a device, a configmap or the tag APIs: letters, digits, '-' and '_' (table 5-13)."""

    model_config = ConfigDict(extra="ignore")

    key: str = Field(pattern=TAG_KEY)
    value: str = Field(pattern=TAG_VALUE)


def distinct_keys(items: list[Any]) -> list[Any]:
    """A list of ``{key, value}`` pairs may name each key once."""
    keys = [item.key for item in items]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise ValueError(f"repeated key {', '.join(repeated)}")
    return items


def tag_list(tags: Sequence[Any]) -> list[JSON]:
    return [{"key": tag.key, "value": tag.value} for tag in tags]


__all__ = [
    "JSON",
    "CloudDep",
    "HiLensCaller",
    "HiLensProject",
    "JsonBody",
    "Page",
    "PlatformError",
    "Project",
    "Transaction",
]
